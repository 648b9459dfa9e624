"""Compare the live read models with the audit's replay, row by row."""

from collections.abc import Iterable
from typing import Any

import msgspec

from domain import accounts
from domain.assets import CURRENCY
from domain.timed import TimedState
from infra.db import Conn
from projections.audit_replay import Cut, nonzero


def _diff(table: str, expected: dict[Any, Any], actual: dict[Any, Any]) -> Iterable[str]:
    for key in sorted(expected.keys() | actual.keys(), key=str):
        want, have = expected.get(key), actual.get(key)
        if want == have:
            continue
        if want is None:
            yield f"{table}[{_key(key)}]: not in the log (holds {have})"
        elif have is None:
            yield f"{table}[{_key(key)}]: missing (the log gives {want})"
        else:
            yield f"{table}[{_key(key)}]: holds {have}, the log gives {want}"


def _key(key: Any) -> str:
    return ", ".join(map(str, key)) if isinstance(key, tuple) else str(key)


async def players(conn: Conn, cut: Cut) -> list[str]:
    """rm_players: profile, balance and version of each player."""
    expected = {
        pid: (
            getattr(cut.profiles.get(pid), "username", None),
            getattr(cut.profiles.get(pid), "referral_code", None),
            getattr(cut.profiles.get(pid), "referred_by", None),
            cut.balances[accounts.player_account(pid)].get(CURRENCY, 0),
            version,
        )
        for pid, version in cut.versions.items()
    }
    rows = await conn.fetch(
        "SELECT player_id, username, referral_code, referred_by, balance, version FROM rm_players"
    )
    actual = {r["player_id"]: tuple(r)[1:] for r in rows}
    return list(_diff("rm_players", expected, actual))


async def inventory(conn: Conn, cut: Cut) -> list[str]:
    """rm_inventory: each player's non-zero item counts."""
    expected = {
        (pid, item): n
        for pid in cut.versions
        for item, n in nonzero(cut.balances[accounts.player_account(pid)]).items()
        if item != CURRENCY
    }
    rows = await conn.fetch(
        "SELECT player_id, item, quantity FROM rm_inventory WHERE quantity <> 0"
    )
    actual = {(r["player_id"], r["item"]): r["quantity"] for r in rows}
    return list(_diff("rm_inventory", expected, actual))


_WALLETS = """
SELECT player_id, version, username, referral_code, state::text, held::text, debt::text,
       timed::text
  FROM rm_wallets
"""
_amounts = msgspec.json.Decoder(dict[str, int])
_timed = msgspec.json.Decoder(TimedState)


async def wallets(conn: Conn, cut: Cut) -> list[str]:
    """rm_wallets: each player's version, profile, balances, held, debt and time-based state."""
    held = cut.held()
    expected = {
        pid: (
            version,
            getattr(cut.profiles.get(pid), "username", None),
            getattr(cut.profiles.get(pid), "referral_code", None),
            nonzero(cut.balances[accounts.player_account(pid)]),
            held.get(pid, {}),
            nonzero(cut.debts.get(pid, {})),
            cut.timed.get(pid),
        )
        for pid, version in cut.versions.items()
    }
    actual = {
        r["player_id"]: (
            r["version"],
            r["username"],
            r["referral_code"],
            nonzero(_amounts.decode(r["state"])),
            _amounts.decode(r["held"]),
            nonzero(_amounts.decode(r["debt"])),
            None if r["timed"] is None else _timed.decode(r["timed"]),
        )
        for r in await conn.fetch(_WALLETS)
    }
    owners = {escrow: owner for escrow, (owner, _) in cut.escrows.items()}
    rows = await conn.fetch("SELECT escrow, player_id FROM rm_wallet_escrows")
    escrows = {r["escrow"]: r["player_id"] for r in rows}
    return [
        *_diff("rm_wallets", expected, actual),
        *_diff("rm_wallet_escrows", owners, escrows),
    ]


async def other_accounts(conn: Conn, cut: Cut) -> list[str]:
    """rm_accounts: every non-player account's balance per asset (zero equals absent)."""
    expected = {
        (account, asset): n
        for account, amounts in cut.balances.items()
        if not accounts.is_player(account)
        for asset, n in nonzero(amounts).items()
    }
    rows = await conn.fetch("SELECT account, asset, balance FROM rm_accounts WHERE balance <> 0")
    actual = {(r["account"], r["asset"]): r["balance"] for r in rows}
    return list(_diff("rm_accounts", expected, actual))


def _treasury_totals(cut: Cut) -> dict[str, tuple[int, int, int, int, int]]:
    totals: dict[str, list[int]] = {}
    for account, amounts in cut.balances.items():
        for asset, n in amounts.items():
            row = totals.setdefault(asset, [0, 0, 0, 0, 0])
            if account.startswith(accounts.SHARD_PREFIX):
                row[0] += n
            elif account == accounts.INFLOW:
                row[1] += n
            elif accounts.is_issuer(account):
                row[3] -= n
            else:
                row[4] += n  # the players' holdings, summed rather than derived
    for asset, credited in cut.inflow_credited.items():
        totals.setdefault(asset, [0, 0, 0, 0, 0])[2] = credited
    return {asset: (r[0], r[1], r[2], r[3], r[4]) for asset, r in totals.items()}


async def treasury(conn: Conn, cut: Cut) -> list[str]:
    """rm_treasury: (shards, inflow, inflow_credited, issued, circulating) per asset."""
    rows = await conn.fetch(
        "SELECT asset, shards, inflow, inflow_credited, issued, circulating FROM rm_treasury"
    )
    actual = {r["asset"]: tuple(r)[1:] for r in rows}
    return list(_diff("rm_treasury", _treasury_totals(cut), actual))


async def held(conn: Conn, cut: Cut) -> list[str]:
    """rm_holds: the pending holds, their amounts and who placed them (GET /holds lists them)."""
    expected = {hold: terms for hold, terms in cut.holds.items() if terms is not None}
    rows = await conn.fetch(
        "SELECT hold_id, asset, amount, placed_by FROM rm_holds WHERE status = 'pending'"
    )
    actual = {r["hold_id"]: (r["asset"], r["amount"], r["placed_by"]) for r in rows}
    return list(_diff("rm_holds", expected, actual))


async def offered(conn: Conn, cut: Cut) -> list[str]:
    """rm_trades: the open trades and what each escrows."""
    expected = {trade: give for trade, give in cut.trades.items() if give is not None}
    rows = await conn.fetch(
        "SELECT trade_id, give::text AS give FROM rm_trades WHERE status = 'open'"
    )
    actual = {r["trade_id"]: msgspec.json.decode(r["give"]) for r in rows}
    return list(_diff("rm_trades", expected, actual))
