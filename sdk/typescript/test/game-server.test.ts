// A game server with a service token: grants, a match staked with holds and settled with a
// rake, a settlement resent with its key, and a batch of top-ups.
import assert from "node:assert/strict";
import { before, test } from "node:test";

import { GameServerClient, isProblem, PlayerClient } from "../src/index.js";
import { baseUrl, eventually, PASSWORD, serviceAccount, uniqueName } from "./support.js";

let server: GameServerClient;
before(async () => {
  server = new GameServerClient({ baseUrl: baseUrl() });
  const { username, password } = serviceAccount();
  await server.login(username, password);
});

async function player(): Promise<{ client: PlayerClient; username: string; userId: string }> {
  const client = new PlayerClient({ baseUrl: baseUrl() });
  const username = uniqueName("gs");
  const { userId } = await client.signup({ username, password: PASSWORD });
  await client.login(username, PASSWORD);
  return { client, username, userId };
}

test("a match: grants, two stakes held, settled with a rake, and the settlement resent", async () => {
  const alice = await player();
  const bob = await player();
  for (const who of [alice, bob]) {
    const granted = await server.grant({ player: who.username, amount: 500, reason: "season reward" });
    assert.equal(granted.player, who.username);
    assert.equal(granted.balance, 500);
  }

  const stakes: string[] = [];
  for (const who of [alice, bob]) {
    const hold = await server.placeHold({ player: who.username, asset: "diamond", amount: 100, expiresIn: 600 });
    assert.equal(hold.status, "pending");
    stakes.push(hold.holdId);
  }
  // `balance` is read from the player's stream; `held` from the holds' read model, a moment behind.
  const held = await eventually(() => alice.client.balance(), (wallet) => wallet.held?.diamond === 100);
  assert.equal(held.balance, 400);
  assert.deepEqual(held.held, { diamond: 100 });
  assert.equal((await server.hold(stakes[0] as string)).status, "pending");

  const match = uniqueName("match");
  const request = { holds: stakes, payouts: [{ to: bob.username, amount: 180 }], memo: "match 7" };
  const settled = await server.settle(request, { idempotencyKey: match });
  assert.deepEqual([settled.pot, settled.paid, settled.rake], [200, 180, 20]);
  // The game server restarted and sends the settlement again: the same key, the same answer.
  const resent = await server.settle(request, { idempotencyKey: match });
  assert.equal(resent.settlementId, settled.settlementId);
  assert.equal(resent.transferId, settled.transferId);

  const twice = await server.settle(request).catch((error: unknown) => error);
  assert.ok(isProblem(twice, "hold-not-pending"), String(twice));
  assert.equal(twice.status, 409);
  assert.equal(twice.problem.holdStatus, "captured");

  assert.equal((await alice.client.balance()).balance, 400);
  assert.equal((await bob.client.balance()).balance, 580);
  const closed = await server.hold(stakes[1] as string);
  assert.deepEqual([closed.status, closed.captured], ["captured", 100]);
  const listedBoth = (page: { holds: Array<{ holdId: string }> }) =>
    stakes.every((id) => page.holds.some((hold) => hold.holdId === id));
  const listed = await eventually(() => server.holds({ status: "captured" }), listedBoth);
  assert.ok(listedBoth(listed), "the list (a read model) shows both captured holds");
});

test("a hold can be voided, and a stake beyond the balance is refused", async () => {
  const carol = await player();
  await server.grant({ player: carol.username, amount: 50, reason: "welcome" });
  const hold = await server.placeHold({ player: carol.username, asset: "diamond", amount: 50, expiresIn: 60 });
  const voided = await server.voidHold(hold.holdId);
  assert.equal(voided.status, "voided");
  const tooMuch = await server
    .placeHold({ player: carol.username, asset: "diamond", amount: 51, expiresIn: 60 })
    .catch((error: unknown) => error);
  assert.ok(isProblem(tooMuch, "insufficient-funds"), String(tooMuch));
  assert.equal(tooMuch.problem.balance, 50);
});

test("a batch gives every transfer a key, so sending it again replays instead of paying twice", async () => {
  const dave = await player();
  // A game server configured with a bare service token (no refresh) works the same.
  const bare = new GameServerClient({ baseUrl: baseUrl(), token: server.tokens?.accessToken as string });
  const transfers = [
    { kind: "top_up" as const, playerId: dave.userId, amount: 30 },
    { kind: "top_up" as const, playerId: dave.userId, amount: 12 },
  ];
  const first = await bare.batch({ transfers, atomic: true });
  assert.deepEqual([first.applied, first.replayed, first.failed], [2, 0, 0]);
  assert.equal(first.idempotencyKeys.length, 2);

  const again = await bare.batch({
    transfers: transfers.map((t, i) => ({ ...t, idempotencyKey: first.idempotencyKeys[i] })),
  });
  assert.deepEqual([again.applied, again.replayed], [0, 2]);
  assert.deepEqual(
    again.results.map((r) => r.status),
    ["replayed", "replayed"],
  );
  assert.equal((await dave.client.balance()).balance, 42);

  const player_ = await dave.client.topUp({ amount: 1 });
  assert.equal(player_.balance, 43);
  const forbidden = await new GameServerClient({ baseUrl: baseUrl(), token: dave.client.tokens?.accessToken as string })
    .grant({ player: dave.username, amount: 5, reason: "self-service" })
    .catch((error: unknown) => error);
  assert.ok(isProblem(forbidden) && forbidden.status === 403, String(forbidden));
});
