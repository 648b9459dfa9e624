"""The operators' commands over the projections: project, rebuild, audit, replay, events."""

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from cli.common import all_catalogs, print_json, settings_of
from domain.details import StoreCreditDetails, StoreRefundDetails
from domain.event_base import Event
from domain.events import Claimed, DebtChanged, PlayerRegistered, TrancheChanged, Transferred
from infra import codec, eventstore_reads
from infra.db import Conn, Pool, create_pool
from infra.eventstore import StoredEvent
from infra.waker import CHANNEL
from projections.audit import run_audit, summary
from projections.cursor import START, Cursor, read_after
from projections.loops import wait
from projections.overdue import ReadModelOverdue
from projections.progress import Progress
from projections.rebuild import RebuildBusy, rebuild
from projections.registry import PROJECTIONS, select
from projections.replay import ReplayStep, replay, resolve_stream
from projections.runner import RunnerOptions, serve
from service.bootstrap import writers


def register(subparsers: Any) -> None:
    """Add project, rebuild, audit, replay and events to the `gameledger` parser."""
    names = ", ".join(PROJECTIONS)
    project = subparsers.add_parser("project", help="run the projectors and the sweeper")
    project.add_argument("names", nargs="*", metavar="NAME", help=f"projectors ({names})")
    project.add_argument(
        "--no-sweeper", action="store_true", help="leave sweeping and hold expiry to others"
    )
    project.set_defaults(func=_project)
    build = subparsers.add_parser("rebuild", help="rebuild read models without downtime")
    build.add_argument("names", nargs="*", metavar="NAME", help=f"projections ({names})")
    build.set_defaults(func=_rebuild)
    audit = subparsers.add_parser("audit", help="replay the log and check every invariant")
    audit.add_argument("--json", action="store_true", help="machine-readable report")
    audit.set_defaults(func=_audit)
    rep = subparsers.add_parser("replay", help="a stream's events with the state after each")
    rep.add_argument("stream", help="a player id, a username or a stream id")
    rep.add_argument("--until", type=int, metavar="VERSION", help="stop at this version")
    rep.add_argument("--at", metavar="TIME", help="stop at this ISO time (UTC if no zone)")
    rep.add_argument("--json", action="store_true", help="machine-readable steps")
    rep.set_defaults(func=_replay)
    events = subparsers.add_parser("events", help="tail the global event log")
    events.add_argument("--limit", type=int, default=20, metavar="N", help="last N events")
    events.add_argument("--follow", "-f", action="store_true", help="keep printing new events")
    events.set_defaults(func=_events)


def _fail(message: str, status: int = 1) -> int:
    print(f"gameledger: {message}", file=sys.stderr)
    return status


@contextlib.asynccontextmanager
async def _pool(args: argparse.Namespace, dsn: str) -> AsyncIterator[Pool]:
    pool = await create_pool(dsn, settings_of(args), min_size=1, max_size=2)
    try:
        yield pool
    finally:
        await pool.close()


async def _project(args: argparse.Namespace, dsn: str) -> int:
    try:
        names = tuple(p.name for p in select(args.names))
    except ValueError as error:
        return _fail(str(error), 2)
    sweeper = None if args.no_sweeper else writers(ReadModelOverdue)
    await serve(dsn, settings_of(args), RunnerOptions(names=names, sweeper=sweeper))
    return 0


async def _rebuild(args: argparse.Namespace, dsn: str) -> int:
    try:
        select(args.names)
    except ValueError as error:
        return _fail(str(error), 2)
    async with _pool(args, dsn) as pool:
        try:
            reports = await rebuild(pool, args.names, progress=Progress)
        except RebuildBusy as error:
            return _fail(str(error))
    for r in reports:
        print(f"rebuilt {r.name}: {r.events:,} events in {r.seconds:.2f} s ({r.rate:,.0f} ev/s)")
    return 0


