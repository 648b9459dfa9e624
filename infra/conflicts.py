"""Which stream an append lost on, from what PostgreSQL says about the refused statement."""

import re

import asyncpg

from domain.errors import StreamVersionConflict
from domain.ledger import Append

# Where PostgreSQL names the stream a statement lost on: the primary key's detail, or the
# message of the hash chain's trigger (a writer that skipped a version).
_LOST_ON = (
    re.compile(r"^Key \(stream_id, version\)=\((?P<stream>.*), \d+\) already exists"),
    re.compile(r"^stream (?P<stream>.*) has no version \d+$"),
)


def conflict(
    appends: tuple[Append, ...], error: asyncpg.PostgresError | None = None
) -> StreamVersionConflict:
    """The conflict, naming the stream the statement lost on when PostgreSQL says which.

    `streams` is then that stream alone, so the pipeline retries only the commands of a group
    that wrote to it; otherwise every stream of the statement.
    """
    streams = sorted({a.stream for a in appends})
    for text, pattern in (
        (error and error.detail, _LOST_ON[0]),
        (error and str(error), _LOST_ON[1]),
    ):
        found = pattern.match(text or "")
        if found and found["stream"] in streams:
            streams = [found["stream"]]
            break
    return StreamVersionConflict(
        "another writer appended to one of the streams first", streams=streams
    )
