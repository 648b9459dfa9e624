"""The catalog is data: a JSON file (CATALOG_FILE), defaulting to the built-in one."""

from pathlib import Path

import msgspec

from domain.assets import DEFAULT_CATALOG, Catalog
from domain.catalog import problems
from infra.config import ConfigError


class CatalogInvalid(ValueError):
    """A catalog that does not decode or is not well-formed, with every reason."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def parse_catalog(raw: bytes) -> Catalog:
    """A well-formed catalog from JSON, or CatalogInvalid with every reason."""
    try:
        catalog = msgspec.json.decode(raw, type=Catalog)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        raise CatalogInvalid([str(error)]) from None
    if found := problems(catalog):
        raise CatalogInvalid(found)
    return msgspec.structs.replace(catalog, version=0)


def load_catalog(path: str | None) -> Catalog:
    """The catalog in `path`, or the default when no path is given."""
    if not path:
        return DEFAULT_CATALOG
    try:
        return parse_catalog(Path(path).read_bytes())
    except OSError as error:
        raise ConfigError(f"CATALOG_FILE={path!r}: {error}") from None
    except CatalogInvalid as error:
        raise ConfigError(f"CATALOG_FILE={path!r}: {error}") from None
