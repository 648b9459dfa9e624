"""Configuration from environment variables (and an optional .env), validated at startup."""

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import msgspec

from domain.commands import EconomyRules

MASK = "********"
DATA_DIR = Path(os.environ.get("GAMELEDGER_HOME", ".gameledger"))


class ConfigError(ValueError):
    """A bad configuration value; the message is one line naming the variable."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """The service's effective configuration."""

    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    jwt_secret: str | None = None
    environment: str = "development"
    frontend_url: str = ""
    log_format: str = "console"
    log_level: str = "INFO"
    token_ttl_seconds: int = 900
    max_body_bytes: int = 65536
    max_page_size: int = 100
    db_pool_min: int = 2
    db_pool_max: int = 20
    db_command_timeout: float = 5.0
    idempotency_retention_days: int = 0  # 0 keeps keys forever
    run_projectors: bool = True
    catalog_file: str | None = None
    # Coalesce concurrent top-ups and purchases into shared commits (infra/group_commit.py).
    group_commit: bool = False
    economy: EconomyRules = EconomyRules()

    @property
    def production(self) -> bool:
        """True when weak defaults must be refused."""
        return self.environment == "production"


_FIELDS: dict[str, tuple[str, type]] = {
    "DATABASE_URL": ("database_url", str),
    "HOST": ("host", str),
    "PORT": ("port", int),
    "WORKERS": ("workers", int),
    "JWT_SECRET": ("jwt_secret", str),
    "GAMELEDGER_ENV": ("environment", str),
    "FRONTEND_URL": ("frontend_url", str),
    "LOG_FORMAT": ("log_format", str),
    "LOG_LEVEL": ("log_level", str),
    "TOKEN_TTL_SECONDS": ("token_ttl_seconds", int),
    "MAX_BODY_BYTES": ("max_body_bytes", int),
    "MAX_PAGE_SIZE": ("max_page_size", int),
    "DB_POOL_MIN": ("db_pool_min", int),
    "DB_POOL_MAX": ("db_pool_max", int),
    "DB_COMMAND_TIMEOUT": ("db_command_timeout", float),
    "IDEMPOTENCY_RETENTION_DAYS": ("idempotency_retention_days", int),
    "RUN_PROJECTORS": ("run_projectors", bool),
    "CATALOG_FILE": ("catalog_file", str),
    "GROUP_COMMIT": ("group_commit", bool),
}
_ECONOMY: dict[str, str] = {
    "GENESIS_SUPPLY": "genesis_supply",
    "TREASURY_SHARDS": "shard_count",
    "TOP_UP_MAX": "top_up_max",
    "REFERRAL_BONUS": "referral_bonus",
    "MAX_QUANTITY": "max_quantity",
}
_CHOICES = {
    "log_format": {"json", "console"},
    "log_level": {"DEBUG", "INFO", "WARNING", "ERROR"},
    "environment": {"development", "production", "test"},
}


def _convert(name: str, raw: str, kind: type) -> Any:
    if kind is bool:
        if raw.lower() not in {"1", "0", "true", "false", "yes", "no"}:
            raise ConfigError(f"{name}={raw!r}: expected true or false")
        return raw.lower() in {"1", "true", "yes"}
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected {kind.__name__}") from None


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file (comments and blanks ignored)."""
    if not path.is_file():
        return {}
    pairs = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip().strip("'\"")
    return pairs


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Settings from the environment over `.env`, or a ConfigError naming the bad value."""
    source = {**read_dotenv(Path(".env")), **(os.environ if env is None else env)}
    values: dict[str, Any] = {}
    for var, (field, kind) in _FIELDS.items():
        if source.get(var, "") != "":
            values[field] = _convert(var, source[var], kind)
    economy = {f: _convert(v, source[v], int) for v, f in _ECONOMY.items() if source.get(v)}
    values["economy"] = EconomyRules(**economy)
    settings = Settings(**values)
    _validate(settings)
    return settings


def _validate(s: Settings) -> None:
    for field, allowed in _CHOICES.items():
        if getattr(s, field) not in allowed:
            raise ConfigError(f"{field.upper()}={getattr(s, field)!r}: one of {sorted(allowed)}")
    if not 0 < s.port < 65536:
        raise ConfigError(f"PORT={s.port}: expected 1-65535")
    if s.workers < 1:
        raise ConfigError(f"WORKERS={s.workers}: expected at least 1")
    e = s.economy
    # A negative bonus would debit the new player; a zero max quantity would refuse every purchase.
    if e.shard_count < 1 or e.top_up_max < 1 or e.max_quantity < 1:
        raise ConfigError("economy settings must be positive")
    if e.genesis_supply < 0 or e.referral_bonus < 0:
        raise ConfigError("economy settings must not be negative")
    if s.production and (s.jwt_secret is None or len(s.jwt_secret.encode()) < 32):
        raise ConfigError("JWT_SECRET: at least 32 bytes are required in production")


def masked(settings: Settings) -> dict[str, Any]:
    """The configuration as a dict with secrets masked, for `gameledger config`."""
    data: dict[str, Any] = msgspec.to_builtins(settings)
    if data.get("jwt_secret"):
        data["jwt_secret"] = MASK
    if data.get("database_url"):
        data["database_url"] = _mask_url(data["database_url"])
    return data


def _mask_url(url: str) -> str:
    # The netloc's last '@' ends the credentials (asyncpg parses it so): a password may hold '@'.
    parts = urlsplit(url)
    creds, at, host = parts.netloc.rpartition("@")
    if not at or ":" not in creds:
        return url
    user = creds.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))
