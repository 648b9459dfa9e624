// The player's view: balance, inventory and what is set aside, top-up, the shop, trade offers
// made to the player, and the paginated history.

import { get, post, currentSession } from "./api.js";
import { bindForm, readInteger } from "./actions.js";
import {
  catalogCurrencies, catalogItems, currencyName, findItem, itemName, loadCatalog, priceLabel,
} from "./catalog.js";
import { $, h, fmt, say, td, timeCell } from "./dom.js";
import { describe } from "./problems.js";
import { loadOffers, renderHeld } from "./escrow.js";
import { renderLots } from "./lots.js";
import { itemIcon, kindLabel, movedChips, movedFor } from "./ledger-view.js";
import { renderEnergies, stopEnergies } from "./energies.js";
import { buyable, offerLine, startTicking, stopTicking } from "./offers.js";

const PAGE_SIZE = 10;
const root = $('[data-section="player"]');
const history = { cursors: [null], page: 0 };
let me = null; // the username, once the wallet said it

/** Show the wallet: the balance, version and referral code, and the inventory. */
function renderWallet(wallet) {
  if (wallet.balance != null) $("[data-balance]", root).textContent = fmt(wallet.balance);
  if (wallet.version != null) $("[data-version]", root).textContent = fmt(wallet.version);
  if (wallet.referralCode) $("[data-referral]", root).textContent = wallet.referralCode;
  if (wallet.username) $("[data-username]").textContent = wallet.username;
  if (wallet.username) me = wallet.username;
  if (wallet.inventory) renderInventory(wallet.inventory);
  if (wallet.wallet) renderCurrencies(wallet.wallet);
  if (wallet.held) renderHeld(root, wallet.held);
  if (wallet.energies) renderEnergies(root, wallet.energies, refreshWallet);
  if (wallet.lots) renderLots($("[data-lots]", root), wallet.lots);
}

/** Every currency's balance (only shown when the catalog has more than diamonds). */
function renderCurrencies(balances) {
  const list = $("[data-currencies]", root);
  const codes = catalogCurrencies().map((c) => c.code);
  list.hidden = codes.length < 2;
  list.replaceChildren(
    ...codes.map((code) =>
      h("li", { dataset: { currency: code } },
        h("span", { class: "name" }, currencyName(code)),
        h("strong", { class: "count", dataset: { amount: code } }, fmt(balances[code] ?? 0)))),
  );
}

function renderInventory(inventory) {
  const list = $("[data-inventory]", root);
  // Every catalog item is listed, even at zero, so the page shape does not jump after a buy.
  const counts = new Map(catalogItems().map((item) => [item.code, 0]));
  for (const [key, count] of Object.entries(inventory)) counts.set(findItem(key)?.code ?? key, count);
  list.replaceChildren(
    ...[...counts].map(([code, count]) =>
      h("li", { dataset: { item: code } }, itemIcon(code),
        h("span", { class: "name" }, itemName(code)),
        h("strong", { class: "count", dataset: { count: code } }, fmt(count)),
        ...(findItem(code)?.onUse && count > 0 ? [useForm(code)] : []))),
  );
}

/** "Open" one of a usable item (a box rolls its drop table on the server). */
function useForm(code) {
  const name = itemName(code);
  const form = h("form", { class: "use", dataset: { use: code }, novalidate: true },
    h("button", { type: "submit" }, "Open", h("span", { class: "visually-hidden" }, ` ${name}`)),
    h("p", { class: "error", dataset: { error: "" }, role: "alert", hidden: true }));
  bindForm(form, {
    read: () => ({ quantity: 1 }),
    run: (body, key) => post(`/items/${encodeURIComponent(code)}/use`, body, { key }),
    done: async (result) => {
      renderWallet(result);
      const got = Object.entries(result.granted).map(([c, n]) => `${fmt(n)} × ${itemName(c)}`);
      say($("[data-use-result]", root), `Opened ${name}: ${got.join(", ")}.`);
      await afterWrite();
      return "";
    },
  });
  return form;
}

/** Reload the wallet from GET /balance. */
export async function refreshWallet() {
  renderWallet(await get("/balance"));
}

function priceChoice(item) {
  if (item.prices.length < 2) {
    return h("span", { class: "price" }, priceLabel(item.prices[0] ?? {}));
  }
  return h("select", { name: "price", class: "price", "aria-label": `Price of ${item.name}` },
    ...item.prices.map((option, index) => h("option", { value: String(index) }, priceLabel(option))));
}

/** Reload the offers made to the player. */
async function refreshOffers() {
  const box = $("[data-offers-error]", root);
  try {
    if (me) await loadOffers(root, me, afterWrite);
  } catch (error) {
    say(box, describe(error));
  }
}

function shopItem(item) {
  const form = h("form", { class: "item", dataset: { buy: item.code }, novalidate: true },
    itemIcon(item.code),
    h("div", { class: "item-text" },
      h("span", { class: "name" }, item.name),
      priceChoice(item),
      offerLine(item)),
    h("label", { for: `qty-${item.code}`, class: "visually-hidden" }, `Quantity of ${item.name}`),
    h("input", { id: `qty-${item.code}`, name: "quantity", type: "number", inputmode: "numeric",
      min: 1, step: 1, value: 1, required: true, class: "qty" }),
    h("button", { type: "submit", disabled: !buyable(item) },
      "Buy", h("span", { class: "visually-hidden" }, ` ${item.name}`)),
    h("p", { class: "error", dataset: { error: "" }, role: "alert", hidden: true }),
    h("p", { class: "ok", dataset: { ok: "" }, role: "status", hidden: true }),
  );
  bindForm(form, {
    read: (f) => {
      const body = { item: item.code, quantity: readInteger(f, "quantity", "Quantity") };
      const price = Number(f.elements.price?.value ?? 0);
      return price ? { ...body, price } : body;
    },
    run: (body, key) => post("/purchase", body, { key }),
    done: async (result, body) => {
      renderWallet(result);
      await afterWrite();
      if (item.limit) await refreshCounts();
      return `Bought ${body.quantity} × ${item.name}.`;
    },
  });
  return form;
}

