"""schemathesis over every operation of the service's own OpenAPI document.

The schemathesis command line runs in a subprocess against the live server with an admin's
token (an admin may call every operation, so generated requests reach the ledger): its
examples, coverage (boundary and negative values of every parameter), fuzzing and stateful
phases, the last following the links the document defines or schemathesis infers from it
(our document declares none). Checks: no server error, and every status code, content type,
header and body as documented. The JSON report gives the figures.
"""

import asyncio
import json
import random
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
PHASES = "examples,coverage,fuzzing,stateful"
QUICK_PHASES = "examples,fuzzing,stateful"  # coverage alone takes ~10 s whatever the size


@dataclass(frozen=True)
class FuzzReport:
    """What one schemathesis run found."""

    exit_code: int
    seed: int
    operations: int
    test_cases: int
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    phases: dict[str, str] = field(default_factory=dict)
    links: str = "none"  # the stateful phase's links: covered / selected / total (inferred)


async def schemathesis(base: str, token: str, examples: int, *, quick: bool) -> FuzzReport:
    """Run schemathesis with `examples` per operation; quick runs are deterministic."""
    seed = 1 if quick else random.randrange(2**31)
    with tempfile.TemporaryDirectory(prefix="gameledger-fuzz-") as folder:
        report = Path(folder) / "report.json"
        command = [
            sys.executable, "-m", "schemathesis.cli", "run", f"{base}/schema/openapi.json",
            "--max-examples", str(examples), "--phases", QUICK_PHASES if quick else PHASES,
            "--checks", ",".join(CHECKS), "--header", f"Authorization: Bearer {token}",
            "--seed", str(seed), "--workers", "1", "--suppress-health-check", "all",
            "--request-timeout", "30", "--no-color",
            "--report", "json", "--report-json-path", str(report), "--report-dir", folder,
        ]  # fmt: skip
        # No example database either way: deterministic runs imply none.
        command += ["--generation-deterministic"] if quick else ["--generation-database", "none"]
        # In the temporary folder: schemathesis leaves its cache (.schemathesis/) in the cwd.
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=folder,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        if not report.exists():
            text = output.decode(errors="replace")[-2000:]
            return FuzzReport(process.returncode or 1, seed, 0, 0, errors=[text])
        links = re.search(r"API Links:\s*(.+)", output.decode(errors="replace"))
        return _read(json.loads(report.read_text()), seed, links.group(1) if links else "none")


def _read(document: dict[str, Any], seed: int, links: str) -> FuzzReport:
    return FuzzReport(
        exit_code=int(document.get("exit_code", 1)),
        seed=seed,
        operations=int(document["operations"]["tested"]),
        test_cases=int(document["test_cases"]["generated"]),
        failures=[_short(f) for f in document.get("failures", [])],
        errors=[_short(e) for e in document.get("errors", [])],
        phases={name: p["status"] for name, p in document.get("phases", {}).items()},
        links=links.strip(),
    )


def _short(entry: Any) -> str:
    return json.dumps(entry, default=str)[:500]
