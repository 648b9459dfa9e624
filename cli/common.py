"""What every command shares: its settings, the live catalog from the log, and JSON output in
the HTTP API's casing (camelCase field names; data keys such as asset codes kept as they are)."""

import argparse
import re
from collections.abc import Mapping
from typing import Any

import msgspec

from domain import accounts
from domain.assets import DEFAULT_CATALOG, Catalog
from domain.events import CatalogApplied
from infra import catalog_store, eventstore, eventstore_reads
from infra.config import Settings, load_settings
from infra.db import Conn

BUILT_IN = "built-in (no catalog in the log yet)"


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings `run` loaded for this command (env file included), else the environment's."""
    settings: Settings | None = getattr(args, "settings", None)
    return settings if settings is not None else load_settings()


async def live_catalog(conn: Conn) -> Catalog:
    """The live catalog: the `catalog` stream's newest version, else the built-in version 0.
    Never CATALOG_FILE: a file names what to apply at a server's start, not what is live."""
    return await catalog_store.head(conn) or DEFAULT_CATALOG


async def all_catalogs(conn: Conn) -> dict[int, Catalog]:
    """Every catalog version the log's purchases may name (the audit's prices)."""
    return await catalog_store.versions(conn, DEFAULT_CATALOG)


async def catalog_origin(conn: Conn) -> dict[str, Any]:
    """The live catalog's version and where it came from, for `gameledger config`."""
    latest = await eventstore.latest(conn, accounts.CATALOG_STREAM)
    if latest is None or not isinstance(latest.event, CatalogApplied):
        return {"version": 0, "source": BUILT_IN}
    meta = (await eventstore_reads.metadata_at(conn, [latest.global_position])).get(
        latest.global_position, {}
    )
    actor = str(meta.get("actor", "?"))
    if actor.startswith("CATALOG_FILE="):
        source = f"{actor}, applied by gameledger serve at its start"
    elif actor == "cli":
        source = "gameledger catalog apply"
    else:
        source = f"POST /admin/catalog by {actor}"
    return {
        "version": latest.event.catalog.version,
        "source": source,
        "appliedAt": latest.event.occurred_at.isoformat(),
    }


def _camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def wire(value: Any, names: Mapping[str, str | None] | None = None) -> Any:
    """`value` as JSON-ready builtins with struct fields in camelCase; `names` renames fields
    (None drops one) where HTTP calls them otherwise."""
    names = names or {}
    if isinstance(value, msgspec.Struct):
        fields = [f for f in value.__struct_fields__ if names.get(f, "") is not None]
        return {names.get(f) or _camel(f): wire(getattr(value, f), names) for f in fields}
    if isinstance(value, dict):
        return {key: wire(item, names) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [wire(item, names) for item in value]
    return msgspec.to_builtins(value)


def print_json(value: Any, names: Mapping[str, str | None] | None = None) -> None:
    """Print `value` as indented JSON in the API's casing."""
    print(msgspec.json.format(msgspec.json.encode(wire(value, names))).decode())
