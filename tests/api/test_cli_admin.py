"""`gameledger admin create USERNAME` as an operator runs it: a real process, a real database."""

import asyncio
import os
import sys

import asyncpg
import pytest

from infra import credentials

PASSWORD = "operator-password-9"


async def gameledger(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


@pytest.fixture
def env(db_dsn: str) -> dict[str, str]:
    return {"DATABASE_URL": db_dsn, "GAMELEDGER_ADMIN_PASSWORD": PASSWORD, "JWT_SECRET": ""}


async def test_admin_create_then_promote(db_dsn: str, env: dict[str, str]) -> None:
    status, output = await gameledger("admin", "create", "root_op", env=env)
    assert status == 0, output
    assert "created" in output
    assert PASSWORD not in output
    status, output = await gameledger("admin", "create", "root_op", env=env)
    assert status == 0, output
    assert "promoted" in output
    conn = await asyncpg.connect(db_dsn)
    try:
        login = await credentials.by_username(conn, "root_op")
    finally:
        await conn.close()
    assert login is not None
    assert login.role == "admin"
    assert login.password_hash.startswith("$argon2id$")


async def test_admin_create_refuses_a_short_password(env: dict[str, str]) -> None:
    status, output = await gameledger(
        "admin", "create", "op2", env={**env, "GAMELEDGER_ADMIN_PASSWORD": "short"}
    )
    assert status == 1
    assert "8-128" in output


async def test_admin_create_refuses_a_bad_username(env: dict[str, str]) -> None:
    status, output = await gameledger("admin", "create", "no spaces", env=env)
    assert status == 1
    assert "usernames" in output