async def _audit(args: argparse.Namespace, dsn: str) -> int:
    async with _pool(args, dsn) as pool, pool.acquire() as conn:
        catalogs = await all_catalogs(conn)  # prices as each event names, from the log
        report = await run_audit(conn, catalogs=catalogs)
    if args.json:
        print_json(report, {"details": "findings"})  # as POST /admin/audit
    else:
        print(summary(report))
    return 0 if report.ok else 1


def _parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def _replay(args: argparse.Namespace, dsn: str) -> int:
    try:
        at = _parse_time(args.at)
    except ValueError:
        return _fail(f"--at {args.at!r}: expected an ISO time such as 2025-06-01T12:00:00Z", 2)
    async with _pool(args, dsn) as pool, pool.acquire() as conn:
        stream = await resolve_stream(conn, args.stream)
        if stream is None:
            return _fail(f"no stream, player or username named {args.stream!r}")
        steps = await replay(conn, stream, until_version=args.until, at=at)
    if args.json:  # as GET /admin/streams/{stream}
        print_json({"streamId": stream, "events": steps}, {"event_type": "type"})
        return 0
    print(f"{stream}: {len(steps)} events")
    for s in steps:
        print(_step_line(s))
    return 0


def _step_line(step: ReplayStep) -> str:
    state = " ".join(f"{k}={_compact(v)}" for k, v in step.state_after.items())
    event = codec.upcast(step.event_type, 1, step.event)  # replay shows version 1
    return (
        f"  v{step.version:<4} #{step.position:<8} {step.recorded_at:%Y-%m-%d %H:%M:%S} "
        f"{step.event_type:<17} {describe(event)}\n{'':>8}-> {state}"
    )


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)


def describe(event: Event) -> str:
    """A few words on what an event did."""
    if isinstance(event, Transferred):
        legs = ", ".join(f"{leg.account} {leg.amount:+} {leg.asset}" for leg in event.legs)
        details = event.details
        receipt = (
            f" [{details.store} {details.receipt_id} {details.product_id}]"
            if isinstance(details, StoreCreditDetails | StoreRefundDetails)
            else ""
        )
        return f"{event.code} {event.transfer_id}{receipt}: {legs}"
    if isinstance(event, TrancheChanged):
        return f"budget {event.delta:+} -> {event.budget_after} ({event.transfer_id})"
    if isinstance(event, PlayerRegistered):
        return f"{event.username} ({event.player_id})"
    if isinstance(event, Claimed):
        named = f" for {event.transfer_id}" if event.transfer_id else ""
        return f"owner {event.owner}{named}"
    if isinstance(event, DebtChanged):
        return f"debt {_compact(event.debt_after)} after {event.transfer_id}"
    return ""


def _event_line(stored: StoredEvent) -> str:
    return (
        f"#{stored.global_position:<8} {stored.recorded_at:%Y-%m-%d %H:%M:%S} "
        f"{stored.stream_id} v{stored.version}  {describe(stored.event)}"
    )


async def _events(args: argparse.Namespace, dsn: str) -> int:
    if args.limit < 0:
        return _fail("--limit must be 0 or more", 2)
    async with _pool(args, dsn) as pool, pool.acquire() as conn:
        # One snapshot: following starts at its horizon, and what the tail printed above that
        # horizon is skipped once, so nothing is printed twice and nothing is missed.
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            events = await eventstore_reads.tail(conn, args.limit)
            start = await eventstore_reads.horizon(conn)
        for event in events:
            print(_event_line(event))
        if args.follow:
            await _follow(conn, start or START, {event.global_position for event in events})
    return 0


async def _follow(conn: Conn, cursor: Cursor, printed: set[int]) -> None:
    stop, wake = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # end quietly, exit status 0
        loop.add_signal_handler(sig, stop.set)

    def notified(*_: object) -> None:
        wake.set()

    await conn.add_listener(CHANNEL, notified)
    try:
        while not stop.is_set():
            wake.clear()
            batch = await read_after(conn, cursor, 500)
            for stored in batch.events:
                if stored.global_position not in printed:
                    print(_event_line(stored), flush=True)
            cursor = batch.last
            if len(batch.events) < 500:
                await wait(stop, 0.5, wake)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await conn.remove_listener(CHANNEL, notified)
