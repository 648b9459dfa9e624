// The shop's catalog as loaded from GET /items, and the names of assets for display.

import { get } from "./api.js";

let items = [];
let currencies = [{ code: "diamond", name: "Diamonds" }];
const SYMBOLS = { diamond: "◆", star: "★" };

/** "goldCoins" / "gold_coin" -> "Gold coins" (for assets the catalog does not name). */
function humanize(key) {
  const words = key.replace(/_/g, " ").replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Load (or reload) the catalog from GET /items; `mine`: with the player's token, so each
 * limited item says how many more the player may buy (`remaining`, `resetsAt`). */
export async function loadCatalog({ mine = false } = {}) {
  const body = await get("/items", { auth: mine });
  items = body.items.map((i) => ({
    code: i.code, name: i.name, price: i.price, key: i.inventoryKey,
    prices: i.prices ?? [{ diamond: i.price }], onUse: i.onUse ?? null, sellable: i.sellable ?? true,
    availableFrom: i.availableFrom ?? null, availableUntil: i.availableUntil ?? null,
    limit: i.limit ?? null, remaining: i.remaining ?? null, resetsAt: i.resetsAt ?? null,
  }));
  if (body.currencies?.length) currencies = body.currencies;
  return items;
}

/** The catalog's currencies, diamond first. */
export function catalogCurrencies() {
  return currencies;
}

/** "◆ 20 + ★ 150": a price option (currency -> amount) for display. */
export function priceLabel(option) {
  return Object.entries(option)
    .map(([code, amount]) => `${SYMBOLS[code] ?? currencyName(code)} ${amount.toLocaleString("en-US")}`)
    .join(" + ");
}

/** A currency's display name. */
export function currencyName(code) {
  return currencies.find((c) => c.code === code)?.name ?? humanize(code);
}

/** The catalog as last loaded. */
export function catalogItems() {
  return items;
}

/** The catalog entry for an item code or its inventory key ("treasure_box", "treasureBoxes"). */
export function findItem(key) {
  return items.find((i) => i.code === key || i.key === key);
}

/** A display name for an item code or inventory key. */
export function itemName(key) {
  return findItem(key)?.name || humanize(String(key));
}

/** A display name for any asset: the currency or an item. */
export function assetName(code) {
  return currencies.some((c) => c.code === code) ? currencyName(code) : itemName(code);
}