/** Reload what is left of each limited item (the shop's countdowns repaint from it). */
async function refreshCounts() {
  try {
    await loadCatalog({ mine: true });
  } catch (error) {
    say($("[data-shop-error]", root), describe(error));
  }
}

/** Load the catalog into the shop, with the player's counts of limited items. */
async function renderShop() {
  const box = $("[data-shop-error]", root);
  try {
    const items = await loadCatalog({ mine: true });
    const sold = items.filter((item) => item.sellable);
    $("[data-shop]", root).replaceChildren(...sold.map((item) => h("li", {}, shopItem(item))));
    startTicking(root, catalogItems, refreshCounts);
    renderCurrencyChoice();
    say(box, items.length ? "" : "The shop is empty.");
  } catch (error) {
    say(box, describe(error));
  }
}

function historyRow(entry, account) {
  return h("tr", { dataset: { transfer: entry.transferId } },
    td("When", {}, timeCell(entry.occurredAt)),
    td("What", {}, kindLabel(entry)),
    td("Moved", { class: "moved" }, movedChips(movedFor(entry, account))),
    td("Balance after", { class: "num" }, `${fmt(entry.balanceAfter)} ◆`),
  );
}

/** Show one page of history; the cursor stack makes "Newer" go back exactly. */
async function loadHistory(attempt = 0) {
  const errorBox = $("[data-history-error]", root);
  const cursor = history.cursors[history.page];
  try {
    const { entries, nextCursor: next, stale } = await get("/history", { query: { limit: PAGE_SIZE, cursor } });
    // The projection had not caught up within the server's wait: show what there is, look again.
    if (stale && attempt < 20) setTimeout(() => loadHistory(attempt + 1), 500);
    // The history lists every leg of a transfer; the player's own are on its account.
    const account = `player:${currentSession()?.claims?.sub}`;
    const rows = entries.map((entry) => historyRow(entry, account));
    $("[data-history]", root).replaceChildren(
      ...(rows.length ? rows : [h("tr", {}, h("td", { colspan: 4, class: "muted" }, "No transfers yet."))]),
    );
    history.cursors.length = history.page + 1;
    if (next) history.cursors.push(next);
    $("[data-history-older]", root).disabled = !next;
    $("[data-history-newer]", root).disabled = history.page === 0;
    $("[data-history-page]", root).textContent = `Page ${history.page + 1}`;
    say(errorBox, "");
  } catch (error) {
    say(errorBox, describe(error));
  }
}

/** After a write: the wallet and the first page of history, which now show it. */
async function afterWrite() {
  history.page = 0;
  await Promise.all([refreshWallet(), loadHistory()]);
}

/** The top-up's currency choice (hidden while the catalog has only diamonds). */
function renderCurrencyChoice() {
  const select = $("[data-topup-currency]", root);
  const currencies = catalogCurrencies();
  select.hidden = currencies.length < 2;
  select.replaceChildren(...currencies.map((c) => h("option", { value: c.code }, c.name)));
  select.onchange = () => {
    const button = $('[data-form="top-up"] button[type="submit"]', root);
    button.textContent = `Add ${currencyName(select.value).toLowerCase()}`;
  };
}

function bindTopUp() {
  bindForm($('[data-form="top-up"]', root), {
    read: (f) => {
      const body = { amount: readInteger(f, "amount", "The amount") };
      const currency = f.elements.currency?.value || "diamond";
      return currency === "diamond" ? body : { ...body, currency };
    },
    run: (body, key) => post("/top-up", body, { key }),
    done: async (result, body) => {
      renderWallet(result);
      await afterWrite();
      const unit = body.currency ? currencyName(body.currency).toLowerCase() : "diamonds";
      return `Added ${fmt(body.amount)} ${unit}.`;
    },
  });
}

function bindHistory() {
  $("[data-history-older]", root).addEventListener("click", () => {
    history.page += 1;
    loadHistory();
  });
  $("[data-history-newer]", root).addEventListener("click", () => {
    history.page = Math.max(0, history.page - 1);
    loadHistory();
  });
  $("[data-history-refresh]", root).addEventListener("click", () => afterWrite());
  $("[data-offers-refresh]", root).addEventListener("click", () => refreshOffers());
}

/** Wire the view's controls once. */
export function initPlayer() {
  bindTopUp();
  bindHistory();
}

/** Fill the view for the player who just logged in. */
export async function showPlayer() {
  history.cursors = [null];
  history.page = 0;
  await renderShop();
  const walletError = $("[data-wallet-error]", root);
  say(walletError, "");
  await Promise.all([refreshWallet().catch((e) => say(walletError, describe(e))), loadHistory()]);
  await refreshOffers();
}

/** Forget everything shown (log out). */
export function clearPlayer() {
  stopTicking();
  for (const sel of ["[data-balance]", "[data-version]", "[data-referral]"]) $(sel, root).textContent = "–";
  $("[data-inventory]", root).replaceChildren();
  $("[data-held]", root).replaceChildren();
  stopEnergies();
  $("[data-energies]", root).replaceChildren();
  $("[data-offers]", root).replaceChildren();
  me = null;
  $("[data-history]", root).replaceChildren();
  for (const box of root.querySelectorAll("[data-error], [data-ok], [role=alert]")) say(box, "");
}
