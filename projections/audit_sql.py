"""Audit checks that are best done inside the database: the hash chain and the history table.

Both read whole tables in one pass over an index and return only the rows that are wrong (the
statements are the event store's: infra/audit_reads.py); here they become report lines.
"""

from infra import audit_reads
from infra.db import Conn
from projections.cursor import Cursor

REPORT_LIMIT = 100


async def broken_chain(conn: Conn) -> list[str]:
    """One line per event whose hash does not follow from its content and its predecessor."""
    return [
        f"{stream} v{version}: "
        + (
            "the event before it is missing"
            if gap
            else "hash does not match its content or the previous event's hash"
        )
        for stream, version, gap in await audit_reads.chain_breaks(conn, REPORT_LIMIT)
    ]


async def history_differences(conn: Conn, cut: Cursor) -> list[str]:
    """One line per rm_history row that differs from the log (up to the projector's cut)."""
    rows = await audit_reads.history_mismatches(conn, cut, REPORT_LIMIT)
    return [
        f"rm_history[{r['player_id']} v{r['version']}]: "
        + ("not in the log" if r["extra"] else "missing" if r["missing"] else "differs")
        for r in rows
    ]
