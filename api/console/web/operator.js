// The operator's view: supply and treasury, transfers per minute, projectors, the audit, the
// stream explorer and correcting transfers, and what holds and trade offers set aside. Every call needs an admin token; the API checks it.

import { get, post } from "./api.js";
import { bindButton, bindForm } from "./actions.js";
import { assetName, loadCatalog } from "./catalog.js";
import { drawRateChart } from "./chart.js";
import { $, h, fmt, say, td, timeCell } from "./dom.js";
import { describe } from "./problems.js";
import { kindLabel, movedChips, movedFor, stateText } from "./ledger-view.js";
import { metersText } from "./energies.js";
import { loadFailedDeliveries } from "./webhooks.js";
import { loadEscrow } from "./escrow.js";
import { renderLots } from "./lots.js";
import { loadAlerts } from "./alerts.js";
import { initWhatIf } from "./whatif.js";

const REFRESH_MS = 5000;
const root = $('[data-section="operator"]');
let timer = null;

// The admin API's paths, in one place. Each is matched against the OpenAPI document, so a
// server without an operation (say, rebuild) shows no button for it rather than a broken one.
const PATHS = {
  economy: "/admin/economy",
  rate: "/admin/economy/transfers-per-minute",
  projectors: "/admin/projectors",
  rebuild: (name) => `/admin/projectors/${encodeURIComponent(name)}/rebuild`,
  audit: "/admin/audit",
  player: (who) => `/admin/players/${encodeURIComponent(who)}`,
  stream: (id) => `/admin/streams/${encodeURIComponent(id)}`,
  reverse: (transferId) => `/admin/transfers/${encodeURIComponent(transferId)}/reversal`,
};
const OPERATIONS = {
  rebuild: ["post", /^\/admin\/projectors\/\{[^}]+\}\/rebuild$/],
  audit: ["post", /^\/admin\/audit$/],
  stream: ["get", /^\/admin\/streams\/\{[^}]+\}$/],
  reverse: ["post", /^\/admin\/transfers\/\{[^}]+\}\/reversal$/],
};
let offers = Object.fromEntries(Object.keys(OPERATIONS).map((name) => [name, true]));

/** Which optional operations this server offers, from its OpenAPI document. */
async function discover() {
  let paths;
  try {
    paths = (await get("/schema/openapi.json", { auth: false })).paths || {};
  } catch {
    return; // no document: assume everything is there and let each call say otherwise
  }
  offers = Object.fromEntries(Object.entries(OPERATIONS).map(([name, [method, pattern]]) =>
    [name, Object.entries(paths).some(([path, item]) => pattern.test(path) && item[method])]));
  $("[data-audit-run]", root).disabled = !offers.audit;
  say($("[data-audit-error]", root), offers.audit ? "" : "This server does not offer the audit over HTTP; run `gameledger audit`.");
}

// ---- economy ------------------------------------------------------------------------------

function supplyRow(a) {
  return h("tr", { dataset: { asset: a.asset } },
    h("th", { scope: "row" }, assetName(a.asset)),
    td("Supply", { class: "num" }, fmt(a.supply)),
    td("Circulating", { class: "num" }, fmt(a.circulating)),
    td("Treasury", { class: "num" }, fmt(a.treasury)));
}

async function loadEconomy() {
  const { assets, treasuryBalance } = await get(PATHS.economy);
  $("[data-supply]", root).replaceChildren(...assets.map(supplyRow));
  $("[data-treasury]", root).textContent = `${fmt(treasuryBalance)} ◆`;
}

async function loadRate() {
  const { points } = await get(PATHS.rate, { query: { minutes: 30 } });
  drawRateChart($("[data-rate-chart]", root),
    points.map((p) => ({ at: new Date(p.minute), value: p.transfers })));
}

// ---- projectors ---------------------------------------------------------------------------

const STATUS_WORDS = { "up-to-date": "Up to date", behind: "Catching up", failing: "Failing" };
// Publishers on the same cursor (docs/feed.md): listed with their lag, but not rebuildable.
const PUBLISHERS = new Set(["feed", "webhooks"]);

