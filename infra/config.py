"""Configuration from environment variables (and an optional .env), validated at startup.

The public entry: the struct and its parsing are infra/settings.py, the rules and the masked
display infra/config_checks.py; each imports only the one before it.

Three places set a variable, the first that has it wins: the process's environment, `.env` in
the working folder, and (for the command line only) the env file `.gameledger/env` that
`gameledger serve --save-env` (`make run`) writes, so the operators' commands run with the
settings of the server they sit beside.
"""

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from infra.config_checks import MASK, masked, sourced, validate
from infra.settings import (
    _ECONOMY,
    _FIELDS,
    DATA_DIR,
    ConfigError,
    Network,
    Settings,
    parse,
    read_dotenv,
)

__all__ = [
    "DATA_DIR",
    "ENV_FILE",
    "MASK",
    "VARIABLES",
    "_ECONOMY",
    "_FIELDS",
    "ConfigError",
    "Network",
    "Settings",
    "layers",
    "load_settings",
    "masked",
    "sourced",
    "write_env_file",
]

ENV_FILE = DATA_DIR / "env"
VARIABLES = (*_FIELDS, *_ECONOMY)  # every variable the service reads
ENVIRONMENT, DOTENV, FROM_ENV_FILE, DEFAULT = "environment", ".env", "env file", "default"


def layers(
    env: Mapping[str, str] | None = None, *, env_file: bool = False
) -> dict[str, tuple[str, str]]:
    """Each set variable's text and where it came from, the first place that has it winning."""
    places: list[tuple[str, Mapping[str, str]]] = [
        (ENVIRONMENT, os.environ if env is None else env),
        (DOTENV, read_dotenv(Path(".env"))),
    ]
    if env_file:
        places.append((FROM_ENV_FILE, read_dotenv(ENV_FILE)))
    found: dict[str, tuple[str, str]] = {}
    for source, values in places:
        for var in VARIABLES:
            if var not in found and values.get(var, "") != "":
                found[var] = (values[var], source)
    return found


def load_settings(env: Mapping[str, str] | None = None, *, env_file: bool = False) -> Settings:
    """Settings from the environment over `.env` (over the env file when `env_file`), or a
    ConfigError naming the bad value."""
    source = {var: raw for var, (raw, _) in layers(env, env_file=env_file).items()}
    settings = parse(source)
    validate(settings)
    return settings


def write_env_file(env: Mapping[str, str] | None = None) -> Path:
    """Save the variables set in the environment and `.env` to the env file (owner-only: it
    may hold secrets), for the commands run beside this server."""
    found = layers(env)
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
    lines = [f"# written by `gameledger serve --save-env` at {stamp}; read by every command"]
    lines += [f"{var}={raw}" for var, (raw, _) in found.items() if "\n" not in raw]
    ENV_FILE.parent.mkdir(parents=True, exist_ok=True)
    partial = ENV_FILE.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)
    partial.write_text("\n".join(lines) + "\n")
    partial.replace(ENV_FILE)
    return ENV_FILE
