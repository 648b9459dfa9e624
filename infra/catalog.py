"""The shop's catalog is data: a JSON file (CATALOG_FILE), defaulting to the built-in one."""

from pathlib import Path

import msgspec

from domain.assets import DEFAULT_CATALOG, Catalog
from infra.config import ConfigError


def load_catalog(path: str | None) -> Catalog:
    """The catalog in `path`, or the default when no path is given."""
    if not path:
        return DEFAULT_CATALOG
    try:
        catalog = msgspec.json.decode(Path(path).read_bytes(), type=Catalog)
    except (OSError, msgspec.ValidationError, msgspec.DecodeError) as error:
        raise ConfigError(f"CATALOG_FILE={path!r}: {error}") from None
    codes = [item.code for item in catalog.items]
    if not codes or len(set(codes)) != len(codes) or "diamond" in codes:
        raise ConfigError(f"CATALOG_FILE={path!r}: item codes must be unique and not 'diamond'")
    return catalog