function statusCell(p) {
  const status = p.status ?? (p.lastError ? "failing" : p.lagEvents > 0 ? "behind" : "up-to-date");
  return h("span", { class: "status-cell" },
    h("span", { class: `status ${status}`, dataset: { status } }, STATUS_WORDS[status] ?? status),
    p.lastError ? h("small", { class: "last-error" }, ` — ${p.lastError}`) : null);
}

function rebuildButton(name) {
  const button = h("button", { type: "button", class: "ghost", dataset: { rebuild: name } }, "Rebuild",
    h("span", { class: "visually-hidden" }, ` ${name}`));
  bindButton(button, async () => {
    const started = await post(PATHS.rebuild(name), {});
    say($("[data-projectors-ok]", root),
      `Rebuilding ${name} (${started.status}): shadow tables fill from the log, then swap in; readers never wait.`);
    await loadProjectors();
  }, $("[data-projectors-error]", root));
  return button;
}

function projectorCells(p) {
  return [
    h("th", { scope: "row" }, p.name),
    td("Status", {}, statusCell(p)),
    td("Checkpoint", { class: "num" }, fmt(p.position)),
    td("Lag (events)", { class: "num" }, fmt(p.lagEvents)),
    td("Lag (seconds)", { class: "num" }, Number(p.lagSeconds).toFixed(2)),
  ];
}

/**
 * Show each projector. A row already on screen has its figures replaced in place and keeps its
 * button, so a refresh every few seconds never takes the keyboard focus away from it.
 */
async function loadProjectors() {
  const { projectors } = await get(PATHS.projectors);
  const body = $("[data-projectors]", root);
  const rows = projectors.map((p) => {
    const row = body.querySelector(`tr[data-projector="${CSS.escape(p.name)}"]`);
    if (!row) {
      return h("tr", { dataset: { projector: p.name } }, projectorCells(p),
        td("", {}, offers.rebuild && !PUBLISHERS.has(p.name) ? rebuildButton(p.name) : null));
    }
    projectorCells(p).forEach((cell, i) => row.cells[i].replaceWith(cell));
    return row;
  });
  // Rows already in place and in order are not moved (moving one would drop its focus).
  rows.forEach((row, i) => { if (body.rows[i] !== row) body.insertBefore(row, body.rows[i] ?? null); });
  while (body.rows.length > rows.length) body.deleteRow(-1);
}

// ---- audit --------------------------------------------------------------------------------

// Each invariant in plain words: what it means when it holds, and when it does not.
const CHECK_WORDS = {
  decodable: ["Every event can be read.", "Some events cannot be read: the log holds data this version does not understand."],
  transfers_balance: ["Every transfer balances: nothing is created or destroyed.", "Some transfers do not balance: value was created or destroyed."],
  supply: ["The supply adds up: all balances of each asset sum to zero and each currency issued equals its genesis.", "The supply does not add up: the balances of an asset no longer sum to what was issued."],
  no_negative_balances: ["No account ever went below zero (issuers aside).", "An account went below zero."],
  stream_versions: ["Every stream's versions follow on from 1 with no gap.", "A stream has a gap in its versions: an event is missing."],
  shard_budgets: ["Treasury shard budgets match their balances.", "A treasury shard's budget disagrees with its balance."],
  state_after: ["The balances carried on events match the replay.", "Balances carried on some events disagree with the replay."],
  held: ["Every pending hold's account holds exactly its amount; closed holds hold nothing.", "A hold's account disagrees with its stream: held money is missing or left behind."],
  hash_chain: ["No event was changed or deleted behind the service's back.", "An event was changed or deleted behind the service's back: its hash no longer follows."],
  catalog: ["Every purchase paid one of its item's prices and every box opened into a drop of its table, in the catalog version it names.", "A purchase paid no listed price, or a box's roll does not land on the drop it granted."],
  receipts: ["Every store credit has exactly one receipt claim, and every refund takes back a store credit.", "A store credit has no claim of its receipt, or a refund takes back no store credit."],
  limits: ["No player ever bought more of a limited offer in one window than its limit.", "A player bought more of a limited offer in one window than its limit allows."],
  read_models: ["The live read models equal a fresh replay of the log.", "The live read models differ from the replay; rebuilding them fixes this."],
  lots: ["Every player's lots of an expiring currency add up to its balance, soonest expiry first.", "A player's lots disagree with their balance: some currency would expire wrongly."],
  expiries: ["Every expiry came after its lots' expiry date and took at most what was left of them.", "An expiry came too early or took more than a lot held."],
  privileged_balances: ["No service or admin account holds a balance.", "A service or admin account holds a balance: move it out with reversals, it can neither spend nor give it."],
  energies: ["Every energy stayed between zero and its overfill maximum, and equals its balance.", "An energy went below zero or above its overfill maximum, or disagrees with its balance."],
};

