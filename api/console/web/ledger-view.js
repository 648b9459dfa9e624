// How ledger entries read to a person: what kind of transfer, what moved, the state after.
// Shared by the player's history and the operator's stream explorer.

import { h, fmt, signed, svg } from "./dom.js";
import { assetName, itemName } from "./catalog.js";

const KINDS = {
  top_up: "Top-up",
  purchase: "Purchase",
  referral_bonus: "Referral bonus",
  reversal: "Correcting transfer",
  genesis: "Genesis",
  sweep: "Treasury sweep",
  player_registered: "Account opened",
  claimed: "Name claimed",
  tranche_changed: "Shard budget changed",
  item_use: "Opened",
  catalog_applied: "Catalog applied",
  gift: "Gift",
  hold: "Hold placed",
  hold_capture: "Hold captured",
  hold_void: "Hold voided",
  hold_expiry: "Hold expired",
  hold_placed: "Hold opened",
  trade_offer: "Trade offered",
  trade_accept: "Trade accepted",
  trade_decline: "Trade declined",
  trade_cancel: "Trade cancelled",
  trade_expiry: "Trade expired",
  trade_offered: "Trade opened",
  settlement: "Match settled",
  energy_spend: "Energy spent",
  energy_grant: "Energy granted",
  expiry: "Expired",
};

/** " · refilled +2 · unlimited": what an energy transfer's refill and modifier did. */
function energyNote(entry) {
  // The history nests it under `energy`; the replay and the feed have it flat.
  const energy = entry.energy && typeof entry.energy === "object" ? entry.energy : entry;
  let note = energy.refilled ? ` · refilled +${fmt(energy.refilled)}` : "";
  const modifier = energy.modifier;
  if (modifier) note += ` · ${modifier.kind === "unlimited" ? "unlimited" : `refill ×${fmt(modifier.factor)}`}`;
  if (energy.unlimited === true) note += " · free (unlimited)";
  return note;
}

/**
 * A human title for a history entry or an event: "Purchase · 2 × Gold Coin", or
 * "Correcting transfer — “reason”". Transfers have a `code`; other events only their `type`.
 */
export function kindLabel(entry) {
  const kind = entry.code ?? entry.type ?? "transfer";
  let label = KINDS[kind] || kind.replace(/_/g, " ");
  if (kind === "energy_spend" || kind === "energy_grant") label += energyNote(entry);
  if (entry.item) label += ` · ${entry.quantity > 1 ? `${fmt(entry.quantity)} × ` : ""}${itemName(entry.item)}`;
  if (entry.reason) label += ` — “${entry.reason}”`;
  if (entry.counterparty) label += ` · ${entry.counterparty}`;
  if (entry.memo) label += ` — “${entry.memo}”`;
  return label;
}

/** A leg as the history gives it ({account, asset, amount}) or as stored ([account, asset, amount]). */
function legOf(raw) {
  return Array.isArray(raw) ? { account: raw[0], asset: raw[1], amount: raw[2] } : raw;
}

/** What moved for one account, per asset ({diamond: -50, gold_coin: 5}), zeros left out. */
export function movedFor(entry, account) {
  const moved = {};
  for (const leg of (entry.legs ?? []).map(legOf)) {
    if (leg.account === account) moved[leg.asset] = (moved[leg.asset] || 0) + leg.amount;
  }
  return Object.fromEntries(Object.entries(moved).filter(([, amount]) => amount !== 0));
}

/** "+100 ◆, −1 Treasure Box" as a list of chips. */
export function movedChips(moved) {
  const chips = Object.entries(moved).map(([asset, amount]) =>
    h("span", { class: `chip ${amount < 0 ? "out" : "in"}` },
      asset === "diamond" ? `${signed(amount)} ◆` : `${signed(amount)} ${itemName(asset)}`),
  );
  return chips.length ? chips : [h("span", { class: "muted" }, "nothing")];
}

/** A state-after map ({diamond: 50, gold_coin: 1}) as compact text. */
export function stateText(state) {
  if (!state || typeof state !== "object") return "–";
  const parts = Object.entries(state).map(([asset, amount]) =>
    asset === "diamond" ? `${fmt(amount)} ◆` : `${fmt(amount)} ${assetName(asset)}`);
  return parts.length ? parts.join(" · ") : "empty";
}

/** A small icon for an item, drawn in SVG (no image files, no web fonts). */
export function itemIcon(code) {
  const base = { class: "icon", viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" };
  if (/coin/.test(code)) {
    return svg("svg", base,
      svg("circle", { cx: 12, cy: 12, r: 10, fill: "#f5b301", stroke: "#b07d00", "stroke-width": 1.5 }),
      svg("circle", { cx: 12, cy: 12, r: 6, fill: "none", stroke: "#b07d00", "stroke-width": 1.2 }));
  }
  if (/box|chest/.test(code)) {
    return svg("svg", base,
      svg("rect", { x: 2.5, y: 8, width: 19, height: 13, rx: 2, fill: "#a0522d", stroke: "#5c2e12", "stroke-width": 1.3 }),
      svg("path", { d: "M2.5 11 Q12 1 21.5 11", fill: "#c0703d", stroke: "#5c2e12", "stroke-width": 1.3 }),
      svg("rect", { x: 10, y: 10, width: 4, height: 5, fill: "#f5b301", stroke: "#5c2e12", "stroke-width": 0.8 }));
  }
  return svg("svg", base,
    svg("rect", { x: 4, y: 4, width: 16, height: 16, rx: 3, fill: "#7c8cff" }));
}
