"""`gameledger audit`: replay the whole log independently and check the ledger's invariants.

The replay orders events by global position (per stream that is version order) and never uses
transaction ids, which do not survive a dump and restore; only the comparison with the live read
models uses each projector's checkpoint, to know which events that model has applied. Everything
is read in one REPEATABLE READ snapshot, so the log, the read models and the checkpoints agree.
"""

import time
from collections import defaultdict

import msgspec

from domain import accounts
from domain.assets import CURRENCY
from infra import audit_reads, codec, credentials
from infra.db import Conn
from projections import audit_models, audit_sql, cursor
from projections.audit_catalog import Catalogs
from projections.audit_replay import Cut, Replay, nonzero

CHECKS: dict[str, str] = {
    "decodable": "every event decodes",
    "transfers_balance": "every transfer balances per asset",
    "supply": "per asset all balances sum to zero; each currency's issue equals its genesis",
    "no_negative_balances": "no account but an issuer ever goes below zero",
    "stream_versions": "stream versions are contiguous from 1",
    "shard_budgets": "shard budget chains hold and equal the shard balances",
    "state_after": "balances carried on events equal the replay",
    "hash_chain": "every event's hash follows from its content and its predecessor",
    "held": "a pending hold's or open trade's account holds its terms, a closed one's nothing",
    "catalog": "purchases paid a price option, drop rolls landed where their catalog version says",
    "limits": "limits never exceeded: no player bought more of a limited item in a window",
    "read_models": "the live read models equal the replay up to their checkpoints",
    "receipts": "every store credit has exactly one receipt claim; every refund reverses one",
    "privileged_balances": "no service or admin account holds a balance",
    "energies": "energies never above overfillMax, never below zero, and equal to their balances",
    "lots": "a player's lots of a currency sum to its balance, soonest expiry first",
    "expiries": "every expiry is after its lots' expiresAt and for at most their remainder",
}
MAX_DETAILS = 100
_CUTS = ("players", "accounts", "treasury", "holds", "trades")
_MODELS = (
    "rm_players, rm_inventory, rm_wallets, rm_wallet_escrows, rm_accounts, rm_treasury,"
    " rm_history, rm_holds, rm_trades"
)


class Check(msgspec.Struct, kw_only=True):
    """One invariant and what breaks it."""

    name: str
    ok: bool
    description: str
    details: list[str]


class AuditReport(msgspec.Struct, kw_only=True):
    """Every check, and how much of the log was replayed."""

    ok: bool
    checks: list[Check]
    events: int
    streams: int
    seconds: float


async def run_audit(
    conn: Conn, *, genesis_supply: int | None = None, catalogs: Catalogs | None = None
) -> AuditReport:
    """Replay the log and check every invariant (genesis from the log unless given; prices and
    drop tables against `catalogs`, by the version each event names, when given)."""
    started = time.monotonic()
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        # Held to the end: a rebuild cannot swap tables under the snapshot.
        await conn.execute(f"LOCK TABLE {_MODELS} IN ACCESS SHARE MODE")
        cuts = {name: await cursor.load(conn, name) for name in (*_CUTS, "history")}
        replay = await _replay(conn, cuts, catalogs)
        findings = replay.findings
        findings["hash_chain"] += await audit_sql.broken_chain(conn)
        findings["read_models"] += await _compare(conn, replay, cuts)
        privileged = await credentials.privileged(conn)
    findings["supply"] += _supply(replay, genesis_supply)
    findings["shard_budgets"] += _shard_balances(replay)
    findings["held"] += _held(replay)
    findings["receipts"] += replay.receipts.findings()
    findings["energies"] += replay.energies.findings
    findings["lots"] += replay.lots.sums
    findings["expiries"] += replay.lots.expiries
    findings["privileged_balances"] += _privileged_balances(replay, privileged)
    checks = [_check(name, findings.get(name, [])) for name in CHECKS]
    return AuditReport(
        ok=all(c.ok for c in checks),
        checks=checks,
        events=replay.events,
        streams=len(replay.heads),
        seconds=round(time.monotonic() - started, 3),
    )


def _check(name: str, found: list[str]) -> Check:
    details = found[:MAX_DETAILS]
    if len(found) > MAX_DETAILS:
        details.append(f"... and {len(found) - MAX_DETAILS} more")
    return Check(name=name, ok=not found, description=CHECKS[name], details=details)


