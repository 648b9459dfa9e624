"""Configuration from environment variables (and an optional .env), validated at startup.

The public entry: the struct and its parsing are infra/settings.py, the rules and the masked
display infra/config_checks.py; each imports only the one before it.
"""

import os
from pathlib import Path

from infra.config_checks import MASK, masked, validate
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
    "MASK",
    "_ECONOMY",
    "_FIELDS",
    "ConfigError",
    "Network",
    "Settings",
    "load_settings",
    "masked",
]


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Settings from the environment over `.env`, or a ConfigError naming the bad value."""
    settings = parse({**read_dotenv(Path(".env")), **(os.environ if env is None else env)})
    validate(settings)
    return settings
