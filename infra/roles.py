"""Each process's copy of the privileged (service and admin) accounts, never more than MAX_AGE
seconds behind the credentials table.

The write side refuses to credit or spend a privileged account's wallet (domain/roles.py). A
purchase or a gift must not pay a database round trip for that, and roles change rarely, so
every process keeps the set of their ids in memory: infra/follower.py's loop re-reads it (one
query through a partial index) when a trigger NOTIFYs a role change, and every POLL seconds as
the backstop. As with the revocations, the copy is trusted only while its last read began less
than MAX_AGE seconds ago, so a promotion holds everywhere within a second of its commit; an
older copy refuses the writes that need it with 503 rather than guess.
"""

from collections.abc import Set

from domain.account_errors import RolesUnavailable
from infra import credentials
from infra.db import Conn
from infra.follower import Follower


class RolesFollower(Follower):
    """The privileged account ids, kept current from the database: LISTEN, re-read, poll."""

    channel = credentials.CHANNEL
    name = "roles"
    _ids: frozenset[str] = frozenset()

    async def privileged(self) -> Set[str]:
        """The ids, waiting briefly for a fresh read when the copy is stale; RolesUnavailable
        (503) when it stays so."""
        await self.current()
        if not self.trusted():
            raise RolesUnavailable("the service cannot read the accounts' roles right now")
        return self._ids

    async def read(self, conn: Conn, began: float) -> None:
        """Replace the copy with the table's current privileged ids."""
        self._ids = await credentials.privileged_ids(conn)
