"""A studio's first day (issue 25), as a newcomer lives it: `make run`'s settings, then the
operators' commands beside it. Real processes over a real database; each leaves nothing running.

- `gameledger audit` passes right after the server applied the example catalog (it failed with
  "item 'starter_pack' is not in catalog version 0": the CLI fell back to the built-in catalog);
- `gameledger config` names the live catalog's version and source, and each value's source;
- `catalog apply` names a genesis only when one was minted.
"""

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.server import ROOT, ServerProcess, service_env
from infra import embedded

EXAMPLE = ROOT / "catalog.json"
# What the command line must not inherit from the test's own environment: it is to find them in
# the env file the server saved.
SERVER_ONLY = ("DATABASE_URL", "GAMELEDGER_DSN", "CATALOG_FILE", "JWT_SECRET")


class MakeRun(ServerProcess):
    """`gameledger serve --save-env`, as `make run` starts it."""

    async def start(self, ready_timeout: float = 60.0) -> float:
        """Start it on this port and wait for /health."""
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli.main", "serve", "--save-env", cwd=ROOT, env=env,
            stdout=self._log, stderr=self._log)  # fmt: skip
        await self.wait_ready(ready_timeout)
        return 0.0


async def gameledger(home: Path, *args: str, **extra: str) -> tuple[int, str, str]:
    """A command as an operator types it beside the server: (status, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if k not in SERVER_ONLY}
    env |= {"GAMELEDGER_HOME": str(home), **extra}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", *args, cwd=ROOT, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


@pytest.fixture
async def make_run(db_dsn: str, tmp_path: Path) -> AsyncIterator[MakeRun]:
    """The server with `make run`'s settings (CATALOG_FILE=catalog.json), its home in tmp."""
    env = service_env(db_dsn, CATALOG_FILE=str(EXAMPLE), GAMELEDGER_HOME=str(tmp_path))
    server = MakeRun(env)
    try:
        await server.start()
        yield server
    finally:
        await server.stop()
        server.close()


async def buy_a_starter_pack(base: str) -> None:
    """A player signs up, tops up and buys an item only the example catalog has."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        user = {"username": "newcomer", "password": "correct-horse-9"}
        assert (await http.post("/signup", json=user)).status_code == 201
        token = (await http.post("/login", json=user)).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert (await http.post("/top-up", json={"amount": 500}, headers=auth)).status_code == 200
        bought = await http.post("/purchase", json={"item": "starter_pack"}, headers=auth)
        assert bought.status_code == 200, bought.text


async def test_the_audit_passes_right_after_make_run_applied_the_example_catalog(
    make_run: MakeRun, db_dsn: str, tmp_path: Path
) -> None:
    await buy_a_starter_pack(make_run.base)
    # With the env file only (no DATABASE_URL, no CATALOG_FILE of its own) ...
    status, out, err = await gameledger(tmp_path, "audit")
    assert status == 0, out + err
    assert out.rstrip().endswith("all checks hold")
    # ... and with the database named but no catalog file: the catalog comes from the log.
    status, out, err = await gameledger(tmp_path, "audit", DATABASE_URL=db_dsn)
    assert status == 0, out + err


async def test_config_names_the_live_catalog_and_where_each_value_came_from(
    make_run: MakeRun, tmp_path: Path
) -> None:
    status, out, err = await gameledger(tmp_path, "config", LOG_LEVEL="debug")
    assert status == 0, err
    shown = json.loads(out)
    assert shown["catalog"]["version"] == 1
    assert shown["catalog"]["source"].startswith(f"CATALOG_FILE={EXAMPLE}, applied by")
    assert shown["envFile"] == str(tmp_path / "env")
    values = shown["settings"]
    assert values["CATALOG_FILE"] == {"value": str(EXAMPLE), "source": "env file"}
    assert values["DATABASE_URL"]["source"] == "env file"
    assert values["LOG_LEVEL"] == {"value": "DEBUG", "source": "environment"}
    assert values["WORKERS"] == {"value": 1, "source": "default"}
    assert values["JWT_SECRET"]["value"] == "********"


async def test_catalog_apply_says_genesis_was_minted_only_when_it_was(
    make_run: MakeRun, tmp_path: Path
) -> None:
    status, out, _ = await gameledger(tmp_path, "catalog", "apply", str(EXAMPLE))
    assert (status, out) == (0, "catalog version 1 is this file already: nothing applied\n")
    catalog: dict[str, Any] = json.loads(EXAMPLE.read_text())
    catalog["items"].append({"code": "badge", "name": "Badge", "price": 5})
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(catalog))
    status, out, err = await gameledger(tmp_path, "catalog", "apply", str(changed))
    assert (status, out) == (0, "catalog version 2 applied\n"), err
    catalog["currencies"].append({"code": "ruby", "name": "Ruby", "supply": 1000})
    changed.write_text(json.dumps(catalog))
    status, out, err = await gameledger(tmp_path, "catalog", "apply", str(changed))
    assert (status, out) == (0, "catalog version 3 applied; genesis minted for ruby\n"), err


async def test_a_restart_keeps_the_live_catalog_and_a_changed_file_is_applied(
    db_dsn: str, tmp_path: Path
) -> None:
    changed = tmp_path / "changed.json"
    catalog: dict[str, Any] = json.loads(EXAMPLE.read_text())
    catalog["items"].append({"code": "badge", "name": "Badge", "price": 5})
    changed.write_text(json.dumps(catalog))
    env = service_env(db_dsn, GAMELEDGER_HOME=str(tmp_path))
    # The same file twice is one version; a changed one is the next.
    for path, expected in ((EXAMPLE, 1), (EXAMPLE, 1), (changed, 2)):
        server = MakeRun({**env, "CATALOG_FILE": str(path)})
        try:
            await server.start()
        finally:
            await server.stop()
            server.close()
        _, out, _ = await gameledger(tmp_path, "config")
        assert json.loads(out)["catalog"]["version"] == expected


def _postgres_of(data_dir: Path) -> list[int]:
    """Pids of processes whose command line names `data_dir` (the embedded server's)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                line = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if str(data_dir) in line and "postgres" in line:
                found.append(int(proc.name))
    return found


async def test_a_command_stops_the_embedded_postgres_it_started_and_only_that(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (tmp_path / "pg").resolve()
    status, out, err = await gameledger(tmp_path, "migrate")
    assert status == 0, err
    assert out.startswith("applied: ")
    deadline = time.monotonic() + 10
    # The postmaster exiting: polling /proc, there is nothing to wait on.
    while _postgres_of(data) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    assert _postgres_of(data) == []
    assert not (data / "postmaster.pid").exists()
    # One already running (as `make run`'s) is left running.
    monkeypatch.setattr(embedded, "DATA_DIR", tmp_path)
    try:
        embedded.ensure_running("pg")
        status, out, err = await gameledger(tmp_path, "migrate")
        assert (status, out) == (0, "schema is up to date\n"), err
        assert embedded.running("pg")
    finally:
        embedded.stop("pg")
    assert _postgres_of(data) == []


async def test_admin_create_without_a_terminal_says_so_in_one_line(
    db_dsn: str, tmp_path: Path
) -> None:
    status, out, err = await gameledger(tmp_path, "admin", "create", "ops", DATABASE_URL=db_dsn)
    assert status == 1
    assert (out, err) == (
        "",
        "gameledger: no terminal to ask the password on: set GAMELEDGER_ADMIN_PASSWORD\n",
    )
