"""Every projection by name, in the order the runner starts them."""

from projections import accounts, history, holds, lots, monitors, players, trades, treasury
from projections.model import Projection

PROJECTIONS: dict[str, Projection] = {
    p.name: p
    for p in (
        players.PROJECTION,
        accounts.PROJECTION,
        treasury.PROJECTION,
        history.PROJECTION,
        holds.PROJECTION,
        trades.PROJECTION,
        lots.PROJECTION,
        monitors.PROJECTION,
    )
}


def select(names: list[str] | tuple[str, ...] | None) -> list[Projection]:
    """The named projections (all when none are named); ValueError names an unknown one."""
    if not names:
        return list(PROJECTIONS.values())
    unknown = [name for name in names if name not in PROJECTIONS]
    if unknown:
        raise ValueError(f"unknown projection {unknown[0]!r}; known: {', '.join(PROJECTIONS)}")
    return [PROJECTIONS[name] for name in names]
