"""The README's sessions are executable: each ```console block runs against a fresh server.

A block is a shell session: a line starting `$ ` is a command, the lines after it (up to the next
`$ `) are its documented output. Each block gets its own `gameledger serve` over a fresh database
(with the repository's catalog.json, as `make run`), and runs in one bash with `B` set to the
server's base URL, `J` to `Content-Type: application/json`, `gameledger` on the PATH and
`DATABASE_URL` naming the server's database; variables (`TOKEN=$(jq -r .token carol.json)`) carry
from one command to the next. Every block runs:
none is skipped.

Each documented output line is compared with the real one: a JSON line must have the same keys,
recursively, and the same values except volatile ones (ids, tokens, times, the random escrow
shard: see `volatile`); a text line must match once measured numbers, ids, times, shards and
global positions are masked. A GET that differs is asked again for up to READ_PATIENCE seconds:
some reads (`held`, the trades list) come from read models that follow the write a moment later.
"""

import asyncio
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import pytest

from harness.server import ROOT, ServeCommand, service_env

README = ROOT / "README.md"
READ_PATIENCE = 3.0
_MARK = "@@readme-step@@"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SHORT_ID = re.compile(r"\b[0-9a-f]{8}-\.\.\.")
_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?Z?")
_DECIMAL = re.compile(r"\d+\.\d+")
_JWT = re.compile(r"^eyJ[\w-]+\.[\w-]+\.[\w-]+$")
_SHARD = re.compile(r"shard:(?:[a-z_]+:)?\d+")  # a top-up draws from a random escrow shard
_POSITION = re.compile(r"#\d+")  # global positions skip what a conflict rolled back
_RATE = re.compile(r"[\d,]+ ev/s")
# Values chosen at random or by the clock; their presence is checked, not their value.
VOLATILE_KEYS = {"referralCode", "token", "refreshToken", "seconds"}


@dataclass
class Step:
    """One command of a session and the output the README shows for it."""

    command: str
    output: list[str] = field(default_factory=list)


def sessions(markdown: str) -> list[list[Step]]:
    """The README's ```console blocks, each as its steps."""
    blocks: list[list[Step]] = []
    current: list[Step] | None = None
    for line in markdown.splitlines():
        if current is None:
            if line.strip() == "```console":
                current = []
        elif line.strip() == "```":
            blocks.append(current)
            current = None
        elif line.startswith("$ "):
            current.append(Step(line[2:]))
        elif current and line.strip():
            current[-1].output.append(line)
    return blocks


def volatile(key: str, value: Any) -> bool:
    """A value that differs from run to run: an id, a token, a time or a random code."""
    if key in VOLATILE_KEYS:
        return True
    if not isinstance(value, str):
        return False
    found = _UUID.search(value) or _TIME.fullmatch(value) or _JWT.match(value)
    return bool(found or _SHARD.search(value))


def differences(documented: Any, real: Any, where: str = "") -> list[str]:
    """Where `real` departs from `documented`: keys missing or extra, values that differ."""
    if isinstance(documented, dict) and isinstance(real, dict):
        found = [f"{where}.{k}: documented, not returned" for k in documented if k not in real]
        found += [f"{where}.{k}: returned, not documented" for k in real if k not in documented]
        for key in documented.keys() & real.keys():
            found += differences(documented[key], real[key], f"{where}.{key}")
        return found
    if isinstance(documented, list) and isinstance(real, list):
        if len(documented) != len(real):
            return [f"{where}: {len(documented)} items documented, {len(real)} returned"]
        return [d for i, pair in enumerate(zip(documented, real, strict=True))
                for d in differences(*pair, f"{where}[{i}]")]  # fmt: skip
    key = where.rsplit(".", 1)[-1]
    if volatile(key, documented) and volatile(key, real):
        return []
    if documented != real:
        return [f"{where or 'value'}: documented {documented!r}, returned {real!r}"]
    return []


def masked(line: str) -> str:
    """A text line with its ids, times and measured numbers replaced by placeholders."""
    for pattern, placeholder in (
        (_UUID, "<id>"), (_SHORT_ID, "<id>..."), (_TIME, "<time>"), (_SHARD, "shard:<k>"),
        (_POSITION, "#<n>"), (_RATE, "<n> ev/s"),
    ):  # fmt: skip
        line = pattern.sub(placeholder, line)
    line = re.sub(r"(?<=<id>)\.\.\.", "", line)
    return re.sub(r"\s+", " ", _DECIMAL.sub("<n>", line)).strip()


