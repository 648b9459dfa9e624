"""LOCAL STUB, never committed (see .git/info/exclude): the base commit imports this module,
which only exists uncommitted in another worktree."""

from typing import Any


class RevocationListener:
    def __init__(self, pool: Any) -> None:
        self.pool = pool

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
