// The HTTP client of the console: the session (in memory only), requests, problem details.
//
// The access token lives in this module's variable and nowhere else: not in localStorage or
// sessionStorage, where any script on the origin could read it long after the tab closed.
// A reload therefore logs out, which is the price of that.

let session = null; // { token, claims, username }
let expiry = null;
const listeners = new Set();

/** An error answered by the API (or a network failure, status 0) with its problem details. */
export class ApiError extends Error {
  constructor(status, problem, retryAfter = null) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** The problem's type slug ("insufficient-funds"), whether given as a slug or a URI. */
  get slug() {
    const type = String(this.problem.type || "");
    return type.split(/[/#:]/).filter(Boolean).pop() || "";
  }

  /** True when the outcome is unknown or transient, so a retry should reuse the same key. */
  get retryable() {
    return this.status === 0 || this.status === 409 || this.status === 429 || this.status >= 500;
  }
}

/** Decode a JWT's claims for display only; the server checks the signature, we never trust it. */
function claimsOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(
      Array.from(atob(part), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join(""),
    );
    return JSON.parse(json);
  } catch {
    return {};
  }
}

/** Start a session from a login answer. */
export function startSession({ token, expiresIn }, username = "") {
  session = { token, claims: claimsOf(token), username };
  // Log out when the token expires, rather than let the next click fail with a 401.
  clearTimeout(expiry);
  expiry = setTimeout(() => endSession("expired"), (Number(expiresIn) || 900) * 1000);
  listeners.forEach((fn) => fn(session));
}

/** Forget the token (log out, or the server refused it). */
export function endSession(reason = null) {
  if (!session) return;
  clearTimeout(expiry);
  session = null;
  listeners.forEach((fn) => fn(null, reason));
}

/** The current session, or null. */
export function currentSession() {
  return session;
}

/** True when the token's `role` claim says admin: only which views to show; the API decides. */
export function isAdmin() {
  return session?.claims?.role === "admin";
}

/** Call `fn(session, reason)` whenever the session starts or ends. */
export function onSession(fn) {
  listeners.add(fn);
}

/** A fresh idempotency key; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value != null && value !== "") params.set(name, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function parse(response) {
  const type = response.headers.get("Content-Type") || "";
  if (response.status === 204 || !type.includes("json")) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/**
 * Send one request. `key` becomes the Idempotency-Key header (every write has one).
 * Resolves with the JSON body; rejects with an ApiError carrying the problem details.
 */
export async function request(method, path, { body, key, query, auth = true } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  if (auth && session) headers.Authorization = `Bearer ${session.token}`;
  let response;
  try {
    response = await fetch(withQuery(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, {
      type: "network-error",
      title: "The service did not answer",
      detail: "The service did not answer. Trying again is safe: it will not be applied twice.",
    });
  }
  const data = await parse(response);
  if (response.ok) return data;
  const problem = data && typeof data === "object" ? data : { title: response.statusText };
  const error = new ApiError(response.status, problem, response.headers.get("Retry-After"));
  if (response.status === 401 && auth && session) endSession("expired");
  throw error;
}

/** Log out: the server revokes the token (POST /logout), then the session is forgotten here.
 * Forgotten even when the server cannot be reached: the tab must not stay logged in. */
export async function logout() {
  if (!session) return;
  try {
    await request("POST", "/logout");
  } catch {
    // Already revoked, expired or unreachable: nothing more to do than forget it.
  }
  endSession("logout");
}

export const get = (path, options) => request("GET", path, options);
export const post = (path, body, options = {}) => request("POST", path, { ...options, body });
