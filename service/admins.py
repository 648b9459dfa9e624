"""Operators' and game servers' accounts: `gameledger admin create` and the tools that need an
admin (the harness, the bench, the tests) make them here."""

from typing import Literal

import argon2
import asyncpg

from domain.commands import SignUp
from infra import credentials
from infra.config import Settings
from service.bootstrap import bootstrap
from service.job import Sender
from service.passwords import Passwords


async def create_admin(
    pool: asyncpg.Pool,
    settings: Settings,
    username: str,
    password: str,
    hasher: argon2.PasswordHasher | None = None,
    role: str = "admin",
) -> Literal["created", "promoted"]:
    """Sign up `username` with the admin (or service) role, or promote the existing login."""
    password_hash = await Passwords(hasher).hash(password)
    async with pool.acquire() as conn:
        login = await credentials.by_username(conn, username)
        if login is not None:
            await credentials.set_role(conn, login.player_id, role, password_hash)
            return "promoted"
    ledger = bootstrap(settings, pool)
    try:
        opening = Sender(password_hash=password_hash, role=role)
        await ledger.handle(SignUp(username=username), caller=opening)
    finally:
        await ledger.close()
    return "created"
