"""The shop's catalog (public): what can be bought and for how many diamonds."""

from litestar import Controller, get
from litestar.datastructures import CacheControlHeader

from api.problems import responses
from api.schemas import CatalogItem, CatalogResponse, inventory_key
from api.services import Svc
from domain.assets import CURRENCY


class CatalogController(Controller):
    """The item catalog with prices."""

    path = "/items"
    tags = ["catalog"]  # noqa: RUF012 - Litestar reads these class attributes
    # The catalog is configuration: it changes only with a restart, so caches may keep it.
    cache_control = CacheControlHeader(max_age=60, public=True)

    @get("/", summary="The shop's items and prices", responses=responses())
    async def items(self, services: Svc) -> CatalogResponse:
        """Every item of the catalog, with its price in diamonds and its inventory key."""
        return CatalogResponse(
            currency=CURRENCY,
            items=[
                CatalogItem(
                    code=item.code,
                    name=item.name,
                    price=item.price,
                    inventory_key=inventory_key(item.code),
                )
                for item in services.catalog.items
            ],
        )
