"""The signing secret of the access tokens: configured, or in development made once and kept."""

import os
import secrets
from pathlib import Path

import structlog

from infra.config import DATA_DIR, ConfigError, Settings

_log = structlog.get_logger(__name__)

SECRET_FILE = "jwt-secret"  # noqa: S105 - a file name, not a secret


def resolve_secret(settings: Settings, data_dir: Path = DATA_DIR) -> str:
    """The configured secret; in development, one generated once and kept in `data_dir`."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret
    if settings.production:
        raise ConfigError("JWT_SECRET: at least 32 bytes are required in production")
    path = data_dir / SECRET_FILE
    if not path.exists():
        _write_once(path, secrets.token_urlsafe(48))
        _log.warning("JWT_SECRET is not set: generated a development secret", path=str(path))
    return path.read_text().strip()


def _write_once(path: Path, secret: str) -> None:
    # Workers start together: write aside, then link into place, which fails if another won.
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    try:
        os.link(temp, path)
    except FileExistsError:
        pass
    finally:
        temp.unlink()
