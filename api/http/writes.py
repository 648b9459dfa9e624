"""What every write route shares: its POST decorator and its way through the ledger.

`write_route` is Litestar's `post` for a strictly decoded JSON body (api/http/body.py) with the
problems the route refuses. A route's `write: Write` parameter carries the caller, its
Idempotency-Key and the Sender its room writes as (api/http/rooms.py provides it), so a route
reads: build the command, `await write.handle(command)`, answer.
"""

from collections.abc import Callable
from dataclasses import dataclass
from inspect import cleandoc
from types import NoneType, UnionType
from typing import Any, TypeAlias, get_args

import msgspec
from litestar.datastructures import MutableScopeHeaders, ResponseHeader
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import Operation
from litestar.types import AnyCallable, ASGIApp, Message, Receive, Scope, Send

from api.http.auth import Principal
from api.http.body import OptionalBody, StrictBody
from api.http.problems import responses
from api.http.route_handlers import post
from api.http.services import Caller, IdempotencyKey, Services, Svc
from api.http.trusted import actor
from domain.commands import Command
from infra import replica
from service.job import Sender


def write_route(
    path: str, *, status_code: int, refuses: tuple[int, ...], **options: Any
) -> Callable[[AnyCallable], HTTPRouteHandler]:
    """POST `path`, answering `status_code`, documented with the error statuses it `refuses`.

    The handler's docstring documents the operation: its first line is the summary, the
    paragraphs after it the description. The body is the handler's `data: JSONBody[Model]`,
    decoded strictly (a 400 otherwise); `JSONBody[Model | None] = None` lets the client leave
    it out.
    """

    def route(handler: AnyCallable) -> HTTPRouteHandler:
        model, optional = _body(handler)
        summary, _, description = cleandoc(handler.__doc__ or "").partition("\n\n")
        return post(
            path,
            dto=StrictBody[model],  # type: ignore[valid-type]  # the Struct read from `data`
            return_dto=None,
            status_code=status_code,
            summary=summary,
            description=description,
            operation_class=OptionalBody if optional else Operation,
            # any write may meet a freeze (423); `answers`: other successes it documents beside
            # `status_code` (a dry run's 200)
            responses={**responses(*refuses, 423), **options.pop("answers", {})},
            middleware=[position_header, *options.pop("middleware", [])],
            response_headers=[POSITION, *options.pop("response_headers", [])],
            **options,
        )(handler)

    return route


POSITION = ResponseHeader(
    name=replica.POSITION_HEADER,
    documentation_only=True,
    description=(
        "The log's position after this write (a PostgreSQL LSN, `16/B374D848`): send it as "
        "`Ledger-Position` on a read that must reflect the write, whichever database serves it."
    ),
)


def position_header(app: ASGIApp) -> ASGIApp:
    """Wrap a write route: its answer carries `Ledger-Position`, the log's position after the
    last write it committed (or replayed), for reads that must see it (infra/replica.py)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        written = replica.collect()

        async def positioned(message: Message) -> None:
            if message["type"] == "http.response.start" and written:
                headers = MutableScopeHeaders.from_message(message)
                headers[replica.POSITION_HEADER] = replica.format_position(max(written))
            await send(message)

        await app(scope, receive, positioned)

    return middleware


def _body(handler: AnyCallable) -> tuple[type[msgspec.Struct], bool]:
    # JSONBody[X] is Annotated[X, Body(...)]; X may be `Model | None`.
    model = get_args(handler.__annotations__["data"])[0]
    members = get_args(model) if isinstance(model, UnionType) else (model,)
    structs = [member for member in members if member is not NoneType]
    return structs[0], len(structs) < len(members)


@dataclass(frozen=True, slots=True)
class LedgerWrite:
    """A write route's caller, its idempotency key and the Sender its commands go out as."""

    services: Services
    caller: Principal
    key: str | None
    sender: Sender

    @property
    def player_id(self) -> str:
        """The token's subject: the acting player (or game server, or operator)."""
        return self.caller.player_id

    async def handle(self, command: Command) -> Any:
        """The command through the ledger under the caller's key (service/ledger.py)."""
        return await self.services.ledger.handle(command, self.key, self.sender)


# A write route's parameter, filled by name from its room's `write` dependency.
Write: TypeAlias = NamedDependency[LedgerWrite]


def as_player(
    principal: Caller, services: Svc, idempotency_key: IdempotencyKey = None
) -> LedgerWrite:
    """A player's write: the token's subject sends it."""
    return LedgerWrite(services, principal, idempotency_key, Sender(principal.player_id))


def as_trusted(
    principal: Caller, services: Svc, idempotency_key: IdempotencyKey = None
) -> LedgerWrite:
    """A game server's or an operator's write, as a hold's owner check sees it (trusted.actor)."""
    who = actor(principal)
    return LedgerWrite(services, principal, idempotency_key, Sender(who.account, who.role))


def as_admin(
    principal: Caller, services: Svc, idempotency_key: IdempotencyKey = None
) -> LedgerWrite:
    """An operator's write (require_admin has re-read the role from the credentials table)."""
    return LedgerWrite(services, principal, idempotency_key, Sender(principal.player_id, "admin"))