function checkItem(check) {
  const ok = check.ok ?? check.passed;
  const words = CHECK_WORDS[check.name];
  const headline = words ? words[ok ? 0 : 1] : check.description ?? check.name;
  const details = check.details ?? check.findings ?? [];
  return h("li", { class: ok ? "pass" : "fail", dataset: { check: check.name, passed: String(ok) } },
    h("strong", {}, ok ? "✓ " : "✗ ", headline),
    details.length
      ? h("ul", {}, details.slice(0, 20).map((d) => h("li", {}, typeof d === "string" ? d : JSON.stringify(d))),
        details.length > 20 ? h("li", { class: "muted" }, `… and ${details.length - 20} more`) : null)
      : null);
}

async function runAudit() {
  const result = $("[data-audit-result]", root);
  result.replaceChildren(h("p", { class: "muted" }, "Replaying the log…"));
  try {
    const report = await post(PATHS.audit, {});
    const checks = report.checks ?? [];
    const failed = checks.filter((c) => !(c.ok ?? c.passed)).length;
    const scope = report.events != null ? ` (${fmt(report.events)} events in ${fmt(report.streams)} streams, ${report.seconds}s)` : "";
    result.replaceChildren(
      h("p", { class: `verdict ${report.ok ? "pass" : "fail"}`, dataset: { verdict: report.ok ? "pass" : "fail" } },
        report.ok ? `All ${checks.length} checks hold${scope}.` : `${failed} of ${checks.length} checks failed${scope}.`),
      h("ul", { class: "checks" }, checks.map(checkItem)));
  } catch (error) {
    result.replaceChildren();
    throw error;
  }
}

// ---- stream explorer and correcting transfers ---------------------------------------------

const REVERSIBLE = new Set(["top_up", "purchase", "referral_bonus"]);
let stream = { id: null, playerId: null };

/** The balances in a replay step's state ({balances: {...}} for a player stream), or its `part`. */
function stateOf(step, part = "balances") {
  const state = step.stateAfter ?? step.state_after ?? {};
  return part === "balances" ? state.balances ?? state : state[part] ?? {};
}

function reverseButton(step, transferId) {
  return h("button", { type: "button", class: "ghost", dataset: { reverse: transferId },
    onclick: () => openReversal(step, transferId) },
  "Reverse…", h("span", { class: "visually-hidden" }, ` transfer ${transferId}`));
}

function eventRow(step, reversed) {
  const event = step.event ?? {};
  const type = step.type ?? event.type;
  const transferId = event.transfer_id ?? event.transferId;
  const label = kindLabel(event.code ? event : { ...event, code: type });
  const canReverse = offers.reverse && transferId && REVERSIBLE.has(event.code) && !reversed.has(transferId);
  return h("tr", { dataset: { version: step.version, transfer: transferId ?? "", type } },
    td("Version", { class: "num" }, fmt(step.version)),
    td("When", {}, timeCell(step.recordedAt ?? event.occurred_at)),
    td("Event", {}, label,
      reversed.has(transferId) ? h("span", { class: "chip tag" }, "reversed") : null,
      transferId ? h("small", { class: "id" }, transferId) : null),
    td("Moved", { class: "moved" }, event.legs ? movedChips(movedFor(event, stream.id)) : "–"),
    td("State after", {}, stateText(stateOf(step)),
      event.timed?.energies ? h("small", { class: "muted", dataset: { energies: "" } }, metersText(event)) : null),
    td("", {}, canReverse ? reverseButton(step, transferId) : null));
}

