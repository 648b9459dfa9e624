"""Forward-only plain-SQL migrations, applied in order under an advisory lock."""

from pathlib import Path

from infra.db import Conn

_LOCK_ID = 0x6761_6D65_6C65  # "gamele": one migrator at a time, cluster-wide

_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


def migrations_dir() -> Path:
    """The migrations folder of a source checkout, or the copy packed into the wheel."""
    source = Path(__file__).resolve().parent.parent / "migrations"
    return source if source.is_dir() else Path(__file__).resolve().parent / "_migrations"


def available() -> list[tuple[int, str, Path]]:
    """(version, name, path) of every migration file, in order."""
    found = []
    for path in sorted(migrations_dir().glob("[0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:3]), path.stem, path))
    return found


async def applied(conn: Conn) -> set[int]:
    """Versions already applied (empty on a new database)."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return set()
    return {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}


async def migrate(conn: Conn, *, target: int | None = None) -> list[str]:
    """Apply what is missing (up to version `target`); return the names applied. Safe to run
    concurrently."""
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
    try:
        await conn.execute(_TABLE)
        done = await applied(conn)
        names = []
        for version, name, path in available():
            if version in done or (target is not None and version > target):
                continue
            async with conn.transaction():
                await conn.execute(path.read_text())
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name
                )
            names.append(name)
        return names
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)


async def pending(conn: Conn) -> list[str]:
    """Names of migrations not yet applied (for readiness checks)."""
    done = await applied(conn)
    return [name for version, name, _ in available() if version not in done]
