// One user intent, one idempotency key, one request at a time.
//
// A form's submit makes a key for what it is about to send. While the request is in flight the
// form's buttons are disabled and further submits are ignored, so a double click pays once. If
// the outcome is unknown (no answer, 5xx, 409, 429), the key is kept: pressing the button again
// with the same input retries the same intent and the ledger applies it at most once. A
// definite answer, or a change of input, starts a new intent with a new key.

import { newKey } from "./api.js";
import { describe } from "./problems.js";
import { say } from "./dom.js";

class Intent {
  #key = null;
  #body = null;

  keyFor(body) {
    const text = JSON.stringify(body);
    if (this.#key === null || this.#body !== text) {
      this.#key = newKey();
      this.#body = text;
    }
    return this.#key;
  }

  settle() {
    this.#key = null;
    this.#body = null;
  }
}

function setBusy(form, busy) {
  form.setAttribute("aria-busy", String(busy));
  for (const button of form.querySelectorAll("button")) button.disabled = busy;
}

/**
 * Wire a form: `read(form)` returns the body (or throws an Error whose message is shown);
 * `run(body, key)` sends it; `done(result, body)` updates the page. Errors appear inline in the
 * form's [data-error] element, success text (if `done` returns one) in its [data-ok] element.
 */
export function bindForm(form, { read, run, done }) {
  const intent = new Intent();
  const errorBox = form.querySelector("[data-error]");
  const okBox = form.querySelector("[data-ok]");
  let inFlight = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (inFlight) return;
    inFlight = true;
    setBusy(form, true);
    if (errorBox) say(errorBox, "");
    // Only the latest outcome is shown: older confirmations in the same view are cleared.
    const view = form.closest("[data-section]") ?? form;
    for (const box of view.querySelectorAll("[data-ok]")) say(box, "");
    try {
      const body = read(form);
      const result = await run(body, intent.keyFor(body));
      intent.settle();
      const message = await done(result, body);
      if (okBox && message) say(okBox, message);
    } catch (error) {
      if (!error.retryable) intent.settle();
      if (errorBox) say(errorBox, error.status !== undefined ? describe(error) : error.message);
      else throw error;
    } finally {
      inFlight = false;
      setBusy(form, false);
    }
  });
}

/** Wire a button to an async action with the same one-at-a-time guard (no body, no key). */
export function bindButton(button, action, errorBox) {
  let inFlight = false;
  button.addEventListener("click", async () => {
    if (inFlight) return;
    inFlight = true;
    button.disabled = true;
    if (errorBox) say(errorBox, "");
    try {
      await action();
    } catch (error) {
      if (!errorBox) throw error;
      say(errorBox, error.status !== undefined ? describe(error) : error.message);
    } finally {
      inFlight = false;
      button.disabled = false;
    }
  });
}

/** Read an integer field, refusing anything else before it reaches the API. */
export function readInteger(form, name, label) {
  const raw = String(new FormData(form).get(name) ?? "").trim();
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw new Error(`${label} must be a whole number of at least 1.`);
  }
  return Number(raw);
}
