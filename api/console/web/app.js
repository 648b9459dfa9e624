// The console's entry point: log in / sign up, switch between the wallet and operator views.

import { post, startSession, logout, onSession, isAdmin } from "./api.js";
import { bindForm } from "./actions.js";
import { $, say } from "./dom.js";
import { initPlayer, showPlayer, clearPlayer } from "./player.js";
import { initOperator, showOperator, stopOperator } from "./operator.js";

const sections = ["auth", "player", "operator"];

function show(name) {
  for (const s of sections) $(`[data-section="${s}"]`).hidden = s !== name;
  for (const b of document.querySelectorAll("[data-view]")) {
    if (b.dataset.view === name) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  if (name !== "operator") stopOperator();
}

/** Move focus to a view's heading, so keyboard and screen-reader users land in the new view. */
function focusHeading(name) {
  $(`[data-section="${name}"] h1`).focus({ preventScroll: false });
}

function notice(text) {
  say($("[data-notice]"), text);
}

async function open(name) {
  show(name);
  focusHeading(name);
  if (name === "player") await showPlayer();
  if (name === "operator") await showOperator();
}

function readCredentials(form) {
  const data = new FormData(form);
  const username = String(data.get("username") || "").trim();
  const password = String(data.get("password") || "");
  if (!username || !password) throw new Error("Enter a username and a password.");
  return { username, password };
}

// The API's own rules, checked first so the common mistakes get a plain sentence at once.
function readSignup(form) {
  const body = readCredentials(form);
  if (!/^[A-Za-z0-9_.-]{3,32}$/.test(body.username)) {
    throw new Error("Usernames are 3 to 32 letters, digits, “_”, “.” or “-”.");
  }
  if (body.password.length < 8 || body.password.length > 128) {
    throw new Error("Passwords are 8 to 128 characters.");
  }
  const code = String(new FormData(form).get("referralCode") || "").trim();
  if (code && !/^[A-Za-z0-9]{1,64}$/.test(code)) {
    throw new Error("A referral code is letters and digits only.");
  }
  return code ? { ...body, referralCode: code } : body;
}

async function logIn(credentials) {
  startSession(await post("/login", credentials, { auth: false }), credentials.username);
}

function bindAuth() {
  bindForm($('[data-form="login"]'), {
    read: readCredentials,
    run: (body) => post("/login", body, { auth: false }),
    done: (answer, body) => startSession(answer, body.username),
  });
  bindForm($('[data-form="signup"]'), {
    read: readSignup,
    run: (body, key) => post("/signup", body, { key, auth: false }),
    done: async (created, body) => {
      await logIn({ username: body.username, password: body.password });
      notice(`Welcome, ${created.username}! Your referral code is ${created.referralCode}.`);
    },
  });
}

function bindChrome() {
  $("[data-logout]").addEventListener("click", () => logout());
  for (const button of document.querySelectorAll("[data-view]")) {
    button.addEventListener("click", () => open(button.dataset.view));
  }
}

function onSessionChange(session, reason) {
  const admin = Boolean(session) && isAdmin();
  $("[data-nav]").hidden = !session;
  $("[data-who]").hidden = !session;
  for (const el of document.querySelectorAll("[data-admin-only]")) el.hidden = !admin;
  $("[data-role]").hidden = !admin;
  if (session) {
    $("[data-username]").textContent = session.username;
    notice("");
    for (const form of document.querySelectorAll('[data-section="auth"] form')) form.reset();
    open(admin ? "operator" : "player");
    return;
  }
  clearPlayer();
  stopOperator();
  show("auth");
  focusHeading("auth");
  const farewell = { expired: "Your session has ended; log in again.", logout: "You are logged out." };
  notice(farewell[reason] ?? "");
}

initPlayer();
initOperator();
bindAuth();
bindChrome();
onSession(onSessionChange);
show("auth");
