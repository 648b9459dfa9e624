"""Each process's copy of the revocations, never more than MAX_AGE seconds behind the database.

Verifying a token is on the path of every request and must not cost a database round trip,
so every process (every worker) holds the unexpired revocations in memory. One dedicated
connection LISTENs on the revocations channel and re-reads at once when a revoker commits; a
poll every POLL seconds is the backstop for a lost notification or connection (the loop is
infra/follower.py's, shared with the live catalog).

The copy is trusted only while its last successful read began less than MAX_AGE seconds ago:
such a read saw every revocation committed before it began, so a revocation is honoured
everywhere at most MAX_AGE seconds after its commit. A copy older than that (the database is
away, the connection was lost or is silent: a read times out after twice MAX_AGE) is not
trusted at all, and tokens are then answered with 503 rather than accepted.
"""

import time
from collections.abc import Callable, Iterable

from infra import sessions
from infra.db import Conn
from infra.follower import Connect, Follower
from infra.follower import connector as connector  # re-exported for api/http/lifespan.py
from infra.sessions import Revocation

PURGE_EVERY = 600.0  # seconds between deletions of expired rows
# Tokens are accepted a few seconds past their expiry (the verifier's leeway): forget a
# revocation only well after that.
MARGIN = 60.0


class RevocationCache:
    """The revocations in memory: three lookups per check, no I/O."""

    def __init__(self) -> None:
        self._tokens: dict[str, float] = {}  # jti -> when the token expires
        self._families: dict[str, float] = {}  # refresh family -> when its tokens expire
        # player -> (tokens issued before this second are refused, until when)
        self._players: dict[str, tuple[int, float]] = {}

    def apply(self, revocations: Iterable[Revocation]) -> None:
        """Add revocations (idempotent: a row read twice changes nothing)."""
        for r in revocations:
            if r.kind == "token":
                self._tokens[r.subject] = max(r.expires_at, self._tokens.get(r.subject, 0.0))
            elif r.kind == "family":
                self._families[r.subject] = max(r.expires_at, self._families.get(r.subject, 0.0))
            else:
                self._players[r.subject] = _later(self._players.get(r.subject), r)

    def refuses(self, jti: str | None, family: str | None, player_id: str, issued_at: int) -> bool:
        """True when a token with these claims has been revoked."""
        if jti is not None and jti in self._tokens:
            return True
        if family is not None and family in self._families:
            return True
        mark = self._players.get(player_id)
        return mark is not None and issued_at < mark[0]

    def prune(self, now: float) -> None:
        """Forget revocations of tokens that have expired anyway."""
        self._tokens = {k: t for k, t in self._tokens.items() if t >= now}
        self._families = {k: t for k, t in self._families.items() if t >= now}
        self._players = {k: m for k, m in self._players.items() if m[1] >= now}

    def __len__(self) -> int:
        return len(self._tokens) + len(self._families) + len(self._players)


def _later(known: tuple[int, float] | None, r: Revocation) -> tuple[int, float]:
    mark = (r.issued_before or 0, r.expires_at)
    return mark if known is None else (max(known[0], mark[0]), max(known[1], mark[1]))


class RevocationListener(Follower):
    """Keeps a RevocationCache current from the database: LISTEN, re-read, poll."""

    channel = sessions.CHANNEL
    name = "revocations"

    def __init__(self, connect: Connect, *, wall: Callable[[], float] = time.time) -> None:
        super().__init__(connect)
        self.cache = RevocationCache()
        self._wall = wall
        self._horizon = 0
        self._purged_at = -float("inf")

    def refuses(self, jti: str | None, family: str | None, player_id: str, issued_at: int) -> bool:
        """True when a token with these claims has been revoked (RevocationCache.refuses)."""
        return self.cache.refuses(jti, family, player_id, issued_at)

    def note(self, revocation: Revocation) -> None:
        """Apply a revocation this process has just committed, before its NOTIFY comes back."""
        self.cache.apply([revocation])

    async def read(self, conn: Conn, began: float) -> None:
        """Apply the revocations committed since the last read; purge expired ones now and then."""
        found, horizon = await sessions.read_since(conn, self._horizon, self._max_age * 2)
        self.cache.apply(found)
        self._horizon = horizon
        if began - self._purged_at >= PURGE_EVERY:
            self._purged_at = began
            self.cache.prune(self._wall() - MARGIN)
            await sessions.purge(conn)
