// The shipped client's behaviour over fetch: an axios-like wrapper (JSON in and out, a rejected
// promise carrying `response` on any non-2xx status) and `err.response.data.error` shown to the
// player, "Action failed." when the answer has none (or never arrived, as with a CORS refusal).
"use strict";

const API = new URLSearchParams(location.search).get("api");
let token = null;

function axiosError(response) {
  const error = new Error(`Request failed with status code ${response.status}`);
  error.response = response;
  return error;
}

async function request(method, url, data) {
  const headers = { Accept: "application/json" };
  if (data !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  if (method === "POST" && url !== "/signup" && url !== "/login") {
    headers["Idempotency-Key"] = crypto.randomUUID();
  }
  const answer = await fetch(API + url, {
    method,
    headers,
    body: data === undefined ? undefined : JSON.stringify(data),
  });
  const text = await answer.text();
  let body = text;
  try { body = text ? JSON.parse(text) : ""; } catch { /* axios keeps the text */ }
  const response = { data: body, status: answer.status, headers: answer.headers };
  document.querySelector("[data-request-id]").textContent =
    answer.headers.get("X-Request-Id") ?? "(not readable)";
  if (answer.status < 200 || answer.status >= 300) throw axiosError(response);
  return response;
}

const api = {
  get: (url) => request("GET", url),
  post: (url, data) => request("POST", url, data),
};

function show(text, kind) {
  const message = document.querySelector("[data-message]");
  message.textContent = text;
  message.className = kind;
}

async function refresh() {
  const { data } = await api.get("/balance");
  document.querySelector("[data-player]").textContent = data.username;
  document.querySelector("[data-balance]").textContent = data.balance;
  document.querySelector("[data-gold-coins]").textContent = data.inventory.goldCoins;
  document.querySelector("[data-treasure-boxes]").textContent = data.inventory.treasureBoxes;
}

const actions = {
  async signup(f) {
    const body = { username: f.username, password: f.password, referralCode: f.referralCode };
    const { data } = await api.post("/signup", body);
    return `Signed up as ${data.username}.`;
  },
  async login(f) {
    const { data } = await api.post("/login", { username: f.username, password: f.password });
    token = data.token;
    await refresh();
    return `Logged in for ${data.expiresIn} seconds.`;
  },
  async "top-up"(f) {
    await api.post("/top-up", { amount: Number(f.amount) });
    await refresh();
    return "Diamonds added.";
  },
  async purchase(f) {
    await api.post("/purchase", { item: f.item, quantity: Number(f.quantity) });
    await refresh();
    return "Purchase complete.";
  },
};

document.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const fields = Object.fromEntries(new FormData(form));
  try {
    show(await actions[form.dataset.form](fields), "ok");
  } catch (err) {
    show(err.response?.data?.error || "Action failed.", "error");
  }
});
