"""The two-currency example catalog (catalog.json) for tests, and a small builder."""

from pathlib import Path

from domain.assets import Catalog
from infra.catalog import parse_catalog

EXAMPLE_FILE = Path(__file__).resolve().parent.parent / "catalog.json"


def example_catalog() -> Catalog:
    """The README's example: diamonds and stars, price mixes, a bundle and a drop table."""
    return parse_catalog(EXAMPLE_FILE.read_bytes())
