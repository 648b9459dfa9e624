// Offers in the shop: each limited-time item's countdown to its start or end, and how many more
// of a limited item the player may buy (GET /items with the player's token), ticking every second.

import { h } from "./dom.js";

const TICK_MS = 1000;
let ticking = null;

/** "2 d 3 h", "3 h 04 min", "4 min 05 s": time left until `ms` (the browser's clock). */
export function countdown(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600);
  const min = Math.floor((s % 3600) / 60), sec = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  if (d > 0) return `${d} d ${hr} h`;
  if (hr > 0) return `${hr} h ${two(min)} min`;
  return `${min} min ${two(sec)} s`;
}

/** Where the item's window stands now: "upcoming", "open" or "ended". */
export function windowState(item, now = Date.now()) {
  if (item.availableFrom && now < Date.parse(item.availableFrom)) return "upcoming";
  if (item.availableUntil && now >= Date.parse(item.availableUntil)) return "ended";
  return "open";
}

function windowText(item, now) {
  const state = windowState(item, now);
  if (state === "upcoming") return `Starts in ${countdown(Date.parse(item.availableFrom) - now)}`;
  if (state === "ended") return "Offer ended";
  return item.availableUntil ? `Ends in ${countdown(Date.parse(item.availableUntil) - now)}` : "";
}

const PER = { lifetime: "", day: " a day", week: " a week" };
const LEFT = { lifetime: "", day: " today", week: " this week" };

function limitText(item, now) {
  const { limit, remaining, resetsAt } = item;
  if (!limit) return "";
  if (remaining == null) return `Limited to ${limit.perPlayer} per player${PER[limit.window]}`;
  if (remaining > 0) return `${remaining} of ${limit.perPlayer} left${LEFT[limit.window]}`;
  if (!resetsAt) return "Limit reached";
  return `Limit reached; again in ${countdown(Date.parse(resetsAt) - now)}`;
}

/** The offer line of a shop item (nothing for an item without a window or a limit). */
export function offerLine(item) {
  if (!item.availableFrom && !item.availableUntil && !item.limit) return null;
  const line = h("p", { class: "offer", dataset: { offer: item.code } },
    h("span", { class: "countdown", dataset: { countdown: item.code } }),
    h("span", { class: "remaining", dataset: { remaining: item.code } }));
  paint(line, item, Date.now());
  return line;
}

/** Whether the player can buy the item now (in its window and under its limit). */
export function buyable(item, now = Date.now()) {
  return windowState(item, now) === "open" && item.remaining !== 0;
}

function paint(line, item, now) {
  line.querySelector("[data-countdown]").textContent = windowText(item, now);
  line.querySelector("[data-remaining]").textContent = limitText(item, now);
  line.dataset.state = buyable(item, now) ? "open" : "closed";
}

/** Repaint every offer line of `root` each second from `items()`, enabling Buy as it opens;
 * `refresh()` reloads the counts once a limit's window has started again. */
export function startTicking(root, items, refresh) {
  if (ticking) clearInterval(ticking);
  const tick = () => {
    const now = Date.now();
    for (const item of items()) {
      if (item.remaining === 0 && item.resetsAt && now >= Date.parse(item.resetsAt)) {
        item.resetsAt = null; // once: the reload brings the new window's count
        refresh();
      }
      const line = root.querySelector(`[data-offer="${item.code}"]`);
      if (!line) continue;
      paint(line, item, now);
      const button = root.querySelector(`[data-buy="${item.code}"] button[type=submit]`);
      if (button) button.disabled = !buyable(item, now);
    }
  };
  tick();
  ticking = setInterval(tick, TICK_MS);
}

/** Stop the countdowns (log out). */
export function stopTicking() {
  if (ticking) clearInterval(ticking);
  ticking = null;
}
