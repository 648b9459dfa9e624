// Small DOM helpers. Text always goes in as text nodes, never as HTML, so nothing a player
// types (a username, a reason) can become markup in the operator's page.

/** The first element matching `selector` under `root`; throws if absent (a broken page). */
export function $(selector, root = document) {
  const found = root.querySelector(selector);
  if (!found) throw new Error(`console: missing element ${selector}`);
  return found;
}

/** An element with attributes and children (strings become text nodes). */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.flat().filter((c) => c != null && c !== false));
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes and children. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children.flat().filter((c) => c != null));
  return node;
}

/**
 * A table cell labelled with its column's name: on a phone, tables of class "stack" show each
 * row as a small card and the label comes from `data-label`.
 */
export function td(label, attrs, ...children) {
  return h("td", { "data-label": label, ...attrs }, h("span", { class: "cell" }, ...children));
}

/** Show `text` in a message element, or hide it when `text` is empty. */
export function say(element, text) {
  element.textContent = text || "";
  element.hidden = !text;
}

const number = new Intl.NumberFormat("en");

/** An integer amount with thousands separators. */
export function fmt(value) {
  return typeof value === "number" || typeof value === "bigint" ? number.format(value) : "–";
}

/** A signed amount: +100, −50. */
export function signed(value) {
  return value > 0 ? `+${fmt(value)}` : `−${fmt(-value)}`;
}

const when = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium" });

/** A timestamp in the reader's locale, or a dash. */
export function fmtTime(value) {
  if (!value) return "–";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : when.format(date);
}

/** A <time> element for a timestamp. */
export function timeCell(value) {
  return h("time", { datetime: value || false }, fmtTime(value));
}