/** Find the player (by username, or a raw stream id) and show every event of the stream. */
async function explore(who) {
  if (!offers.stream) throw new Error("This server does not offer stream replay over HTTP; run `gameledger replay`.");
  const found = who.includes(":") ? {} : await get(PATHS.player(who));
  const body = await get(PATHS.stream(found.streamId ?? who));
  const steps = body.events ?? [];
  stream = { id: body.streamId, playerId: found.playerId ?? body.streamId.replace(/^player:/, "") };
  const reversed = new Set(steps.map((st) => st.event?.reverses).filter(Boolean));
  $("[data-stream-head]", root).textContent =
    `${found.username ? `${found.username} — ` : ""}${body.streamId} · ${steps.length} events`;
  $("[data-stream-events]", root).replaceChildren(...steps.map((st) => eventRow(st, reversed)));
  renderLots($("[data-stream-lots]", root), steps.length ? stateOf(steps.at(-1), "lots") : {});
  $("[data-stream]", root).hidden = false;
}

function openReversal(step, transferId) {
  const form = $('[data-form="reverse"]', root);
  form.elements.transferId.value = transferId;
  form.elements.playerId.value = stream.playerId;
  $("[data-reverse-summary]", form).textContent =
    `Undo “${kindLabel(step.event)}” (version ${step.version}) with a new transfer in the opposite direction. The original stays on the ledger.`;
  say($("[data-error]", form), "");
  say($("[data-reverse-done]", root), "");
  form.hidden = false;
  form.elements.reason.focus();
}

function bindExplorer() {
  bindForm($('[data-form="explore"]', root), {
    read: (f) => {
      const who = String(new FormData(f).get("player") || "").trim();
      if (!who) throw new Error("Enter a username or a stream id.");
      return who;
    },
    run: (who) => explore(who),
    done: () => null,
  });
  const form = $('[data-form="reverse"]', root);
  bindForm(form, {
    read: (f) => {
      const data = new FormData(f);
      const reason = String(data.get("reason") || "").trim();
      if (!reason) throw new Error("Give a reason: it stays on the ledger with the correction.");
      return { transferId: String(data.get("transferId")), playerId: String(data.get("playerId")), reason };
    },
    run: ({ transferId, playerId, reason }, key) => post(PATHS.reverse(transferId), { playerId, reason }, { key }),
    done: async (result) => {
      form.elements.reason.value = "";
      form.hidden = true;
      await Promise.all([explore(stream.id), refresh()]);
      say($("[data-reverse-done]", root),
        `Reversed by transfer ${result.transferId}; the balance is now ${fmt(result.balance)} ◆.`);
      $("[data-stream-head]", root).focus();
    },
  });
  $("[data-reverse-cancel]", form).addEventListener("click", () => {
    form.elements.reason.value = "";
    form.hidden = true;
  });
}

// ---- the view -----------------------------------------------------------------------------

async function refresh() {
  const errorBox = $("[data-ops-error]", root);
  const results = await Promise.allSettled([loadEconomy(), loadRate(), loadProjectors(),
    loadFailedDeliveries(root), loadEscrow(root), loadAlerts(root)]);
  const failed = results.find((r) => r.status === "rejected");
  say(errorBox, failed ? describe(failed.reason) : "");
}

/** Wire the view's controls once. */
export function initOperator() {
  bindButton($("[data-audit-run]", root), runAudit, $("[data-audit-error]", root));
  bindButton($("[data-ops-refresh]", root), refresh, $("[data-ops-error]", root));
  bindExplorer();
  initWhatIf(root);
}

/** Show the dashboard and keep it fresh while it is on screen. */
export async function showOperator() {
  stopOperator();
  await Promise.all([loadCatalog().catch(() => null), discover()]);
  await refresh();
  timer = setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
}

/** Stop refreshing (another view, or log out) and forget what was shown. */
export function stopOperator() {
  if (timer) clearInterval(timer);
  timer = null;
}
