"""The command line's JSON has the HTTP API's casing and names (issue 25): camelCase fields,
`eventType` where HTTP says so, the audit's `findings`, a replay's `streamId` and `type`."""

import json

import asyncpg
import pytest

from cli.main import build_parser
from domain.commands import Purchase, TopUp
from infra.config import load_settings
from projections.runner import catch_up
from service.ledger import LedgerService
from tests.integration.projection_support import sign_up_players


async def cli(dsn: str, capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    """Run a command on `dsn`; its JSON output."""
    args = build_parser().parse_args(argv)
    args.settings = load_settings({"WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8"})
    capsys.readouterr()
    assert await args.func(args, dsn) in (0, 1)
    return json.loads(capsys.readouterr().out)


@pytest.fixture
async def alice(ledger: LedgerService, pool: asyncpg.Pool) -> str:
    [pid] = await sign_up_players(ledger, 1, prefix="Alice")
    await ledger.handle(TopUp(player_id=pid, amount=100))
    await ledger.handle(Purchase(player_id=pid, item="gold_coin", quantity=2))
    await catch_up(pool)
    return pid


async def test_cli_json_is_camel_case_with_the_http_names(
    db_dsn: str, alice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = await cli(db_dsn, capsys, "audit", "--json")
    assert isinstance(audit, dict)
    assert set(audit["checks"][0]) == {"name", "ok", "description", "findings"}
    steps = await cli(db_dsn, capsys, "replay", "alice0", "--json")
    assert isinstance(steps, dict)
    assert steps["streamId"] == f"player:{alice}"
    assert set(steps["events"][0]) == {
        "version", "position", "recordedAt", "type", "event", "stateAfter"
    }  # fmt: skip
    assert steps["events"][2]["stateAfter"]["balances"] == {"diamond": 80, "gold_coin": 2}
    wallet = await cli(db_dsn, capsys, "balance", "alice0", "--json")
    assert isinstance(wallet, dict)
    assert {"referralCode", "asOf", "balance", "balances"} <= set(wallet)
    hook = await cli(db_dsn, capsys, "webhooks", "add", "http://127.0.0.1:9/h", "--event", "*")
    assert isinstance(hook, dict)
    assert set(hook) == {
        "id", "url", "events", "description", "secret", "enabled", "disabledReason",
        "createdAt", "fromPosition",
    }  # fmt: skip
    listed = await cli(db_dsn, capsys, "webhooks", "list")
    assert isinstance(listed, dict)
    assert [e["id"] for e in listed["endpoints"]] == [hook["id"]]