async def _replay(conn: Conn, cuts: dict[str, cursor.Cursor], catalogs: Catalogs | None) -> Replay:
    replay = Replay(cuts={name: Cut() for name in _CUTS}, catalogs=catalogs)
    async for row in audit_reads.scan(conn, [cuts[name] for name in _CUTS]):
        stream, version = row["stream_id"], row["version"]
        try:
            event = codec.decode(row["event_type"], row["schema_version"], row["payload"])
        except (ValueError, KeyError, msgspec.MsgspecError) as error:
            replay.undecodable(stream, version, error)
            continue
        replay.apply(stream, version, event, dict(zip(_CUTS, row["included"], strict=True)))
    replay.finish()
    return replay


async def _compare(conn: Conn, replay: Replay, cuts: dict[str, cursor.Cursor]) -> list[str]:
    return [
        *await audit_models.players(conn, replay.cuts["players"]),
        *await audit_models.inventory(conn, replay.cuts["players"]),
        *await audit_models.wallets(conn, replay.cuts["players"]),
        *await audit_models.other_accounts(conn, replay.cuts["accounts"]),
        *await audit_models.treasury(conn, replay.cuts["treasury"]),
        *await audit_models.held(conn, replay.cuts["holds"]),
        *await audit_models.offered(conn, replay.cuts["trades"]),
        *await audit_sql.history_differences(conn, cuts["history"]),
    ]


def _supply(replay: Replay, genesis_supply: int | None) -> list[str]:
    totals: dict[str, int] = defaultdict(int)
    for amounts in replay.ledger.balances.values():
        for asset, amount in amounts.items():
            totals[asset] += amount
    found = [f"{asset}: all balances sum to {n}, not 0" for asset, n in totals.items() if n]
    if replay.events == 0:
        return found
    if CURRENCY not in replay.genesis:
        found.append("no genesis transfer in the log")
    # Conservation per currency: what its issuer gave out is exactly its genesis (purchases
    # and sweeps only move a currency between players and its treasury).
    for currency in sorted(replay.genesis.keys() | {CURRENCY}):
        genesis = replay.genesis.get(currency)
        if currency == CURRENCY and genesis_supply is not None:
            genesis = genesis_supply
        issued = -replay.ledger.balances[accounts.issuer_account(currency)].get(currency, 0)
        if genesis is not None and issued != genesis:
            found.append(f"{currency}: {issued} issued, genesis is {genesis}")
    return found


def _shard_balances(replay: Replay) -> list[str]:
    shards = {a for a in replay.ledger.balances if a.startswith(accounts.SHARD_PREFIX)}
    return [
        f"{shard}: budget {replay.budgets.get(shard)}, balance {balance}"
        for shard in sorted(shards | replay.budgets.keys())
        if replay.budgets.get(shard)
        != (balance := replay.ledger.balances[shard].get(accounts.shard_currency(shard), 0))
    ]


def _held(replay: Replay) -> list[str]:
    found = []
    for hold, terms in sorted(replay.ledger.holds.items()):
        want = {terms[0]: terms[1]} if terms else {}
        have = nonzero(replay.ledger.balances[accounts.hold_account(hold)])
        if have != want:
            found.append(f"{accounts.hold_account(hold)}: holds {have}, its stream says {want}")
    for trade, give in sorted(replay.ledger.trades.items()):
        have = nonzero(replay.ledger.balances[accounts.trade_account(trade)])
        if have != (give or {}):
            found.append(f"{accounts.trade_account(trade)}: holds {have}, its stream says {give}")
    return found


def _privileged_balances(replay: Replay, privileged: list[tuple[str, str, str]]) -> list[str]:
    # Roles live in the credentials table, read in the same snapshot as the log: a balance here
    # was forced in before the rule (domain/roles.py), or held by a player before a promotion.
    found = []
    for player_id, username, role in privileged:
        held = nonzero(replay.ledger.balances.get(accounts.player_account(player_id), {}))
        if held:
            found.append(f"{username} ({role}, {player_id}): holds {held}")
    return found


def summary(report: AuditReport) -> str:
    """The human-readable report."""
    lines = [f"audit: {report.events:,} events in {report.streams:,} streams ({report.seconds} s)"]
    for check in report.checks:
        lines.append(f"  {'ok  ' if check.ok else 'FAIL'}  {check.name:<22} {check.description}")
        lines += [f"          - {detail}" for detail in check.details]
    failed = sum(not c.ok for c in report.checks)
    lines.append(
        "all checks hold" if not failed else f"{failed} of {len(report.checks)} checks fail"
    )
    return "\n".join(lines)
