// Live operations in the operator's view: an alert for each monitor that is firing, every
// monitor's state, and the freezes in force (README "When something goes wrong in the
// economy"). The API checks the admin token.

import { get } from "./api.js";
import { $, h, fmt, say, td, timeCell } from "./dom.js";

const PATHS = { monitors: "/admin/monitors", freezes: "/admin/freezes" };

function firingText(m) {
  const who = m.firing.length ? ` (${m.firing.join(", ")})` : "";
  return `Monitor ${m.name} is firing${who}: ${m.rule.kind} at ${fmt(m.lastValue ?? 0)}, threshold ${fmt(m.rule.threshold)}.`;
}

function monitorRow(m) {
  return h("tr", { dataset: { monitor: m.monitorId, state: m.state } },
    h("th", { scope: "row" }, m.name),
    td("Rule", {}, `${m.rule.kind}${m.rule.asset ? ` ${m.rule.asset}` : ""}${m.rule.code ? ` ${m.rule.code}` : ""}`
      + ` > ${fmt(m.rule.threshold)} / ${fmt(m.rule.windowSeconds)} s`),
    td("Action", {}, m.action),
    td("State", {}, m.state),
    td("Last value", { class: "num" }, m.lastValue == null ? "–" : fmt(m.lastValue)),
    td("Fired", {}, m.firedAt ? timeCell(m.firedAt) : "never"));
}

function freezeRow(f) {
  return h("tr", { dataset: { freeze: f.freezeId } },
    h("th", { scope: "row" }, `${f.scope} ${f.target}`),
    td("Reason", {}, f.reason),
    td("By", {}, f.createdBy),
    td("Since", {}, timeCell(f.createdAt)));
}

/** Show the alerts, the monitors and the freezes in force. */
export async function loadAlerts(root) {
  const alerts = $("[data-monitor-alerts]", root);
  if (!alerts) return;
  const [{ monitors }, { freezes }] = await Promise.all([get(PATHS.monitors), get(PATHS.freezes)]);
  const firing = monitors.filter((m) => m.state === "firing");
  alerts.replaceChildren(...firing.map((m) => h("p", { class: "error", dataset: { alert: m.monitorId } }, firingText(m))));
  alerts.hidden = !firing.length;
  $("[data-monitors]", root).replaceChildren(...monitors.map(monitorRow));
  $("[data-freezes]", root).replaceChildren(...freezes.map(freezeRow));
  say($("[data-freezes-empty]", root), freezes.length ? "" : "Nothing is frozen.");
}
