"""Hostile input: malformed numbers, bodies, names, keys, queries and tokens are all refused.

Each request in `hostile_cases` must be answered with a 4xx problem (never a 5xx, never a
success) and the ledger must be exactly as it was: same number of events, same wallet. Then
schemathesis generates requests for every operation of the OpenAPI document (200 per operation
in full mode, with its stateful phase): no server error and every answer as documented. Its
valid requests do move money, so the ledger must then pass the audit.
"""

from collections import Counter

import asyncpg

from harness.access import operator_token
from harness.checks import audit
from harness.client import Api
from harness.database import fresh_database
from harness.fuzz import schemathesis
from harness.hostile_cases import cases
from harness.outcome import Outcome
from harness.server import service_env, serving

PARSER_REFUSAL = "Invalid HTTP request received."
EXAMPLES = (5, 200)  # schemathesis examples per operation: quick, full


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("hostile", quick)
    async with (
        fresh_database(server_dsn, "hostile") as dsn,
        serving(service_env(dsn)) as server,
        Api(server.base) as api,
    ):
        player = await api.player("target")
        await api.fund(player, 1000)
        before = (await _events(dsn), (await api.call("GET", "/balance", token=player.token)).body)
        statuses: Counter[int] = Counter()
        not_problems = parser = 0
        for label, method, path, body, headers, auth in cases():
            reply = await api.call(
                method, path, content=body, headers=headers, token=player.token if auth else None
            )
            statuses[reply.status] += 1
            if not outcome.check(
                400 <= reply.status < 500, f"{label} {method} {path}: answered {reply.status}"
            ):
                continue
            if reply.body == PARSER_REFUSAL:
                parser += 1  # uvicorn's HTTP parser refused it before the app saw it
            elif not reply.headers.get("content-type", "").startswith("application/problem+json"):
                not_problems += 1
        after = (await _events(dsn), (await api.call("GET", "/balance", token=player.token)).body)
        outcome.figure("hostile requests", sum(statuses.values()))
        outcome.figure("answers", dict(sorted(statuses.items())))
        outcome.figure("refused by the HTTP parser", parser)
        outcome.figure("4xx without problem details", not_problems)
        outcome.check(not_problems == 0, f"{not_problems} refusals were not problem details")
        outcome.check(before == after, f"the ledger changed: {before} -> {after}")
        await _generated(outcome, api, dsn, EXAMPLES[0] if quick else EXAMPLES[1])
        await audit(outcome, dsn)
    outcome.finish()
    return outcome


async def _generated(outcome: Outcome, api: Api, dsn: str, examples: int) -> None:
    """schemathesis over every operation, as an admin (who may call them all)."""
    # An operator holds no wallet (422 not-a-player on every wallet route), which is one more
    # documented answer for schemathesis to check.
    token = await operator_token(api, dsn)
    report = await schemathesis(api.base, token, examples, quick=outcome.quick)
    outcome.figure("schemathesis examples per operation", examples)
    outcome.figure("schemathesis seed", str(report.seed))  # to reproduce: --seed
    outcome.figure("schemathesis operations", report.operations)
    outcome.figure("schemathesis test cases", report.test_cases)
    outcome.figure("schemathesis phases", report.phases)
    outcome.figure("schemathesis stateful links", report.links)
    for problem in [*report.failures, *report.errors][:10]:
        outcome.check(False, f"schemathesis: {problem}")
    outcome.check(report.exit_code == 0, f"schemathesis exited {report.exit_code}")


async def _events(dsn: str) -> int:
    conn = await asyncpg.connect(dsn, timeout=30)
    try:
        count: int = await conn.fetchval("SELECT count(*) FROM events")
        return count
    finally:
        await conn.close()
