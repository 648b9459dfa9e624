"""The C# SDK for Unity (sdk/csharp): built with Mono's `mcs` as C# 7.2, its test runner played
against a real `gameledger serve`, and its generated types checked against the live OpenAPI
document."""

import asyncio
import importlib.util
import os
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from harness.server import ServeCommand, service_env

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "sdk" / "csharp"
SERVICE = "arena"
SERVICE_PASSWORD = "arena-password-9"


def generator() -> ModuleType:
    """sdk/csharp/generate.py, loaded as a module (sdk/ is not a package)."""
    spec = importlib.util.spec_from_file_location("csharp_generate", SDK / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tool(name: str) -> str:
    """The path of a Mono tool, or a failure that says how to install it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"`{name}` is not installed: run `make tools` (Debian's mono-mcs and mono-devel)"
        )
    return path


async def run(*command: str, env: dict[str, str] | None = None, patience: float = 120) -> str:
    """Run a command to its end; its output, or a failure that shows it (and, past `patience`,
    the lines it had printed by then)."""
    process = await asyncio.create_subprocess_exec(
        *command, cwd=SDK, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    assert process.stdout is not None
    lines: list[str] = []

    async def read_all() -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            lines.append(line.decode(errors="replace"))
        await process.wait()

    try:
        await asyncio.wait_for(read_all(), patience)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"{command[0]} ran past {patience:.0f} s; its output so far:\n{''.join(lines)}")
    text = "".join(lines)
    assert process.returncode == 0, f"{' '.join(command)} exited {process.returncode}:\n{text}"
    return text


def sources(*folders: str) -> list[str]:
    """The .cs files of the SDK's folders, relative to sdk/csharp."""
    return [str(p.relative_to(SDK)) for f in folders for p in sorted((SDK / f).glob("*.cs"))]


async def build(out: Path) -> Path:
    """The SDK and its runner as one console program (and the Unity sample checked)."""
    mcs = tool("mcs")
    strict = ["-langversion:7.2", "-warnaserror+", "-nologo"]
    library = out / "GameLedger.dll"
    await run(mcs, *strict, "-t:library", f"-out:{library}", *sources("src/GameLedger"))
    unity = ["unity/UnityWebRequestTransport.cs", "tests/UnityEngineSignatures.cs"]
    await run(mcs, *strict, "-t:library", f"-r:{library}", f"-out:{out / 'Unity.dll'}", *unity)
    runner = out / "Runner.exe"
    tests = ["tests/Runner.cs", "tests/DropProxy.cs"]
    files = [*sources("src/GameLedger", "src/HttpClient"), *tests]
    await run(mcs, *strict, "-r:System.Net.Http", f"-out:{runner}", *files)
    return runner


async def make_service_account(db_dsn: str) -> None:
    """`gameledger admin create arena --role service`, as the README says."""
    env = {**service_env(db_dsn), "GAMELEDGER_ADMIN_PASSWORD": SERVICE_PASSWORD}
    python = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else "python3"
    command = [python, "-m", "cli.main", "admin", "create", SERVICE, "--role", "service"]
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()


async def test_the_runner_passes_against_a_real_server(db_dsn: str, tmp_path: Path) -> None:
    mono = tool("mono")
    runner = await build(tmp_path)
    await make_service_account(db_dsn)
    # Three signups per address in 10 s: the runner's fourth meets a real 429 (in a 3 s window,
    # a loaded machine's slow signups let the first fall out of the window before the fourth).
    env = service_env(db_dsn, WORKERS="1", SIGNUPS_PER_ADDRESS="3", SIGNUP_WINDOW_SECONDS="10")
    server = ServeCommand(env)
    try:
        await server.start()
        env = {**os.environ, "GAMELEDGER_SERVICE_PASSWORD": SERVICE_PASSWORD}
        output = await run(mono, str(runner), server.base + "/", SERVICE, env=env, patience=150)
    finally:
        await server.kill()
        server.close()
    print(output)  # the checks, shown with -rP
    assert output.rstrip().endswith("ALL OK"), output
    assert "ok - charged once" in output


def test_committed_types_match_the_live_openapi_document() -> None:
    gen = generator()
    stale = gen.stale_files(gen.live_document())
    assert not stale, (
        f"sdk/csharp/src/GameLedger/{stale} differ from /schema/openapi.json: run `make sdk`"
    )


def test_the_check_notices_a_renamed_field() -> None:
    gen = generator()
    doc = gen.live_document()
    props = doc["components"]["schemas"]["PurchaseResponse"]["properties"]
    props["balanceNow"] = props.pop("balance")
    assert gen.stale_files(doc) == ["Models.g.cs"]
