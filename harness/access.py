"""Access control: every operation called with another player's ids, no token, forged tokens,
an expired token and a player's token claiming admin.

The operations come from the service's own OpenAPI document, so a new route is covered the day
it is added. Player A is the victim: the attacker B must never receive a value of A's that B
did not send itself (ids, referral code, transfer ids), admin and batch routes must refuse
everyone but the trusted (401 without a valid token, 403 for a player, even one whose token
claims admin), and A's wallet must not change.
"""

import dataclasses
import itertools
from collections import Counter
from typing import Any

from harness import tokens
from harness.app import CHEAP_HASHER
from harness.checks import audit
from harness.client import PASSWORD, Api, Player, Reply
from harness.database import fresh_database
from harness.outcome import Outcome
from harness.server import service_env, serving
from infra.config import Settings
from infra.db import create_pool
from service.admins import create_admin

QUERY_IDS = ("playerId", "userId", "player_id", "username")
# Routes that end the session of the token they are called with, as they should: the attacker
# logs in again after each, or every later probe would test a revoked token.
ENDS_SESSION = frozenset({"/logout"})
# Routes for operators and trusted game servers only: a player is refused (403) on each.
PRIVILEGED = ("/admin", "/batch")


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn` (quick and full are the same)."""
    outcome = Outcome("access", quick)
    async with (
        fresh_database(server_dsn, "access") as dsn,
        serving(service_env(dsn)) as server,
        Api(server.base) as api,
    ):
        victim, attacker = await api.player("victim"), await api.player("attacker")
        transfers = await _activity(api, victim)
        await api.fund(attacker, 1000)
        admin_token = await operator_token(api, dsn)
        before = await api.call("GET", "/balance", token=victim.token)
        schema = (await api.call("GET", "/schema/openapi.json")).body
        probe = _Probe(api, outcome, victim, attacker, transfers, admin_token)
        for path, method, op in _operations(schema):
            await probe.operation(path, method, op)
        after = await api.call("GET", "/balance", token=victim.token)
        outcome.figure("operations", probe.operations)
        outcome.figure("requests", probe.requests)
        outcome.figure("answers", dict(sorted(probe.answers.items())))
        outcome.figure("leaks", probe.leaks)
        outcome.check(probe.operations >= 10, f"only {probe.operations} operations found")
        outcome.check(before.body == after.body, "the victim's wallet changed")
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


async def _activity(api: Api, victim: Player) -> list[str]:
    top = await api.call("POST", "/top-up", json={"amount": 500}, token=victim.token)
    buy = await api.call("POST", "/purchase", json={"item": "gold_coin"}, token=victim.token)
    return [top.body["transferId"], buy.body["transferId"]]


async def operator_token(api: Api, dsn: str) -> str:
    """Create the admin `operator` and log in as it; its token."""
    pool = await create_pool(dsn, Settings(environment="test"), min_size=1, max_size=2)
    try:
        await create_admin(pool, Settings(environment="test"), "operator", PASSWORD, CHEAP_HASHER)
    finally:
        await pool.close()
    return await api.login("operator")


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method.upper(), op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


class _Probe:
    def __init__(
        self,
        api: Api,
        outcome: Outcome,
        victim: Player,
        attacker: Player,
        transfers: list[str],
        admin_token: str,
    ) -> None:
        self.api, self.outcome = api, outcome
        self.victim, self.attacker, self.admin = victim, attacker, admin_token
        self.secrets = [victim.user_id, victim.referral_code, *transfers]
        self.transfers = transfers
        self.operations = self.requests = self.leaks = 0
        self.answers: Counter[str] = Counter()

    async def operation(self, template: str, method: str, op: dict[str, Any]) -> None:
        self.operations += 1
        path = self._fill(template)
        # `{}` among the schemes: a token is optional (GET /items answers more with one)
        protected = "security" in op and {} not in op["security"]
        admin_only = template.startswith(PRIVILEGED)
        bad = {
            "no token": None,
            "alg none": tokens.unsigned(self.victim.user_id),
            "wrong key": tokens.wrong_key(self.victim.user_id),
            "expired": tokens.expired(self.victim.user_id),
        }
        for label, token in bad.items():
            reply = await self._call(method, path, template, token, label)
            if protected:
                self._expect(reply.status == 401, f"{method} {template} with {label}", reply)
        for label, token in (
            ("player token", self.attacker.token),
            ("player claiming admin", tokens.claims_admin(self.attacker.user_id)),
        ):
            for query in ("", *(f"?{name}={self._id(name)}" for name in QUERY_IDS)):
                reply = await self._call(method, path + query, template, token, label)
                if admin_only:
                    self._expect(reply.status == 403, f"{method} {template} as {label}", reply)
        if admin_only and method == "GET":
            reply = await self._call(method, path, template, self.admin, "admin")
            if "{" in path:  # an id the scenario has none of: the guard lets the admin through
                passed = reply.status not in (401, 403)
                self._expect(passed, f"{method} {template} as the admin", reply)
            else:
                self._expect(reply.status == 200, f"{method} {template} as the admin", reply)
        if template in ENDS_SESSION:
            token = await self.api.login(self.attacker.username)
            self.attacker = dataclasses.replace(self.attacker, token=token)

    async def _call(
        self, method: str, path: str, template: str, token: str | None, label: str
    ) -> Reply:
        self.requests += 1
        body = self._body(template)
        reply = await self.api.call(method, path, json=body, token=token)
        self.answers[f"{label}: {reply.status}"] += 1
        if label == "admin":
            return reply
        sent = path + repr(body)
        text = repr(reply.body) + repr(reply.headers)
        leaked = [s for s in self.secrets if s not in sent and s in text]
        if leaked:
            self.leaks += 1
            self.outcome.check(False, f"{method} {path} as {label} leaked {leaked}")
        return reply

    def _expect(self, holds: bool, what: str, reply: Reply) -> None:
        self.outcome.check(holds, f"{what}: answered {reply.status} {reply.problem_type}")

    def _fill(self, template: str) -> str:
        values = {
            "{username}": self.victim.username,
            "{transfer_id}": self.transfers[1],
            "{stream}": f"player:{self.victim.user_id}",
            "{name}": "players",
        }
        for hole, value in values.items():
            template = template.replace(hole, value)
        return template

    def _body(self, template: str) -> Any:
        bodies: dict[str, Any] = {
            "/top-up": {"amount": 1},
            "/purchase": {"item": "gold_coin"},
            "/login": {"username": self.victim.username, "password": "wrong-password"},
            "/signup": {"username": f"newcomer_{next(_names)}", "password": PASSWORD},
        }
        if template.endswith("/reversal"):
            return {"playerId": self.victim.user_id, "reason": "attack"}
        if template.startswith("/batch"):  # a trusted caller names any player: we may not
            transfer = {"kind": "purchase", "playerId": self.victim.user_id, "item": "gold_coin"}
            return {"transfers": [transfer]}
        return bodies.get(template)

    def _id(self, name: str) -> str:
        return self.victim.username if name == "username" else self.victim.user_id


_names = itertools.count()
