// A small SVG column chart of a time series (transfers per minute). Drawn with DOM calls, so
// the strict Content-Security-Policy needs no inline styles or scripts.

import { h, svg, fmt } from "./dom.js";

const W = 600;
const H = 200;
const PAD = { top: 12, right: 12, bottom: 26, left: 44 };
const clock = new Intl.DateTimeFormat("en", { hour: "2-digit", minute: "2-digit" });

/** A "nice" ceiling for the y axis: 1, 2, 5 × 10^n. */
function niceMax(value) {
  if (value <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= value);
}

function gridLines(max, plotH) {
  return [0, 0.5, 1].map((f) => {
    const y = PAD.top + plotH * (1 - f);
    return svg("g", { class: "grid" },
      svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y }),
      svg("text", { x: PAD.left - 6, y: y + 4, "text-anchor": "end" }, fmt(Math.round(max * f))));
  });
}

function columns(points, max, plotW, plotH) {
  const step = plotW / points.length;
  const width = Math.max(1, step * 0.7);
  return points.map((p, i) => {
    const height = (p.value / max) * plotH;
    const x = PAD.left + i * step + (step - width) / 2;
    return svg("rect", { class: "bar", x, y: PAD.top + plotH - height, width, height: Math.max(height, 0) },
      svg("title", {}, `${clock.format(p.at)}: ${fmt(p.value)} transfers`));
  });
}

function timeLabels(points) {
  if (!points.length) return [];
  const first = points[0].at;
  const last = points[points.length - 1].at;
  return [
    svg("text", { x: PAD.left, y: H - 8, "text-anchor": "start" }, clock.format(first)),
    svg("text", { x: W - PAD.right, y: H - 8, "text-anchor": "end" }, clock.format(last)),
  ];
}

/** Draw `points` ([{at: Date, value: number}], oldest first) into `figure`. */
export function drawRateChart(figure, points, { caption = "" } = {}) {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const peak = points.reduce((m, p) => Math.max(m, p.value), 0);
  const max = niceMax(peak);
  const latest = points.length ? points[points.length - 1].value : 0;
  const summary = points.length
    ? `Latest minute: ${fmt(latest)} transfers; peak ${fmt(peak)} per minute over ${points.length} minutes.`
    : "No transfers recorded yet.";
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": summary, class: "rate" },
    svg("title", {}, summary),
    ...gridLines(max, plotH),
    ...columns(points, max, plotW, plotH),
    ...timeLabels(points));
  figure.replaceChildren(chart, h("figcaption", {}, caption ? `${summary} ${caption}` : summary));
}
