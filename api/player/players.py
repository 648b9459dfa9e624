"""The player's own wallet: balance, history, top-up and purchase (bearer token required).

Every route acts on the token's subject only: none takes a player id from the client.
"""

from typing import Annotated, Any

from litestar import Request
from litestar.openapi.spec import Example
from litestar.params import JSONBody, QueryParameter
from msgspec.structs import asdict

from api.http import reads
from api.http.auth import principal_of
from api.http.fast_routes import FastRoute, Plain
from api.http.filters import history_filter
from api.http.limits import page_size
from api.http.past import At, BalanceAtResponse, Version, balance_at
from api.http.problems import problem, responses
from api.http.rooms import PlayerRoom
from api.http.route_handlers import get
from api.http.schemas import BalanceResponse, HistoryPage, inventory
from api.http.services import Caller, LedgerPosition, Read, Reader, Services, Svc
from api.http.writes import LedgerWrite, Write, as_player, write_route
from api.player import balance
from api.player.balance import read_wallet, wallet_answer
from api.player.schemas import PurchaseRequest, PurchaseResponse, TopUpRequest, TopUpResponse
from domain import accounts
from domain.assets import CURRENCY
from domain.commands import Purchase, TopUp
from infra.replica import parse_position

Cursor = Annotated[
    str | None,
    QueryParameter(
        name="cursor",
        required=False,
        pattern=r"^[1-9][0-9]{0,17}$",
        description="`nextCursor` of the previous page; omit for the newest entries",
    ),
]
Code = Annotated[
    str | None,
    QueryParameter(
        name="code",
        required=False,
        pattern=r"^[a-z][a-z_]{0,31}$",
        description="Only transfers of this code (`purchase`, `top_up`, `gift`, ...)",
    ),
]
AssetFilter = Annotated[
    str | None,
    QueryParameter(
        name="asset",
        required=False,
        pattern=r"^[a-z][a-z0-9_]{0,31}$",
        description="Only transfers with a leg in this asset (`diamond` or an item code)",
    ),
]
Since = Annotated[
    str | None,
    QueryParameter(
        name="from",
        required=False,
        description="Only transfers at or after this RFC 3339 time (inclusive)",
        examples=[Example(value="2026-12-01T00:00:00Z")],
    ),
]
Until = Annotated[
    str | None,
    QueryParameter(
        name="to",
        required=False,
        description="Only transfers before this RFC 3339 time (exclusive)",
        examples=[Example(value="2026-12-02T00:00:00Z")],
    ),
]
Limit = Annotated[
    int,
    QueryParameter(name="limit", ge=1, le=1000, description="Page size, capped by MAX_PAGE_SIZE"),
]


class PlayerController(PlayerRoom):
    """The authenticated player's wallet."""

    path = "/"
    tags = ["player"]  # noqa: RUF012 - Litestar reads these class attributes

    @get("/balance", summary="The wallet", responses=responses(400, 401, 404))
    async def balance(
        self,
        request: Request[Any, Any, Any],
        at: At = None,
        version: Version = None,
        ledger_position: LedgerPosition = None,
    ) -> BalanceResponse | BalanceAtResponse:
        """Balance, inventory and stream version; includes the player's own latest write.

        With `at` (RFC 3339) or `version`: the wallet after the last event at or before it.
        """
        # The hottest read: the services and the principal (which the room's guard has checked
        # and kept in the scope) straight from the request, not resolved as two dependencies
        # per call (issue 22). Its plain form is served before Litestar (api/player/balance.py).
        services: Services = request.app.state.services
        player_id = principal_of(request).player_id
        position = parse_position(ledger_position) if ledger_position else None
        if at is not None or version is not None:
            read = Reader(services.reads, player_id, position)
            return await balance_at(read, services, player_id, at, version)
        return wallet_answer(services, await read_wallet(services, player_id, position))

    @get("/history", summary="The player's ledger entries", responses=responses(400, 401))
    async def history(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        services: Svc,
        read: Read,
        cursor: Cursor = None,
        limit: Limit = 20,
        code: Code = None,
        asset: AssetFilter = None,
        since: Since = None,
        until: Until = None,
    ) -> HistoryPage:
        """Newest first, one entry per transfer; `nextCursor` pages to older entries.

        `code`, `asset`, `from`, `to` and any number of `meta.KEY=VALUE` (the write's
        `metadata`) keep only the entries matching all of them; the cursor pages through those.
        """
        filters = history_filter(
            code=code,
            asset=asset,
            since=since,
            until=until,
            pairs=request.query_params.multi_items(),
        )
        size = page_size(limit, services.settings.max_page_size)
        async with read.connection(accounts.player_account(principal.player_id)) as conn:
            return await reads.history(
                conn,
                principal.player_id,
                before=int(cursor) if cursor else None,
                limit=size,
                filters=filters,
            )

    @write_route("/top-up", status_code=200, refuses=(400, 401, 403, 404, 409, 413, 422))
    async def top_up(
        self, write: Write, data: JSONBody[TopUpRequest | None] = None
    ) -> TopUpResponse:
        """Add diamonds (or another currency) from the treasury

        A currency into the wallet (100 diamonds when the body is empty).

        Only while PLAYER_TOP_UP is `open` (the development default): otherwise currency comes
        from store receipts and service grants, and this answers 403 `top-up-disabled`.
        """
        return await top_up_wallet(write, data)

    @write_route("/purchase", status_code=200, refuses=(400, 401, 404, 409, 413, 422))
    async def purchase(self, write: Write, data: JSONBody[PurchaseRequest]) -> PurchaseResponse:
        """Buy an item of the catalog

        The price option's currencies to the treasury and the item (or a bundle's contents)
        into the inventory, in one transfer."""
        return await buy(write, data)


async def top_up_wallet(write: LedgerWrite, data: TopUpRequest | None) -> TopUpResponse:
    """`POST /top-up`'s work, for its handler and its fast path."""
    if not write.services.settings.top_up_open:
        raise problem(
            403,
            "top-up-disabled",
            "Players cannot top up on this server",
            "PLAYER_TOP_UP is off: currency comes from store purchases and game-server grants",
            error="Top-ups are not available here; buy currency in the store instead.",
        )
    body = data or TopUpRequest()
    result = await write.handle(TopUp(player_id=write.player_id, **asdict(body)))
    return TopUpResponse(
        transfer_id=result.transfer_id,
        balance=result.balances.get(CURRENCY, 0),
        version=result.version,
        wallet=write.services.wallet(result.balances),
    )


async def buy(write: LedgerWrite, data: PurchaseRequest) -> PurchaseResponse:
    """`POST /purchase`'s work, for its handler and its fast path."""
    result = await write.handle(Purchase(player_id=write.player_id, **asdict(data)))
    return PurchaseResponse(
        transfer_id=result.transfer_id,
        balance=result.balances.get(CURRENCY, 0),
        version=result.version,
        inventory=inventory(result.balances, write.services.item_codes),
        wallet=write.services.wallet(result.balances),
    )


def _as_player(plain: Plain) -> LedgerWrite:
    return as_player(plain.principal, plain.services, plain.key)


async def _top_up(plain: Plain) -> TopUpResponse:
    return await top_up_wallet(_as_player(plain), plain.data)


async def _purchase(plain: Plain) -> PurchaseResponse:
    return await buy(_as_player(plain), plain.data)


# The hot routes' plain requests, answered before Litestar's routing (api/http/fast_path.py).
FAST_ROUTES = [
    balance.FAST,
    FastRoute("POST", "/purchase", _purchase, PurchaseRequest),
    FastRoute("POST", "/top-up", _top_up, TopUpRequest, optional=True),
]
