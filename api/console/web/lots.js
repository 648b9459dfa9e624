// Currency that expires: a wallet's lots, soonest expiry first (as GET /balance and the stream
// replay give them), for the player's view and the operator's stream explorer.

import { currencyName } from "./catalog.js";
import { h, fmt, fmtTime } from "./dom.js";

/** One item per lot: "40 Event Tokens · expires 12 Dec 2026, 09:00", soonest first. */
export function lotItems(lots) {
  const items = Object.entries(lots || {}).flatMap(([code, held]) =>
    held.map((lot) => ({ code, ...lot })));
  items.sort((a, b) => (a.expiresAt ?? "9999") < (b.expiresAt ?? "9999") ? -1 : 1);
  return items.map((lot) =>
    h("li", { dataset: { lot: lot.code, expires: lot.expiresAt ?? "never" } },
      h("strong", { class: "count" }, fmt(lot.amount)), " ", currencyName(lot.code), " · ",
      lot.expiresAt ? h("time", { datetime: lot.expiresAt }, `expires ${fmtTime(lot.expiresAt)}`)
        : "never expires"));
}

/** Fill `list` with the lots, or say that nothing expires. */
export function renderLots(list, lots) {
  const items = lotItems(lots);
  list.replaceChildren(...(items.length ? items : [h("li", { class: "muted" }, "Nothing expires.")]));
}
