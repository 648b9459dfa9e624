// What if: the recorded demand replayed under a catalog the operator uploads (POST
// /admin/whatif). The same report as `gameledger whatif --html`: per currency spent, granted
// and net supply change, per item bought and unaffordable, and the net supply over time, now
// against the candidate. It writes nothing. Drawn with DOM calls, like every chart here.

import { post } from "./api.js";
import { $, h, svg, fmt, say, td } from "./dom.js";
import { assetName } from "./catalog.js";
import { describe } from "./problems.js";

const W = 600;
const H = 200;
const PAD = 44;

function change(now, candidate) {
  const delta = candidate - now;
  const kind = delta > 0 ? "in" : delta < 0 ? "out" : "";
  return td("Change", { class: `num ${kind}` }, delta > 0 ? `+${fmt(delta)}` : fmt(delta));
}

function currencyRows(c) {
  return [["Spent", c.spent], ["Granted", c.granted], ["Net supply change", c.netSupplyChange]]
    .map(([label, pair]) => h("tr", { dataset: { currency: c.currency, row: label } },
      h("th", { scope: "row" }, `${assetName(c.currency)}: ${label.toLowerCase()}`),
      td("Now", { class: "num" }, fmt(pair.now)),
      td("Candidate", { class: "num" }, fmt(pair.candidate)),
      change(pair.now, pair.candidate)));
}

function itemRow(i) {
  return h("tr", { dataset: { item: i.item } },
    h("th", { scope: "row" }, assetName(i.item)),
    td("Bought now", { class: "num" }, fmt(i.bought.now)),
    td("With the candidate", { class: "num" }, fmt(i.bought.candidate)),
    td("Unaffordable", { class: "num" }, fmt(i.unaffordable)));
}

function table(caption, head, rows) {
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h("table", { class: "stack" },
      h("thead", {}, h("tr", {}, head.map((t, i) => h("th", { scope: "col", class: i ? "num" : null }, t)))),
      h("tbody", {}, rows)));
}

/** Two polylines (now, candidate) of the cumulative net supply change. */
function supplyChart(currency, points) {
  const values = points.flatMap((p) => [p.now, p.candidate]);
  const low = Math.min(0, ...values);
  const span = Math.max(0, ...values) - low || 1;
  const times = points.map((p) => Date.parse(p.at));
  const width = times[times.length - 1] - times[0] || 1;
  const x = (t) => PAD + ((W - 2 * PAD) * (t - times[0])) / width;
  const y = (v) => H - PAD / 2 - ((H - PAD) * (v - low)) / span;
  const line = (kind, pick) => svg("polyline", { class: kind,
    points: points.map((p, i) => `${x(times[i]).toFixed(1)},${y(p[pick]).toFixed(1)}`).join(" ") });
  return h("figure", { class: "chart whatif-chart", dataset: { supply: currency } },
    svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img",
      "aria-label": `Net supply of ${assetName(currency)} over time, now and with the candidate` },
    svg("line", { class: "axis", x1: PAD, x2: W - PAD, y1: y(0), y2: y(0) }),
    svg("text", { x: PAD - 6, y: y(low + span) + 4, "text-anchor": "end" }, fmt(low + span)),
    svg("text", { x: PAD - 6, y: y(low) + 4, "text-anchor": "end" }, fmt(low)),
    line("now", "now"), line("candidate", "candidate")),
    h("figcaption", {}, `Net supply of ${assetName(currency)}: `,
      h("span", { class: "key now" }, "now"), " against ", h("span", { class: "key candidate" }, "the candidate")));
}

function render(result, report) {
  result.replaceChildren(
    h("p", { dataset: { whatifSummary: "" } },
      `${fmt(report.transfers)} transfers replayed: ${fmt(report.purchases)} purchases, ${fmt(report.uses)} uses.`),
    table("Currencies, now and with the candidate", ["Currency", "Now", "Candidate", "Change"],
      report.currencies.flatMap(currencyRows)),
    table("Items, now and with the candidate", ["Item", "Bought now", "With the candidate", "Unaffordable"],
      report.items.map(itemRow)),
    ...Object.entries(report.supply).map(([currency, points]) => supplyChart(currency, points)));
}

/** Wire the what-if form of the operator's view. */
export function initWhatIf(root) {
  const form = $('[data-form="whatif"]', root);
  const result = $("[data-whatif-result]", root);
  const errorBox = $("[data-error]", form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say(errorBox, "");
    const file = form.elements.catalog.files[0];
    if (!file) return say(errorBox, "Choose a catalog file (the catalog.json format) first.");
    let catalog;
    try {
      catalog = JSON.parse(await file.text());
    } catch {
      return say(errorBox, `${file.name} is not JSON.`);
    }
    form.setAttribute("aria-busy", "true");
    result.replaceChildren(h("p", { class: "muted" }, "Replaying the log…"));
    try {
      render(result, await post("/admin/whatif", { catalog }));
    } catch (error) {
      result.replaceChildren();
      say(errorBox, describe(error));
    } finally {
      form.setAttribute("aria-busy", "false");
    }
  });
}