def compare(step: Step, real: list[str]) -> list[str]:
    """How the real output of a step departs from its documented output."""
    if len(step.output) != len(real):
        return [f"{len(step.output)} lines documented, {len(real)} printed: {real}"]
    found: list[str] = []
    for documented, printed in zip(step.output, real, strict=True):
        try:
            doc_json = msgspec.json.decode(documented)
        except msgspec.DecodeError:
            if masked(documented) != masked(printed):
                found.append(f"documented {documented!r}, printed {printed!r}")
            continue
        try:
            found += differences(doc_json, msgspec.json.decode(printed))
        except msgspec.DecodeError:
            found.append(f"documented JSON, printed {printed!r}")
    return found


class Shell:
    """One bash that runs a block's commands one at a time, so variables carry over."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        # bash running the README's own commands
        self.process = subprocess.Popen(
            ["/bin/bash"], cwd=folder, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def run(self, command: str) -> list[str]:
        """The command's output lines (stdout and stderr, blank lines dropped)."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(f"{command}\nprintf '\\n{_MARK}\\n'\n")
        self.process.stdin.flush()
        lines: list[str] = []
        for line in self.process.stdout:
            if line.strip() == _MARK:
                return lines
            if line.strip():
                lines.append(line.rstrip("\n"))
        raise RuntimeError(f"bash ended during {command!r}: {lines}")

    def close(self) -> None:
        """End the shell (killed if it does not exit)."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


def is_read(command: str) -> bool:
    """A GET: the read models behind some reads (held, trades) catch up a moment after a write."""
    return command.startswith("curl") and " -X " not in command


def play(block: list[Step], env: dict[str, str], folder: Path) -> list[str]:
    """Run the block's commands in order; how each one's output departs from the README's.

    A read that differs is asked again for up to READ_PATIENCE seconds before it counts.
    """
    shell = Shell(env, folder)
    problems: list[str] = []
    try:
        for step in block:
            found = compare(step, shell.run(step.command))
            deadline = time.monotonic() + READ_PATIENCE
            while found and is_read(step.command) and time.monotonic() < deadline:
                time.sleep(0.1)
                found = compare(step, shell.run(step.command))
            problems += [f"$ {step.command}\n    {problem}" for problem in found]
    finally:
        shell.close()
    return problems


def shell_env(server: ServeCommand) -> dict[str, str]:
    """The session's environment: B, J, DATABASE_URL and the venv's `gameledger` first on PATH."""
    venv_bin = str(Path(sys.executable).parent)
    return {
        **server.env,
        "B": server.base,
        "J": "Content-Type: application/json",
        "PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
    }


def _console_blocks() -> list[list[Step]]:
    return sessions(README.read_text())


@pytest.mark.parametrize("index", range(len(_console_blocks())))
async def test_the_readme_session_runs_as_documented(
    index: int, db_dsn: str, tmp_path: Path
) -> None:
    block = _console_blocks()[index]
    server = ServeCommand(service_env(db_dsn, CATALOG_FILE=str(ROOT / "catalog.json")))
    try:
        await server.start()
        problems = await asyncio.to_thread(play, block, shell_env(server), tmp_path)
    finally:
        await server.kill()
        server.close()
    assert problems == [], "\n".join(problems)


# The comparison itself, on a block that drifted from the real output.
_REAL = (
    '{"transferId":"1302474c-6072-483d-8b7d-aa207c17806c","balance":150,"wallet":{"diamond":150}}'
)


def test_a_renamed_field_is_a_difference() -> None:
    step = Step("curl", [_REAL.replace('"wallet"', '"purse"')])
    assert compare(step, [_REAL]) == [
        ".purse: documented, not returned",
        ".wallet: returned, not documented",
    ]


def test_ids_differ_freely_but_balances_do_not() -> None:
    other_id = _REAL.replace("1302474c", "99999999")
    assert compare(Step("curl", [_REAL]), [other_id]) == []
    poorer = _REAL.replace('"balance":150', '"balance":100')
    assert compare(Step("curl", [_REAL]), [poorer]) == [".balance: documented 150, returned 100"]


def test_text_lines_are_compared_with_timings_and_ids_masked() -> None:
    documented = Step("gameledger audit", ["audit: 22 events in 20 streams (0.024 s)"])
    slower = documented.output[0].replace("0.024", "1.5")
    assert compare(documented, [slower]) == []
    assert compare(documented, [documented.output[0].replace("22", "23")]) != []


def test_blocks_are_parsed_into_commands_and_outputs() -> None:
    markdown = "```console\n$ # the health probe\n$ curl -s $B/health\n{}\n```\n"
    (block,) = sessions(markdown)
    assert [s.command for s in block] == ["# the health probe", "curl -s $B/health"]
    assert block[1].output == ["{}"]
