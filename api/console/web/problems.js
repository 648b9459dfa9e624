// Problem details (RFC 9457) in plain words. The API's `type` slug picks the sentence; its
// extension members (balance, price, item, ...) fill it in. Unknown slugs fall back to the
// API's own `detail`, so a new error is never shown as "undefined".

import { fmt } from "./dom.js";
import { assetName, itemName } from "./catalog.js";

function insufficientFunds(p) {
  if (p.missing && typeof p.missing === "object") {
    const held = Object.entries(p.missing).map(([asset, n]) => `${fmt(n)} ${asset === "diamond" ? "diamonds" : assetName(asset)}`);
    if (p.item) return `Not enough for ${itemName(p.item)} at this price: short by ${held.join(", ")}.`;
    return `Cannot undo this: the player no longer holds what it gave (short by ${held.join(", ")}).`;
  }
  const { balance, cost, quantity = 1 } = p;
  if (balance == null || cost == null) return asSentence(p.detail) || "Not enough diamonds for this.";
  const what = p.item
    ? quantity > 1 ? `${fmt(quantity)} × ${itemName(p.item)} cost` : `the ${itemName(p.item)} costs`
    : "this costs";
  return `Not enough diamonds: you have ${fmt(balance)}, ${what} ${fmt(cost)}.`;
}

/** Litestar's validation errors come as `errors: [{key, message}]`; bodies as one `detail`. */
function validation(p) {
  const first = Array.isArray(p.errors) ? p.errors[0] : null;
  if (first?.message) return asSentence(first.key ? `${first.key}: ${first.message}` : first.message);
  return asSentence(p.detail) || "The request was not valid.";
}

const SENTENCES = {
  "insufficient-funds": insufficientFunds,
  "item-not-usable": (p) => `${itemName(p.item ?? "This item")} cannot be opened or used.`,
  "unknown-price-option": () => "That price option is no longer offered; reload the shop.",
  "item-not-for-sale": (p) => `${itemName(p.item ?? "This item")} is no longer sold.`,
  "unknown-item": (p) => `The shop has no item ${p.item ? `“${p.item}”` : "like that"}.`,
  "invalid-amount": (p) =>
    p.maximum
      ? `The amount must be a whole number from 1 to ${fmt(p.maximum)}.`
      : asSentence(p.detail) || "The amount must be a positive whole number.",
  "invalid-quantity": (p) =>
    p.maximum
      ? `The quantity must be a whole number from 1 to ${fmt(p.maximum)}.`
      : asSentence(p.detail) || "The quantity must be a positive whole number.",
  "username-taken": (p) => `The username ${p.username ? `“${p.username}” ` : ""}is taken; pick another.`,
  "unknown-referral-code": (p) =>
    `No player has the referral code ${p.referralCode ? `“${p.referralCode}”` : "you entered"}; check it or leave it empty.`,
  "invalid-username": () => "Usernames are 3 to 32 letters, digits, “_”, “.” or “-”.",
  "invalid-password": () => "Passwords are 8 to 128 characters.",
  "version-conflict": () => "Your wallet changed at the same moment; try again.",
  "idempotency-key-reused": () => "This request clashed with an earlier one; try again.",
  "invalid-idempotency-key": () => "The console sent a malformed request key; reload the page.",
  "rebuild-running": () => "This read model is already being rebuilt.",
  "database-unavailable": () => "The ledger's database is unavailable right now; try again in a moment.",
  "treasury-depleted": () => "The treasury cannot fund this right now; try a smaller amount later.",
  "amount-overflow": () => "That amount is larger than the ledger can hold.",
  "already-reversed": () => "This transfer has already been reversed.",
  "not-reversible": (p) => asSentence(p.detail) || "This transfer cannot be reversed.",
  "unknown-transfer": () => "No such transfer in this player's stream.",
  "unknown-player": () => "No such player.",
  "rate-limited": (p, e) => `Too many attempts; try again in ${e.retryAfter || "a few"} seconds.`,
  "network-error": (p) => p.detail,
};

/** The API's own detail as a sentence: capitalised, with a full stop. */
function asSentence(text) {
  const t = String(text || "").trim();
  if (!t) return "";
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** One sentence for a failed request, to show beside the control that sent it. */
export function describe(error) {
  const p = error.problem || {};
  const slug = (error.slug || "").replace(/_/g, "-");
  const sentence = SENTENCES[slug];
  if (sentence) return sentence(p, error);
  if (error.status === 400 || error.status === 422) return validation(p);
  if (error.status === 401) return asSentence(p.detail) || "Log in again.";
  if (error.status === 403) return "This needs an operator account.";
  if (error.status === 413) return "That request is too large.";
  if (error.status === 429) return SENTENCES["rate-limited"](p, error);
  if (error.status === 503) return "The ledger is unavailable right now; try again in a moment.";
  return asSentence(p.detail || p.title) || `The request failed (HTTP ${error.status}).`;
}
