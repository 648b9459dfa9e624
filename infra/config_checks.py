"""The configuration's checks that need no table of variables, and its masked display."""

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import msgspec

if TYPE_CHECKING:
    from infra.config import Settings

MASK = "********"


class ConfigError(ValueError):
    """A bad configuration value; the message is one line naming the variable."""


_SUBJECT_TOKEN = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


def validate_feed(s: "Settings") -> None:
    if s.nats_url and urlsplit(s.nats_url).scheme not in {"nats", "tls"}:
        raise ConfigError("NATS_URL: expected nats://host:port (several: comma-separated)")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", s.nats_stream):
        raise ConfigError(f"NATS_STREAM={s.nats_stream!r}: letters, digits, - and _ only")
    if not _SUBJECT_TOKEN.match(s.nats_subject_prefix):
        raise ConfigError(f"NATS_SUBJECT_PREFIX={s.nats_subject_prefix!r}: dot-separated tokens")


def validate_stores(s: "Settings") -> None:
    if s.apple_bundle_id and not s.apple_root_certificates:
        raise ConfigError("APPLE_ROOT_CERTIFICATES: Apple's root certificate files are required")
    if s.apple_bundle_id and s.apple_environment == "production" and s.apple_app_id is None:
        raise ConfigError("APPLE_APP_ID: required when APPLE_ENVIRONMENT is production")
    if s.google_package_name and not s.google_license_key:
        raise ConfigError("GOOGLE_LICENSE_KEY: the app's license public key is required")


def validate_metrics(s: "Settings") -> None:
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


def masked(settings: "Settings") -> dict[str, Any]:
    """The configuration as a dict with secrets masked, for `gameledger config`."""
    data: dict[str, Any] = msgspec.to_builtins(settings)
    for secret in ("jwt_secret", "metrics_token"):
        if data.get(secret):
            data[secret] = MASK
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
