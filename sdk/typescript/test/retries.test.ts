// Retries against a real server: through a dropped connection (a proxy in front of the server
// cuts the answer after the server acted), after a 503 with Retry-After, and after the service's
// own login throttle (429 with Retry-After).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { isProblem, NetworkError, PlayerClient } from "../src/index.js";
import { baseUrl, FaultProxy, freshHistory, PASSWORD, retryLog, uniqueName } from "./support.js";

let proxy: FaultProxy;
before(async () => {
  proxy = await FaultProxy.start(baseUrl());
});
after(async () => {
  await proxy.close();
});

async function signedUp(): Promise<{ direct: PlayerClient; username: string }> {
  const direct = new PlayerClient({ baseUrl: baseUrl() });
  const username = uniqueName("ts");
  await direct.signup({ username, password: PASSWORD });
  await direct.login(username, PASSWORD);
  return { direct, username };
}

test("a purchase whose answer is lost is retried with its key and charged once", async () => {
  const { direct, username } = await signedUp();
  await direct.topUp({ amount: 200 });
  const log = retryLog();
  const player = new PlayerClient({ baseUrl: proxy.url, onRetry: log.onRetry });
  await player.login(username, PASSWORD);

  const before = proxy.requests;
  proxy.dropNextResponse();
  const bought = await player.purchase({ item: "treasure_box" });

  assert.equal(proxy.requests - before, 2, "the purchase was sent twice");
  assert.equal(log.events.length, 1);
  const [retry] = log.events;
  assert.equal(retry?.reason, "network");
  assert.ok(retry?.error instanceof Error);
  assert.ok(retry?.idempotencyKey, "the retried write carried a key");
  const wallet = await direct.balance();
  assert.equal(wallet.inventory.treasureBoxes, 1, "one box, not two");
  assert.equal(wallet.balance, 150, "charged once");
  assert.equal(bought.balance, 150);
  assert.equal(bought.version, wallet.version);
  const page = await freshHistory(direct, { code: "purchase" });
  assert.equal(page.entries.length, 1, "one purchase in the ledger");
  assert.equal(page.entries[0]?.transferId, bought.transferId);
});

test("a key given by the caller is the one every attempt sends; a later resend replays", async () => {
  const { direct, username } = await signedUp();
  const log = retryLog();
  const player = new PlayerClient({ baseUrl: proxy.url, onRetry: log.onRetry });
  await player.login(username, PASSWORD);
  proxy.dropNextResponse();
  const first = await player.topUp({ amount: 70 }, { idempotencyKey: "daily-bonus-1" });
  assert.equal(log.events[0]?.idempotencyKey, "daily-bonus-1");
  // As after a restart of the caller: the same key again answers the first result.
  const again = await direct.topUp({ amount: 70 }, { idempotencyKey: "daily-bonus-1" });
  assert.equal(again.transferId, first.transferId);
  assert.equal((await direct.balance()).balance, 70);
});

test("a login, which carries no key, is not retried after a dropped connection", async () => {
  const { username } = await signedUp();
  const player = new PlayerClient({ baseUrl: proxy.url });
  const before = proxy.requests;
  proxy.dropNextResponse();
  const lost = await player.login(username, PASSWORD).catch((error: unknown) => error);
  assert.ok(lost instanceof NetworkError, String(lost));
  assert.equal(lost.attempts, 1);
  assert.equal(proxy.requests - before, 1, "sent once");
  assert.equal(player.tokens, undefined);
});

test("a 503 with Retry-After is waited out, then the write goes through once", async () => {
  const { direct, username } = await signedUp();
  const log = retryLog();
  const player = new PlayerClient({ baseUrl: proxy.url, onRetry: log.onRetry });
  await player.login(username, PASSWORD);
  const problem = {
    type: "database-unavailable",
    title: "The database is unavailable",
    status: 503,
    detail: "The service cannot reach its database right now; retry shortly.",
    error: "The service cannot reach its database right now; retry shortly.",
  };
  proxy.answerNext(503, { "Content-Type": "application/problem+json", "Retry-After": "1" }, JSON.stringify(problem));
  const started = Date.now();
  const topped = await player.topUp({ amount: 40 });
  assert.ok(Date.now() - started >= 1000, "waited the second the service asked for");
  assert.deepEqual(
    log.events.map((e) => [e.reason, e.status, e.delayMs]),
    [["unavailable", 503, 1000]],
  );
  assert.equal(topped.balance, 40);
  assert.equal((await direct.balance()).balance, 40);
});

test("the service's login throttle (429, Retry-After) is waited out, or thrown when too long", async () => {
  // The server under test refuses a third login within 6 s after two failures on an account
  // from one address (LOGIN_FAILURES_PER_ACCOUNT=2, LOGIN_WINDOW_SECONDS=6).
  const { username } = await signedUp();
  const impatient = new PlayerClient({ baseUrl: baseUrl(), retry: { maxDelayMs: 100 } });
  for (let failures = 0; failures < 2; failures++) {
    const wrong = await impatient.login(username, "not-the-password").catch((error: unknown) => error);
    assert.ok(isProblem(wrong) && wrong.status === 401, String(wrong));
  }
  const refused = await impatient.login(username, PASSWORD).catch((error: unknown) => error);
  assert.ok(isProblem(refused, "rate-limited"), String(refused));
  assert.ok(refused.retryAfter !== undefined && refused.retryAfter >= 1);
  assert.equal(refused.problem.retryAfter, refused.retryAfter);

  const log = retryLog();
  const patient = new PlayerClient({ baseUrl: baseUrl(), onRetry: log.onRetry });
  const tokens = await patient.login(username, PASSWORD);
  assert.ok(tokens.accessToken);
  assert.ok(log.events.length >= 1);
  assert.deepEqual([log.events[0]?.reason, log.events[0]?.status], ["rate-limited", 429]);
  assert.ok((log.events[0]?.delayMs ?? 0) >= 1000, "the wait is the service's Retry-After");
});
