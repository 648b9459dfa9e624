"""The service's settings: the struct, the environment variables that set it, and how their
text becomes its values (infra/config.py loads and validates them; config_checks.py checks them).
"""

import ipaddress
import os
from pathlib import Path
from typing import Any

import msgspec

from domain.commands import EconomyRules


class ConfigError(ValueError):
    """A bad configuration value; the message is one line naming the variable."""


Network = ipaddress.IPv4Network | ipaddress.IPv6Network
DATA_DIR = Path(os.environ.get("GAMELEDGER_HOME", ".gameledger"))


DEFAULT_FRONTEND = "http://localhost:5173,http://127.0.0.1:5173"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """The service's effective configuration."""

    database_url: str | None = None
    # Reads from standbys (infra/replica.py; README: Reads from standbys): a libpq URL, several
    # hosts allowed (`target_session_attrs=prefer-standby`). Unset: every read on DATABASE_URL.
    read_database_url: str | None = None
    replica_wait_ms: int = 250  # how long a read waits for the standby to replay the player's write
    replica_max_lag_ms: int = 1000  # a standby further behind is skipped
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    jwt_secret: str | None = None
    environment: str = "development"
    # Browser origins allowed to call the API (CORS), comma-separated. The default is the shipped
    # game client's dev server, which calls the API cross-origin.
    frontend_url: str = DEFAULT_FRONTEND
    log_format: str = "console"
    log_level: str = "INFO"
    # A day, as the original backend: the shipped game client never refreshes its token, and
    # tokens are revocable (POST /logout, `gameledger admin revoke`), so a long life is safe.
    token_ttl_seconds: int = 86400
    # Rotating refresh tokens (POST /token/refresh) for clients that can refresh.
    refresh_ttl_seconds: int = 30 * 86400
    max_body_bytes: int = 65536
    max_header_bytes: int = 16384  # request line and headers (api/server.py): 431 past it
    max_page_size: int = 100
    db_pool_min: int = 2
    db_pool_max: int = 20
    db_command_timeout: float = 5.0
    idempotency_retention_days: int = 0  # 0 keeps keys forever
    run_projectors: bool = True
    catalog_file: str | None = None
    # How the write pipeline writes: concurrent commands coalesced into shared commits
    # (service/group.py); GROUP_COMMIT=false writes each command in its own statement.
    group_commit: bool = True
    # Load balancers whose X-Forwarded-For names the client (api/limits.py), as normalised CIDRs.
    trusted_proxies: tuple[str, ...] = ()
    # The throttles (api/limits.py; README: Login and signup throttles). Failed logins refuse
    # per account from one address (the name predates that) and per address; per account from
    # all addresses they only slow answers (LOGIN_DELAY_*). Signups count per address.
    login_failures_per_account: int = 5
    login_failures_per_address: int = 50
    login_window_seconds: float = 300.0
    login_delay_after: int = 5
    login_delay_first_seconds: float = 0.1
    login_delay_max_seconds: float = 3.0
    signups_per_address: int = 20
    signup_window_seconds: float = 3600.0
    economy: EconomyRules = EconomyRules()
    # The change feed (projections/feed.py): on when NATS_URL is set; nothing changes otherwise.
    nats_url: str | None = None
    nats_stream: str = "GAMELEDGER"
    nats_subject_prefix: str = "gameledger"
    nats_retention_days: float = 7.0  # the stream's max age; 0 keeps messages forever
    nats_duplicate_window_seconds: float = 120.0
    nats_replicas: int = 1  # the stream's copies: 3 on a three-node JetStream cluster
    # Webhooks (projections/webhooks.py) run with the feed, or alone when RUN_WEBHOOKS is on.
    run_webhooks: bool = False
    webhook_timeout_seconds: float = 10.0
    webhook_retry_seconds: float = 86400.0  # how long a delivery is retried before it is failed
    webhook_backoff_seconds: float = 5.0  # the first retry's delay; doubles with each attempt
    # Destinations refused by default (loopback, this host, metadata ranges) allowed anyway.
    webhook_allow_networks: tuple[str, ...] = ()
    # Who may mint currency (README: Who may mint): `open` lets a player's POST /top-up mint
    # (the demo client's free top-up), `off` leaves minting to service tokens and verified
    # store receipts. None: `off` in production, `open` otherwise.
    player_top_up: str | None = None
    # Store receipts (README: Store receipts): a store is on when its identity is set.
    apple_bundle_id: str | None = None
    apple_environment: str = "production"  # or sandbox (TestFlight and development builds)
    apple_app_id: int | None = None  # required in production; checked on notifications
    apple_root_certificates: tuple[str, ...] = ()  # DER or PEM files of Apple's root CAs
    # OCSP revocation checks of the signing chain, online at Apple; off only in tests.
    apple_online_checks: bool = True
    google_package_name: str | None = None
    google_license_key: str | None = None  # the Play Console's base64 RSA public key
    # Who may scrape /metrics: api/metrics_access.py.
    metrics_token: str | None = None
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"

    @property
    def top_up_open(self) -> bool:
        """True when a player's own POST /top-up may mint currency."""
        mode = self.player_top_up or ("off" if self.production else "open")
        return mode == "open"

    @property
    def origins(self) -> list[str]:
        """The CORS origins of FRONTEND_URL, without trailing slashes."""
        return _origins(self.frontend_url)

    @property
    def production(self) -> bool:
        """True when weak defaults must be refused."""
        return self.environment == "production"


