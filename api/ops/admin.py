"""The operators' API: economy, projectors, audit, stream replay and correcting transfers.

Every route needs a bearer token whose role is admin, re-checked against the credentials table.
Views never include credentials: password hashes are not ledger data.
"""

from typing import Annotated, Literal

import msgspec
from litestar import get, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from msgspec.structs import asdict

from api.http import reads
from api.http.past import At, BalanceAtResponse, Version, balance_at
from api.http.problems import responses
from api.http.rooms import AdminRoom
from api.http.schemas import inventory
from api.http.services import Read, Svc
from api.http.writes import Write, write_route
from api.ops.schemas import (
    AssetSupply,
    EconomyResponse,
    PlayerLookup,
    Projector,
    ProjectorsResponse,
    RatePoint,
    RateResponse,
    ReversalRequest,
    ReversalResponse,
    Shard,
)
from domain import accounts
from domain.account_errors import UnknownPlayer
from domain.assets import CURRENCY
from domain.commands import Reverse
from infra import credentials
from infra.db import connection
from projections import queries
from projections.views import ProjectorStatus

TransferId = Annotated[str, PathParameter(pattern=r"^[0-9A-Za-z_-]{1,64}$")]
UsernamePath = Annotated[str, PathParameter(pattern=r"^[A-Za-z0-9_.\-]{3,32}$")]
Minutes = Annotated[int, QueryParameter(name="minutes", ge=1, le=1440)]


class AdminController(AdminRoom):
    """Operators' views and corrections."""

    path = "/admin"

    @get("/economy", summary="Treasury and supply per asset", responses=responses(400, 401, 403))
    async def economy(self, read: Read) -> EconomyResponse:
        """Per asset: supply, treasury (shards + inflow) and circulating; shard budgets."""
        async with read.connection() as conn:
            view = await queries.treasury_view(conn)
        assets = [
            AssetSupply(
                asset=a.asset,
                supply=a.issued,
                treasury=a.treasury,
                circulating=a.circulating,
                shards=a.shards,
                inflow=a.inflow,
                inflow_credited=a.inflow_credited,
                # int(): the query's sum() arrives as a Decimal (reported to its owner).
                genesis=None if a.genesis is None else int(a.genesis),
                updated_at=a.updated_at,
            )
            for a in view.assets
        ]
        shards = [Shard(**msgspec.structs.asdict(s)) for s in view.shards]  # same fields
        treasury = next((a.treasury for a in assets if a.asset == CURRENCY), 0)
        return EconomyResponse(assets=assets, shards=shards, treasury_balance=treasury)

    @get(
        "/economy/transfers-per-minute",
        summary="Player transfers per minute",
        responses=responses(400, 401, 403),
    )
    async def rate(self, read: Read, minutes: Minutes = 60) -> RateResponse:
        """Transfers per minute over the last `minutes`, oldest first."""
        async with read.connection() as conn:
            points = await queries.transfers_per_minute(conn, minutes)
        return RateResponse(points=[RatePoint(minute=m, transfers=n) for m, n in points])

    @get("/projectors", summary="Projector status and lag", responses=responses(401, 403))
    async def projectors(self, services: Svc) -> ProjectorsResponse:
        """Each projector's checkpoint, lag in events and seconds, and last error."""
        # On the primary: the horizon it reports is the primary's open transactions.
        async with connection(services.pool) as conn:
            status = await queries.projector_status(conn)
        return ProjectorsResponse(projectors=[_projector(p) for p in status])

    @get(
        "/players/{username:str}",
        summary="Find a player by username",
        responses=responses(400, 401, 403, 404),
    )
    async def player(self, services: Svc, read: Read, username: UsernamePath) -> PlayerLookup:
        """The player's ids, role and wallet."""
        async with read.connection() as conn:
            login = await credentials.by_username(conn, username)
            if login is None:
                raise UnknownPlayer("no player has this username", username=username)
            wallet = await reads.wallet(conn, login.player_id)
        return PlayerLookup(
            player_id=login.player_id,
            username=wallet.username,
            role=login.role,
            stream_id=accounts.player_account(login.player_id),
            referral_code=wallet.referral_code,
            balance=wallet.balance,
            version=wallet.version,
            inventory=inventory(wallet.inventory, services.item_codes),
            wallet=services.wallet({CURRENCY: wallet.balance, **wallet.inventory}),
        )

    @get(
        "/players/{username:str}/balance",
        summary="A player's wallet now, after a version, or at a time",
        responses=responses(400, 401, 403, 404),
    )
    async def balance(
        self,
        services: Svc,
        read: Read,
        username: UsernamePath,
        at: At = None,
        version: Version = None,
    ) -> BalanceAtResponse:
        """The wallet after the last event at or before `at` or `version` (the latest without)."""
        async with read.connection() as conn:
            login = await credentials.by_username(conn, username)
        if login is None:
            raise UnknownPlayer("no player has this username", username=username)
        return await balance_at(read, services, login.player_id, at, version)

    @post(
        "/players/{username:str}/revoke-sessions",
        status_code=204,
        summary="Revoke every session of a player",
        responses=responses(400, 401, 403, 404),
    )
    async def revoke_sessions(self, services: Svc, username: UsernamePath) -> None:
        """Every access and refresh token the player holds is refused, by every worker within
        a second; logging in again opens a new session."""
        await services.sessions.revoke_all(username)

    @write_route(
        "/transfers/{transfer_id:str}/reversal",
        status_code=200,
        refuses=(400, 401, 403, 404, 409, 413, 422),
    )
    async def reverse(
        self, write: Write, transfer_id: TransferId, data: JSONBody[ReversalRequest]
    ) -> ReversalResponse:
        """Reverse a transfer with a correcting transfer

        A new transfer undoing `transfer_id` for the player, with the reason on the ledger."""
        command = Reverse(transfer_id=transfer_id, actor=write.player_id, **asdict(data))
        result = await write.handle(command)
        return ReversalResponse(
            transfer_id=result.transfer_id,
            reverses=transfer_id,
            player_id=result.player_id,
            balance=result.balances.get(CURRENCY, 0),
            version=result.version,
            inventory=inventory(result.balances, write.services.item_codes),
            wallet=write.services.wallet(result.balances),
        )


def _projector(p: ProjectorStatus) -> Projector:
    status: Literal["up-to-date", "behind", "failing"] = "up-to-date"
    if p.last_error:
        status = "failing"
    elif p.lag_events:
        status = "behind"
    return Projector(
        name=p.name,
        status=status,
        position=p.position,
        transaction_id=p.transaction_id,
        events_applied=p.events_applied,
        lag_events=p.lag_events,
        lag_seconds=p.lag_seconds,
        last_error=p.last_error,
        updated_at=p.updated_at,
        horizon_age_seconds=p.horizon_age_seconds,
    )
