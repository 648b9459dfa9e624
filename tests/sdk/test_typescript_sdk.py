"""The TypeScript SDK (sdk/typescript): its node suite against a real `gameledger serve`, and its
committed types against the live OpenAPI document.

Node and npm come from Debian (`make tools`); without them these tests fail, saying so. The SDK's
packages are installed with `npm ci` from the committed package-lock.json, only when
sdk/typescript/node_modules is missing.
"""

import asyncio
import contextlib
import difflib
import fcntl
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import pytest

from harness.server import ROOT, ServeCommand, service_env

SDK = ROOT / "sdk" / "typescript"
SERVICE_USER = "sdk_game"
SERVICE_PASSWORD = "service-password-9"
# The suite's throttle test: a third login within 2 s of two failures is a 429 with Retry-After.
# A 6 s window: on a loaded machine the refused login and the patient one must both fall in it.
THROTTLE = {"LOGIN_FAILURES_PER_ACCOUNT": "2", "LOGIN_WINDOW_SECONDS": "6"}
QUIET_NPM = {"NO_UPDATE_NOTIFIER": "1", "npm_config_update_notifier": "false"}


def node_and_npm() -> tuple[str, str]:
    """The paths of node and npm, or a failure that says how to install them."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(
            "node and npm are needed for the TypeScript SDK's tests and are missing: "
            "`make tools` installs Debian's nodejs and npm (or `apt-get install -y nodejs npm`)"
        )
    return node, npm


async def run(*argv: str, cwd: Path, env: dict[str, str], limit: float) -> tuple[int, str]:
    """Run a command to its end; its exit status and its output (stdout and stderr)."""
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), limit)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"{' '.join(argv)} took longer than {limit:.0f} s")
    return process.returncode or 0, output.decode(errors="replace")


@contextlib.contextmanager
def sdk_lock() -> Iterator[None]:
    """One `npm ci` at a time: the two tests may run at once on two xdist workers."""
    with (SDK / ".install.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def node_packages(npm: str) -> None:
    """`npm ci` from the committed lock file, unless node_modules is already there."""
    with sdk_lock():
        if (SDK / "node_modules").is_dir():
            return
        status, output = await run(npm, "ci", cwd=SDK, env={**os.environ, **QUIET_NPM}, limit=300)
        assert status == 0, f"npm ci failed in {SDK}:\n{output[-3000:]}"


async def create_service_account(db_dsn: str) -> None:
    """A game server's account, made as an operator makes one (`gameledger admin create`)."""
    env = service_env(db_dsn, GAMELEDGER_ADMIN_PASSWORD=SERVICE_PASSWORD)
    argv = ("-m", "cli.main", "admin", "create", SERVICE_USER, "--role", "service")
    status, output = await run(sys.executable, *argv, cwd=ROOT, env=env, limit=120)
    assert status == 0, output


async def test_the_typescript_sdk_passes_its_suite_against_gameledger_serve(db_dsn: str) -> None:
    _, npm = node_and_npm()
    await node_packages(npm)
    await create_service_account(db_dsn)
    server = ServeCommand(
        service_env(db_dsn, WORKERS="1", DB_POOL_MAX="5", SIGNUPS_PER_ADDRESS="1000", **THROTTLE)
    )
    try:
        await server.start()
        async with httpx.AsyncClient(base_url=server.base) as client:
            served = (await client.get("/schema/openapi.json")).json()
        committed = msgspec.json.decode((SDK / "openapi.json").read_bytes())
        assert served == committed, "the served document is not the SDK's: run `make sdk`"
        env = {
            **os.environ,
            **QUIET_NPM,
            "GAMELEDGER_URL": server.base,
            "GAMELEDGER_SERVICE_USER": SERVICE_USER,
            "GAMELEDGER_SERVICE_PASSWORD": SERVICE_PASSWORD,
        }
        status, output = await run(npm, "test", cwd=SDK, env=env, limit=300)
    finally:
        await server.kill()
        server.close()
    assert status == 0, failures(output)


async def test_the_committed_types_match_the_live_openapi_document(tmp_path: Path) -> None:
    # The same two steps as `make sdk`, into a scratch folder, then compared byte for byte.
    node, npm = node_and_npm()
    await node_packages(npm)
    document, types = tmp_path / "openapi.json", tmp_path / "schema.ts"
    script = str(SDK / "scripts" / "openapi_document.py")
    status, output = await run(
        sys.executable, script, str(document), cwd=ROOT, env=dict(os.environ), limit=120
    )
    assert status == 0, output
    assert_same(SDK / "openapi.json", document)
    generate = ("scripts/generate.mjs", str(document), str(types))
    status, output = await run(node, *generate, cwd=SDK, env=dict(os.environ), limit=120)
    assert status == 0, output
    assert_same(SDK / "src" / "schema.ts", types)


def failures(output: str) -> str:
    """The failed tests' reports from node's TAP output (and its summary), else its end."""
    lines = output.splitlines()
    starts = [n for n, line in enumerate(lines) if line.lstrip().startswith("not ok")]
    if not starts:
        return output[-8000:]
    shown = ["\n".join(lines[n : n + 40]) for n in starts[:5]]
    return "\n...\n".join([*shown, "\n".join(lines[-9:])])


def assert_same(committed: Path, fresh: Path) -> None:
    """Fail, with the start of a diff, when `committed` differs from what was just generated."""
    old, new = committed.read_text(), fresh.read_text()
    if old == new:
        return
    diff = difflib.unified_diff(
        old.splitlines(), new.splitlines(), str(committed.relative_to(ROOT)), "live", lineterm=""
    )
    shown = "\n".join(list(diff)[:60])
    pytest.fail(f"{committed.relative_to(ROOT)} is stale: run `make sdk` and commit.\n{shown}")
