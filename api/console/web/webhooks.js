// Webhook deliveries that exhausted their retries (docs/feed.md), each with one-click
// redelivery. Part of the operator's view; the API checks the admin token.

import { get, post } from "./api.js";
import { bindButton } from "./actions.js";
import { $, h, fmt, say, td, timeCell } from "./dom.js";

const PATHS = {
  failed: "/admin/webhooks/deliveries",
  redeliver: (id) => `/admin/webhooks/deliveries/${encodeURIComponent(id)}/redeliver`,
};

function redeliverButton(root, delivery) {
  const button = h("button", { type: "button", class: "ghost", dataset: { redeliver: String(delivery.id) } },
    "Redeliver", h("span", { class: "visually-hidden" }, ` delivery ${delivery.id}`));
  bindButton(button, async () => {
    await post(PATHS.redeliver(delivery.id), {});
    say($("[data-webhooks-ok]", root), `Delivery ${delivery.id} is due again: it is attempted at once.`);
    await loadFailedDeliveries(root);
  }, $("[data-webhooks-error]", root));
  return button;
}

function row(root, d) {
  return h("tr", { dataset: { delivery: String(d.id) } },
    h("th", { scope: "row" }, fmt(d.id)),
    td("Endpoint", {}, d.url),
    td("Event", {}, `${d.eventType} (${d.eventId})`),
    td("Attempts", { class: "num" }, fmt(d.attempts)),
    td("Last answer", {}, d.lastStatus ? String(d.lastStatus) : (d.lastError ?? "")),
    td("Created", {}, timeCell(d.createdAt)),
    td("", {}, redeliverButton(root, d)));
}

/** Show the failed deliveries (an empty table says none failed). */
export async function loadFailedDeliveries(root) {
  const body = $("[data-webhook-failures]", root);
  if (!body) return;
  const { deliveries } = await get(PATHS.failed, { query: { status: "failed" } });
  body.replaceChildren(...deliveries.map((d) => row(root, d)));
  say($("[data-webhooks-empty]", root), deliveries.length ? "" : "No delivery has exhausted its retries.");
}
