// Energies (issue 23): the player's energies with a live refill countdown and a spend form, and
// the meter each event of a player's stream left, for the operator's stream explorer. The
// server computes every value (GET /balance answers for its own time); this only counts down.

import { post } from "./api.js";
import { bindForm, readInteger } from "./actions.js";
import { $, h, fmt, say } from "./dom.js";

let shown = {}; // code -> the energy as GET /balance last answered it
let ticker = null;
let refreshing = false;

function title(code) {
  return code.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

/** "4:05" (or "1:02:03") until `iso`, never below zero. */
export function countdown(iso, now = Date.now()) {
  const left = Math.max(0, Math.ceil((Date.parse(iso) - now) / 1000));
  const hours = Math.floor(left / 3600);
  const mm = String(Math.floor((left % 3600) / 60)).padStart(hours ? 2 : 1, "0");
  const ss = String(left % 60).padStart(2, "0");
  return hours ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

function modifierText(m) {
  const kind = m.kind === "unlimited" ? "Unlimited" : `Refill ×${m.factor}`;
  return `${kind} · ${countdown(m.endsAt)} left`;
}

function refillText(energy) {
  if (!energy.nextRefillAt) return energy.current > energy.max ? "Overfilled: no refill" : "Full";
  return `+1 refill in ${countdown(energy.nextRefillAt)} · full in ${countdown(energy.fullAt)}`;
}

function spendForm(code, refresh) {
  const form = h("form", { class: "use", dataset: { spend: code }, novalidate: true },
    h("label", { for: `spend-${code}`, class: "visually-hidden" }, `Amount of ${title(code)}`),
    h("input", { id: `spend-${code}`, name: "amount", type: "number", min: "1", step: "1", value: "10" }),
    h("button", { type: "submit" }, "Spend", h("span", { class: "visually-hidden" }, ` ${title(code)}`)),
    h("p", { class: "error", dataset: { error: "" }, role: "alert", hidden: true }));
  bindForm(form, {
    read: (f) => ({ amount: readInteger(f, "amount", "Amount") }),
    run: (body, key) => post(`/energies/${encodeURIComponent(code)}/spend`, body, { key }),
    done: async (result) => {
      await refresh(); // re-renders the list (and this form)
      say($("[data-energy-result]"),
        `${title(code)} is now ${fmt(result.energy.current)} of ${fmt(result.energy.max)}.`);
      return "";
    },
  });
  return form;
}

function row(code, energy, refresh) {
  return h("li", { dataset: { energy: code } },
    h("span", { class: "name" }, title(code)),
    h("strong", { class: "count", dataset: { current: code } }, `${fmt(energy.current)} / ${fmt(energy.max)}`),
    h("small", { class: "muted", dataset: { refill: code }, "aria-live": "off" }, refillText(energy)),
    ...(energy.modifiers || []).map((m) =>
      h("span", { class: "chip tag", dataset: { modifier: m.kind } }, modifierText(m))),
    spendForm(code, refresh));
}

/** The wallet's `energies`; `refresh` reloads the wallet (on a spend, and when a refill is due). */
export function renderEnergies(root, energies, refresh) {
  const list = $("[data-energies]", root);
  if (!list) return;
  shown = energies || {};
  const codes = Object.keys(shown);
  list.closest("[data-energies-box]").hidden = codes.length === 0;
  list.replaceChildren(...codes.map((code) => row(code, shown[code], refresh)));
  if (ticker === null) ticker = setInterval(() => tick(root, refresh), 1000);
}

async function tick(root, refresh) {
  for (const [code, energy] of Object.entries(shown)) {
    const cell = $(`[data-refill="${code}"]`, root);
    if (cell) cell.textContent = refillText(energy);
    const due = [energy.nextRefillAt, ...(energy.modifiers || []).map((m) => m.endsAt)]
      .some((iso) => iso && Date.parse(iso) <= Date.now());
    if (due && !refreshing) {
      refreshing = true; // the server says what the refill gave
      try { await refresh(); } catch { /* the next tick tries again */ } finally { refreshing = false; }
    }
  }
}

/** Stop counting down (signed out). */
export function stopEnergies() {
  if (ticker !== null) clearInterval(ticker);
  ticker = null;
  shown = {};
}

/** The meters a player's event left (the operator's stream explorer): "stamina 70 (+unlimited)". */
export function metersText(event) {
  const energies = event?.timed?.energies ?? {};
  return Object.entries(energies).map(([code, meter]) => {
    const mods = (meter.modifiers || []).map((m) => m.kind === "unlimited" ? "unlimited" : `refill ×${m.factor}`);
    return `${title(code)} ${fmt(meter.current)}${mods.length ? ` (${mods.join(", ")})` : ""}`;
  }).join(" · ");
}