_FIELDS: dict[str, tuple[str, type]] = {
    "DATABASE_URL": ("database_url", str),
    "READ_DATABASE_URL": ("read_database_url", str),
    "REPLICA_WAIT_MS": ("replica_wait_ms", int),
    "REPLICA_MAX_LAG_MS": ("replica_max_lag_ms", int),
    "HOST": ("host", str),
    "PORT": ("port", int),
    "WORKERS": ("workers", int),
    "JWT_SECRET": ("jwt_secret", str),
    "GAMELEDGER_ENV": ("environment", str),
    "FRONTEND_URL": ("frontend_url", str),
    "LOG_FORMAT": ("log_format", str),
    "LOG_LEVEL": ("log_level", str),
    "TOKEN_TTL_SECONDS": ("token_ttl_seconds", int),
    "REFRESH_TTL_SECONDS": ("refresh_ttl_seconds", int),
    "LOGIN_FAILURES_PER_ACCOUNT": ("login_failures_per_account", int),
    "LOGIN_FAILURES_PER_ADDRESS": ("login_failures_per_address", int),
    "LOGIN_WINDOW_SECONDS": ("login_window_seconds", float),
    "LOGIN_DELAY_AFTER": ("login_delay_after", int),
    "LOGIN_DELAY_FIRST_SECONDS": ("login_delay_first_seconds", float),
    "LOGIN_DELAY_MAX_SECONDS": ("login_delay_max_seconds", float),
    "SIGNUPS_PER_ADDRESS": ("signups_per_address", int),
    "SIGNUP_WINDOW_SECONDS": ("signup_window_seconds", float),
    "MAX_BODY_BYTES": ("max_body_bytes", int),
    "MAX_HEADER_BYTES": ("max_header_bytes", int),
    "MAX_PAGE_SIZE": ("max_page_size", int),
    "DB_POOL_MIN": ("db_pool_min", int),
    "DB_POOL_MAX": ("db_pool_max", int),
    "DB_COMMAND_TIMEOUT": ("db_command_timeout", float),
    "IDEMPOTENCY_RETENTION_DAYS": ("idempotency_retention_days", int),
    "RUN_PROJECTORS": ("run_projectors", bool),
    "CATALOG_FILE": ("catalog_file", str),
    "GROUP_COMMIT": ("group_commit", bool),
    "TRUSTED_PROXIES": ("trusted_proxies", tuple),
    "NATS_URL": ("nats_url", str),
    "NATS_STREAM": ("nats_stream", str),
    "NATS_SUBJECT_PREFIX": ("nats_subject_prefix", str),
    "NATS_RETENTION_DAYS": ("nats_retention_days", float),
    "NATS_DUPLICATE_WINDOW_SECONDS": ("nats_duplicate_window_seconds", float),
    "NATS_REPLICAS": ("nats_replicas", int),
    "RUN_WEBHOOKS": ("run_webhooks", bool),
    "WEBHOOK_TIMEOUT_SECONDS": ("webhook_timeout_seconds", float),
    "WEBHOOK_RETRY_SECONDS": ("webhook_retry_seconds", float),
    "WEBHOOK_BACKOFF_SECONDS": ("webhook_backoff_seconds", float),
    "WEBHOOK_ALLOW_NETWORKS": ("webhook_allow_networks", tuple),
    "PLAYER_TOP_UP": ("player_top_up", str),
    "APPLE_BUNDLE_ID": ("apple_bundle_id", str),
    "APPLE_ENVIRONMENT": ("apple_environment", str),
    "APPLE_APP_ID": ("apple_app_id", int),
    "APPLE_ROOT_CERTIFICATES": ("apple_root_certificates", list),
    "APPLE_ONLINE_CHECKS": ("apple_online_checks", bool),
    "GOOGLE_PACKAGE_NAME": ("google_package_name", str),
    "GOOGLE_LICENSE_KEY": ("google_license_key", str),
    "METRICS_TOKEN": ("metrics_token", str),
    "METRICS_PORT": ("metrics_port", int),
    "METRICS_HOST": ("metrics_host", str),
}
_ECONOMY: dict[str, str] = {
    "GENESIS_SUPPLY": "genesis_supply",
    "TREASURY_SHARDS": "shard_count",
    "TOP_UP_MAX": "top_up_max",
    "REFERRAL_BONUS": "referral_bonus",
    "MAX_QUANTITY": "max_quantity",
    "GIFT_DAILY_LIMIT": "gift_daily_limit",
    "HOLD_MAX_SECONDS": "hold_max_seconds",
}
_CHOICES = {
    "log_format": {"json", "console"},
    "log_level": {"DEBUG", "INFO", "WARNING", "ERROR"},
    "environment": {"development", "production", "test"},
    "player_top_up": {"open", "off"},
    "apple_environment": {"production", "sandbox"},
}


