"""The configuration's checks (every rule a value must follow) and its masked display."""

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import msgspec

from infra.settings import _CHOICES, _ECONOMY, _FIELDS, ConfigError, Settings

MASK = "********"
_VARS = {field: var for var, (field, _) in _FIELDS.items()}
# Zero workers, pool, timeout, page or body size, token lifetime, shards or purchase size would
# refuse every request; a negative bonus would debit the new player.
_POSITIVE = {
    "WORKERS", "TOKEN_TTL_SECONDS", "REFRESH_TTL_SECONDS", "MAX_BODY_BYTES", "MAX_HEADER_BYTES",
    "MAX_PAGE_SIZE",
    "DB_POOL_MAX", "DB_COMMAND_TIMEOUT", "TREASURY_SHARDS", "TOP_UP_MAX", "MAX_QUANTITY",
    "LOGIN_FAILURES_PER_ACCOUNT", "LOGIN_FAILURES_PER_ADDRESS", "LOGIN_WINDOW_SECONDS",
    "SIGNUPS_PER_ADDRESS", "SIGNUP_WINDOW_SECONDS", "GIFT_DAILY_LIMIT", "HOLD_MAX_SECONDS",
    "NATS_DUPLICATE_WINDOW_SECONDS", "WEBHOOK_TIMEOUT_SECONDS", "WEBHOOK_RETRY_SECONDS",
    "WEBHOOK_BACKOFF_SECONDS", "LOGIN_DELAY_AFTER", "REPLICA_MAX_LAG_MS",
}  # fmt: skip
_NOT_NEGATIVE = {"DB_POOL_MIN", "IDEMPOTENCY_RETENTION_DAYS", "GENESIS_SUPPLY", "REFERRAL_BONUS"}
_NOT_NEGATIVE |= {"NATS_RETENTION_DAYS", "LOGIN_DELAY_FIRST_SECONDS", "LOGIN_DELAY_MAX_SECONDS"}
_NOT_NEGATIVE |= {"REPLICA_WAIT_MS"}  # 0: a read never waits for the standby


def validate(s: Settings) -> None:
    """Raise a ConfigError naming the first value that breaks a rule."""
    for field, allowed in _CHOICES.items():
        if getattr(s, field) not in allowed and getattr(s, field) is not None:
            raise ConfigError(f"{_VARS[field]}={getattr(s, field)!r}: one of {sorted(allowed)}")
    _validate_numbers(s)
    if s.db_pool_min > s.db_pool_max:
        raise ConfigError(f"DB_POOL_MIN={s.db_pool_min}: more than DB_POOL_MAX={s.db_pool_max}")
    for var, url in (("DATABASE_URL", s.database_url), ("READ_DATABASE_URL", s.read_database_url)):
        if url and urlsplit(url).scheme not in {"postgresql", "postgres"}:
            raise ConfigError(f"{var}: expected postgresql://user:password@host:port/database")
    for origin in s.origins:
        check_origin(origin)
    validate_feed(s)
    validate_stores(s)
    validate_metrics(s)
    if s.production and (s.jwt_secret is None or len(s.jwt_secret.encode()) < 32):
        raise ConfigError("JWT_SECRET: at least 32 bytes are required in production")


def _validate_numbers(s: Settings) -> None:
    if not 0 < s.port < 65536:
        raise ConfigError(f"PORT={s.port}: expected 1-65535")
    for var in sorted(_POSITIVE | _NOT_NEGATIVE):
        value = _number(s, var)
        if value < 0 or (value == 0 and var in _POSITIVE):
            expected = "more than 0" if var in _POSITIVE else "0 or more"
            raise ConfigError(f"{var}={value}: expected {expected}")
    if s.login_delay_max_seconds > 30:  # longer would lock an owner out as surely as a refusal
        raise ConfigError(f"LOGIN_DELAY_MAX_SECONDS={s.login_delay_max_seconds}: at most 30")


def _number(s: Settings, var: str) -> float:
    value: float = (
        getattr(s.economy, _ECONOMY[var]) if var in _ECONOMY else getattr(s, _FIELDS[var][0])
    )
    return value


_SUBJECT_TOKEN = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


def validate_feed(s: Settings) -> None:
    if s.nats_url and urlsplit(s.nats_url).scheme not in {"nats", "tls"}:
        raise ConfigError("NATS_URL: expected nats://host:port (several: comma-separated)")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", s.nats_stream):
        raise ConfigError(f"NATS_STREAM={s.nats_stream!r}: letters, digits, - and _ only")
    if not _SUBJECT_TOKEN.match(s.nats_subject_prefix):
        raise ConfigError(f"NATS_SUBJECT_PREFIX={s.nats_subject_prefix!r}: dot-separated tokens")
    if not 1 <= s.nats_replicas <= 5:  # what JetStream accepts
        raise ConfigError(f"NATS_REPLICAS={s.nats_replicas}: from 1 to 5 copies")


def validate_stores(s: Settings) -> None:
    if s.apple_bundle_id and not s.apple_root_certificates:
        raise ConfigError("APPLE_ROOT_CERTIFICATES: Apple's root certificate files are required")
    if s.apple_bundle_id and s.apple_environment == "production" and s.apple_app_id is None:
        raise ConfigError("APPLE_APP_ID: required when APPLE_ENVIRONMENT is production")
    if s.google_package_name and not s.google_license_key:
        raise ConfigError("GOOGLE_LICENSE_KEY: the app's license public key is required")


def validate_metrics(s: Settings) -> None:
    if s.metrics_port is not None and not 0 < s.metrics_port < 65536:
        raise ConfigError(f"METRICS_PORT={s.metrics_port}: expected 1-65535")
    if s.metrics_port == s.port:
        raise ConfigError(f"METRICS_PORT={s.metrics_port}: the API's own PORT; choose another")
    if s.metrics_token is not None and len(s.metrics_token.encode()) < 16:
        raise ConfigError("METRICS_TOKEN: at least 16 bytes (a random string)")


def check_origin(origin: str) -> None:
    # An origin is scheme://host[:port]; a wildcard would let any site call the API.
    parts = urlsplit(origin)
    bare = not (parts.path or parts.query or parts.fragment or "*" in origin)
    if parts.scheme not in {"http", "https"} or not parts.hostname or not bare:
        raise ConfigError(f"FRONTEND_URL: {origin!r} is not an origin like https://game.example")


def masked(settings: Settings) -> dict[str, Any]:
    """The configuration as a dict with secrets masked, for `gameledger config`."""
    data: dict[str, Any] = msgspec.to_builtins(settings)
    for secret in ("jwt_secret", "metrics_token"):
        if data.get(secret):
            data[secret] = MASK
    for url in ("database_url", "read_database_url"):
        if data.get(url):
            data[url] = _mask_url(data[url])
    return data


def _mask_url(url: str) -> str:
    # The netloc's last '@' ends the credentials (asyncpg parses it so): a password may hold '@'.
    parts = urlsplit(url)
    creds, at, host = parts.netloc.rpartition("@")
    if not at or ":" not in creds:
        return url
    user = creds.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))


def sourced(settings: Settings, sources: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every variable's effective value (masked) and where it came from (`default` if unset)."""
    shown = masked(settings)
    values = {var: shown[field] for var, (field, _) in _FIELDS.items()}
    values |= {var: shown["economy"][field] for var, field in _ECONOMY.items()}
    return {
        var: {"value": value, "source": sources.get(var, "default")}
        for var, value in values.items()
    }
