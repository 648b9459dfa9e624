"""`POST /admin/whatif`: the recorded demand replayed under a candidate catalog (operators).
`gameledger whatif` answers the same from the command line (cli/whatif.py); the console shows
it from an uploaded catalog. It reads the log and writes nothing."""

from datetime import datetime
from typing import Any

import msgspec
from litestar import post
from litestar.params import JSONBody

from api.http.problems import responses
from api.http.rooms import AdminRoom
from api.http.schemas import Request, Response
from api.http.sentences import of_body, sentence
from api.http.services import Svc
from api.ops.clawback_schemas import Moment
from domain.assets import Catalog
from domain.shop_errors import CatalogRefused
from infra import catalog_store
from infra.catalog import CatalogInvalid, parse_catalog
from projections.whatif import what_if


class WhatIfRequest(Request):
    """A candidate catalog (the `catalog.json` format) and the time window to replay."""

    catalog: dict[str, Any]
    from_: Moment | None = msgspec.field(default=None, name="from")
    to: Moment | None = None


class Pair(Response):
    """As recorded (`now`) and under the candidate."""

    now: int
    candidate: int


class CurrencyReport(Response):
    """Per currency: spent (to the treasury), granted (from it), and granted - spent."""

    currency: str
    spent: Pair
    granted: Pair
    net_supply_change: Pair


class ItemReport(Response):
    """Per item: bought, and the purchases the candidate made unaffordable (or impossible)."""

    item: str
    bought: Pair
    unaffordable: int


class SupplyPoint(Response):
    """The cumulative net supply change at a time."""

    at: datetime
    now: int
    candidate: int


class WhatIfResponse(Response):
    """The replay's numbers, and the supply over time per currency (for charts)."""

    transfers: int
    purchases: int
    uses: int
    currencies: list[CurrencyReport]
    items: list[ItemReport]
    supply: dict[str, list[SupplyPoint]]


def candidate_of(body: dict[str, Any]) -> Catalog:
    """The candidate catalog, or CatalogRefused with every reason (as `POST /admin/catalog`)."""
    try:
        return parse_catalog(msgspec.json.encode(body))
    except CatalogInvalid as error:
        said = [of_body(reason) if "`" in reason else reason for reason in error.reasons]
        raise CatalogRefused(
            f"the catalog is refused: {error}",
            said=sentence(f"the catalog is refused: {'; '.join(said)}"),
            reasons=error.reasons,
        ) from None


class WhatIfController(AdminRoom):
    """`POST /admin/whatif`: replay the log's demand under a candidate catalog."""

    path = "/admin/whatif"

    @post(
        "/",
        status_code=200,
        summary="Replay the recorded demand under a candidate catalog",
        responses=responses(400, 401, 403, 413, 422),
    )
    async def whatif(self, services: Svc, data: JSONBody[WhatIfRequest]) -> WhatIfResponse:
        """Each purchase again at the price option it chose, priced from the candidate (and
        only if the player could pay it there), each use's drop rolls as recorded and
        re-weighted; per currency spent, granted and net supply change, per item bought and
        unaffordable, now against the candidate. Writes nothing."""
        candidate = candidate_of(data.catalog)
        async with services.reads.connection() as conn:  # a standby's, with READ_DATABASE_URL
            catalogs = await catalog_store.versions(conn, services.ledger.base_catalog)
            report = await what_if(conn, candidate, catalogs, start=data.from_, end=data.to)
        return msgspec.convert(report, WhatIfResponse, from_attributes=True)