# Operators write `LOG_LEVEL=warning` as often as `WARNING`: choices are read in any case.
def _fold(field: str, value: str) -> str:
    return value.upper() if field == "log_level" else value.lower()


def _convert(name: str, raw: str, kind: type) -> Any:
    if kind is bool:
        if raw.lower() not in {"1", "0", "true", "false", "yes", "no"}:
            raise ConfigError(f"{name}={raw!r}: expected true or false")
        return raw.lower() in {"1", "true", "yes"}
    if kind is tuple:
        return tuple(str(network) for network in parse_networks(name, raw))
    if kind is list:  # comma-separated paths
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected {kind.__name__}") from None


def parse_networks(name: str, raw: str) -> tuple[Network, ...]:
    """Comma-separated IP addresses or CIDR networks; a ConfigError names the bad entry."""
    networks = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        try:
            # strict: 10.0.0.1/8 is more likely a typo than a wish to trust all of 10.0.0.0/8.
            networks.append(ipaddress.ip_network(entry))
        except ValueError as error:
            raise ConfigError(f"{name}={raw!r}: {error}") from None
    return tuple(networks)


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


def parse(source: dict[str, str]) -> Settings:
    """Settings from variables (unset or empty: the default), not yet validated."""
    values: dict[str, Any] = {}
    for var, (field, kind) in _FIELDS.items():
        if source.get(var, "") != "":
            values[field] = _convert(var, source[var], kind)
            if field in _CHOICES:
                values[field] = _fold(field, values[field].strip())
    economy = {f: _convert(v, source[v], int) for v, f in _ECONOMY.items() if source.get(v)}
    values["economy"] = EconomyRules(**economy)
    return Settings(**values)


def _origins(frontend_url: str) -> list[str]:
    return [origin.strip().rstrip("/") for origin in frontend_url.split(",") if origin.strip()]
