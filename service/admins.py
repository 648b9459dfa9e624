"""Operators' and game servers' accounts: `gameledger admin create` and the tools that need an
admin (the harness, the bench, the tests) make them here."""

from typing import Literal

import argon2
import asyncpg

from domain.commands import SignUp
from infra import credentials
from infra.catalog import load_catalog
from infra.config import Settings
from service.ledger import LedgerService
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
    ledger = LedgerService(
        pool, catalog=load_catalog(settings.catalog_file), rules=settings.economy
    )
    await ledger.sign_up(SignUp(username=username), password_hash, role=role)
    return "created"
