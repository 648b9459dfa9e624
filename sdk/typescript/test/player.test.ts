// A player's day against a real `gameledger serve`: sign up, log in, refresh, top up, buy, and
// the refusals as typed errors.
import assert from "node:assert/strict";
import { test } from "node:test";

import { GameLedgerError, isProblem, PlayerClient, ProblemError, type Tokens } from "../src/index.js";
import { baseUrl, PASSWORD, uniqueName } from "./support.js";

async function loggedIn(): Promise<{ player: PlayerClient; username: string; tokens: Tokens }> {
  const player = new PlayerClient({ baseUrl: baseUrl() });
  const username = uniqueName("ts");
  await player.signup({ username, password: PASSWORD });
  const tokens = await player.login(username, PASSWORD);
  return { player, username, tokens };
}

test("a player signs up, logs in, refreshes, tops up and buys", async () => {
  const seen: Array<Tokens | undefined> = [];
  const player = new PlayerClient({ baseUrl: baseUrl(), onTokens: (tokens) => seen.push(tokens) });
  const username = uniqueName("ts");

  const account = await player.signup({ username, password: PASSWORD });
  assert.equal(account.username, username);
  assert.match(account.userId, /^[0-9a-f-]{36}$/);

  const first = await player.login(username, PASSWORD);
  assert.ok(first.refreshToken, "login asks for a refresh token");
  assert.ok(first.expiresAt !== undefined && first.expiresAt > Date.now());
  const second = await player.refresh();
  assert.ok(second.refreshToken);
  assert.notEqual(second.refreshToken, first.refreshToken, "each refresh answers a new refresh token");
  assert.deepEqual(seen, [first, second], "onTokens hears of every new pair");

  const price = (await player.items()).items.find((item) => item.code === "treasure_box")?.price;
  assert.equal(typeof price, "number");
  const topped = await player.topUp({ amount: 120 });
  assert.equal(topped.balance, 120);
  const bought = await player.purchase({ item: "treasure_box" });
  assert.equal(bought.balance, 120 - (price as number));
  assert.equal(bought.inventory.treasureBoxes, 1);

  const wallet = await player.balance();
  assert.equal(wallet.username, username);
  assert.equal(wallet.balance, bought.balance);
  assert.equal(wallet.version, bought.version);
});

test("a purchase beyond the balance is a typed insufficient-funds problem and changes nothing", async () => {
  const { player } = await loggedIn();
  await player.topUp({ amount: 30 });
  const refused = await player.purchase({ item: "treasure_box", quantity: 3 }).then(
    () => assert.fail("the purchase went through"),
    (error: unknown) => error,
  );
  assert.ok(refused instanceof ProblemError && refused instanceof GameLedgerError);
  assert.ok(isProblem(refused, "insufficient-funds"));
  // Narrowed: the problem's own members are typed.
  assert.equal(refused.status, 422);
  assert.equal(refused.type, "insufficient-funds");
  assert.equal(refused.problem.balance, 30);
  assert.equal(refused.problem.item, "treasure_box");
  assert.equal(refused.problem.quantity, 3);
  assert.ok(refused.title.length > 0);
  assert.ok(refused.error.length > 0 && !refused.error.includes("{"), refused.error);
  assert.ok(refused.idempotencyKey, "the refused write names the key it carried");
  assert.ok(refused.requestId, "the answer's X-Request-Id is kept");
  assert.equal((await player.balance()).balance, 30);
});

test("other refusals are typed problems too, and are not retried", async () => {
  const { player, username } = await loggedIn();
  const taken = await player.signup({ username, password: PASSWORD }).catch((error: unknown) => error);
  assert.ok(isProblem(taken, "username-taken"), String(taken));
  assert.equal(taken.status, 409);
  const unknown = await player.purchase({ item: "no_such_item" }).catch((error: unknown) => error);
  assert.ok(isProblem(unknown, "unknown-item"), String(unknown));
  assert.ok(Array.isArray(unknown.problem.available));
  const stranger = new PlayerClient({ baseUrl: baseUrl() });
  const anonymous = await stranger.balance().catch((error: unknown) => error);
  assert.ok(isProblem(anonymous) && anonymous.status === 401, String(anonymous));
});

test("an expired access token is renewed with the refresh token, once, and the call goes on", async () => {
  const { tokens } = await loggedIn();
  const resumed = new PlayerClient({
    baseUrl: baseUrl(),
    // A saved session whose access token the service no longer takes.
    tokens: { accessToken: "expired.access.token", refreshToken: tokens.refreshToken },
  });
  const wallet = await resumed.balance();
  assert.equal(wallet.balance, 0);
  assert.notEqual(resumed.tokens?.accessToken, "expired.access.token");
  assert.notEqual(resumed.tokens?.refreshToken, tokens.refreshToken);
});

test("a short-lived access token is refreshed before it expires", async () => {
  const { player, username } = await loggedIn();
  const first = await player.login(username, PASSWORD, { accessTtl: 2 });
  await new Promise((resolve) => setTimeout(resolve, 1600)); // within a quarter of its life
  await player.balance();
  assert.notEqual(player.tokens?.refreshToken, first.refreshToken, "the client refreshed first");
});

test("a refresh token used twice ends the whole session, as the service promises", async () => {
  const { player, tokens } = await loggedIn();
  await player.refresh();
  const replayer = new PlayerClient({ baseUrl: baseUrl(), tokens });
  const reuse = await replayer.refresh().catch((error: unknown) => error);
  assert.ok(isProblem(reuse) && reuse.status === 401, String(reuse));
  assert.equal(replayer.tokens, undefined, "a refused refresh forgets the tokens");
  // The rotated pair the first client holds is revoked with the session (within a second).
  let outcome: unknown;
  for (let tries = 0; tries < 20; tries++) {
    outcome = await player.balance().catch((error: unknown) => error);
    if (outcome instanceof ProblemError) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(isProblem(outcome) && outcome.status === 401, String(outcome));
  assert.equal(player.tokens, undefined);
});
