// What is set aside: a player's held amounts and incoming trade offers (accept or decline), and
// the operator's list of pending holds (each can be voided) and open trades. The API checks
// every token; these views only choose what to show.

import { get, newKey, post } from "./api.js";
import { bindButton } from "./actions.js";
import { $, h, fmt, say, td, timeCell } from "./dom.js";
import { itemName } from "./catalog.js";

/** "2 Gold Coin + 30 ◆" for a map of amounts per asset. */
export function amountsText(amounts) {
  const parts = Object.entries(amounts || {}).map(([asset, n]) =>
    asset === "diamond" ? `${fmt(n)} ◆` : `${fmt(n)} ${itemName(asset)}`);
  return parts.length ? parts.join(" + ") : "nothing";
}

/** The wallet's `held`: what holds and open offers set aside, not spendable now. */
export function renderHeld(root, held) {
  const entries = Object.entries(held || {}).filter(([, n]) => n);
  $("[data-held]", root).replaceChildren(...(entries.length
    ? entries.map(([asset, n]) => h("li", { dataset: { held: asset } }, amountsText({ [asset]: n })))
    : [h("li", { class: "muted" }, "Nothing set aside.")]));
}

function answerButton(root, trade, action, label, after) {
  const button = h("button", { type: "button", class: action === "accept" ? "" : "ghost",
    dataset: { [action]: trade.tradeId } }, label,
    h("span", { class: "visually-hidden" }, ` the offer from ${trade.from}`));
  bindButton(button, async () => {
    const done = await post(`/trades/${encodeURIComponent(trade.tradeId)}/${action}`, undefined, { key: newKey() });
    say($("[data-offers-ok]", root), done.status === "accepted"
      ? `Traded with ${trade.from}: you received ${amountsText(trade.give)}.`
      : `Declined the offer from ${trade.from}.`);
    button.closest("li")?.remove();
    await after();
  }, $("[data-offers-error]", root));
  return button;
}

function offerItem(root, trade, after) {
  return h("li", { class: "offer", dataset: { trade: trade.tradeId } },
    h("p", {}, h("strong", {}, trade.from), " offers ", h("span", { dataset: { gives: "" } }, amountsText(trade.give)),
      " for ", h("span", { dataset: { wants: "" } }, amountsText(trade.want))),
    h("p", { class: "muted" }, "Until ", timeCell(trade.expiresAt)),
    h("div", { class: "row" },
      answerButton(root, trade, "accept", "Accept", after),
      answerButton(root, trade, "decline", "Decline", after)));
}

/** The open offers made to `username` (from the trades read model). */
export async function loadOffers(root, username, after) {
  const { trades } = await get("/trades", { query: { status: "open" } });
  const incoming = trades.filter((t) => t.to === username);
  $("[data-offers]", root).replaceChildren(...incoming.map((t) => offerItem(root, t, after)));
  say($("[data-offers-empty]", root), incoming.length ? "" : "No trade offers for you right now.");
}

function voidButton(root, hold) {
  const button = h("button", { type: "button", class: "ghost", dataset: { void: hold.holdId } },
    "Void", h("span", { class: "visually-hidden" }, ` the hold of ${hold.player}`));
  bindButton(button, async () => {
    // The API asks an operator for a reason when the hold is a game server's (it is recorded
    // on the void); its refusal shows in the error box like any other.
    const reason = $("[data-escrow-reason]", root).value.trim();
    await post(`/holds/${encodeURIComponent(hold.holdId)}/void`, reason ? { reason } : undefined, { key: newKey() });
    say($("[data-escrow-ok]", root), `Voided the hold of ${hold.player}: ${amountsText({ [hold.asset]: hold.amount })} went back.`);
    button.closest("tr")?.remove();
  }, $("[data-escrow-error]", root));
  return button;
}

function holdRow(root, hold) {
  return h("tr", { dataset: { hold: hold.holdId } },
    td("Player", {}, hold.player ?? "–"),
    td("Held", { class: "num" }, amountsText({ [hold.asset]: hold.amount })),
    td("Memo", {}, hold.memo ?? ""),
    td("Expires", {}, timeCell(hold.expiresAt)),
    td("", {}, voidButton(root, hold)));
}

function tradeRow(trade) {
  return h("tr", { dataset: { trade: trade.tradeId } },
    td("From", {}, trade.from),
    td("To", {}, trade.to),
    td("Gives", {}, amountsText(trade.give)),
    td("Wants", {}, amountsText(trade.want)),
    td("Expires", {}, timeCell(trade.expiresAt)));
}

/** The operator's list of pending holds and open trades. */
export async function loadEscrow(root) {
  const { holds, trades } = await get("/admin/escrow");
  $("[data-open-holds]", root).replaceChildren(...holds.map((hold) => holdRow(root, hold)));
  $("[data-open-trades]", root).replaceChildren(...trades.map(tradeRow));
  say($("[data-escrow-empty]", root), holds.length || trades.length ? "" : "Nothing is held or offered right now.");
}
