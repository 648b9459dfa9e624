"""Password hashing with argon2id, off the event loop and bounded.

A hash costs tens of milliseconds and 64 MiB by design, so it runs in a worker thread (a burst of
logins never stalls other requests) and at most `concurrency` run at once (a burst cannot take
all the memory either). Unknown usernames are checked against a dummy hash, so a login takes as
long whether or not the account exists.
"""

import asyncio
import os
import secrets

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Passwords:
    """Hashes and verifies passwords; says when a stored hash uses outdated parameters."""

    def __init__(self, hasher: argon2.PasswordHasher | None = None, concurrency: int = 0) -> None:
        self.hasher = hasher or argon2.PasswordHasher()  # argon2id, RFC 9106 defaults
        # One core stays free for the event loop: a login burst must not stall /health or
        # purchases (measured by the abuse scenario: /health p99 76-83 ms with every core hashing).
        self._slots = asyncio.Semaphore(concurrency or max(1, (os.cpu_count() or 2) - 1))
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        """An argon2id hash of `password`."""
        async with self._slots:
            return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        """True when `password` matches `stored`; with no stored hash, False just as slowly."""
        if stored is None:
            stored = await self._dummy_hash()
            await self._check(stored, password)
            return False
        return await self._check(stored, password)

    def needs_rehash(self, stored: str) -> bool:
        """True when `stored` was made with other parameters than the current ones."""
        try:
            return self.hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True

    async def _check(self, stored: str, password: str) -> bool:
        async with self._slots:
            return await asyncio.to_thread(self._verify_sync, stored, password)

    def _verify_sync(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(16))
        return self._dummy
