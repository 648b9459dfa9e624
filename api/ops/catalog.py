"""The live catalog (admin): apply a new one while running. `gameledger catalog apply FILE`
does the same from the command line (cli/catalog.py)."""

from typing import Any

import msgspec
from litestar import post
from litestar.params import JSONBody

from api.http.problems import responses
from api.http.rooms import AdminRoom
from api.http.schemas import Response
from api.http.sentences import of_body, sentence
from api.http.services import Caller, Svc
from domain.shop_errors import CatalogRefused
from infra.catalog import CatalogInvalid, parse_catalog
from service.catalog import apply_catalog


class AppliedResponse(Response):
    """The version the catalog now has everywhere (within a second), and the currencies whose
    genesis it minted."""

    version: int
    seeded: list[str]


class CatalogAdminController(AdminRoom):
    """`POST /admin/catalog`: validate and apply a catalog (the `catalog.json` format)."""

    path = "/admin/catalog"

    @post(
        "/",
        status_code=200,
        summary="Apply a new catalog while running",
        responses=responses(400, 401, 403, 409, 413, 422),
    )
    async def apply(
        self, principal: Caller, services: Svc, data: JSONBody[dict[str, Any]]
    ) -> AppliedResponse:
        """Refused (422 catalog-refused, with `reasons`) when malformed, when a held currency or
        item would disappear, when a code would change meaning or a drop table weighs zero."""
        try:
            catalog = parse_catalog(msgspec.json.encode(data))
        except CatalogInvalid as error:
            said = [of_body(reason) if "`" in reason else reason for reason in error.reasons]
            raise CatalogRefused(
                f"the catalog is refused: {error}",
                said=sentence(f"the catalog is refused: {'; '.join(said)}"),
                reasons=error.reasons,
            ) from None
        applied = await apply_catalog(services.ledger, catalog, actor=principal.player_id)
        return AppliedResponse(version=applied.version, seeded=applied.seeded)
