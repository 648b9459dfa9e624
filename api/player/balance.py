"""`GET /balance`: the answer, and the fast path that serves its plain form before Litestar.

`GET /balance` is a game client's most frequent call. Litestar's per-request machinery (routing,
four middlewares, the guard, kwargs, the response object) cost more of it than the read itself
(issue 22's profile). The route stays a Litestar handler: it is what the OpenAPI document shows
and what answers every request the fast path does not take. The fast path takes only the plain
request: `GET /balance` with no query string, no body, no `Origin` (CORS) and no
`Ledger-Position`, with a bearer token the kernel's own `Tokens` accepts and a wallet that
exists. It answers what the handler answers, with the same headers, log line and metrics. On
anything else, or on any error before it answers, it hands the request to Litestar untouched
(the read has no effect to repeat), which answers it, errors included, as it always has.
"""

import time

import msgspec
from litestar import Litestar
from litestar.enums import ScopeType
from litestar.serialization import encode_json
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    Scope,
    Send,
)

from api.http import observability, reads
from api.http.auth import Principal, Tokens
from api.http.energies import energy_balances
from api.http.schemas import BalanceResponse, Lots, inventory
from api.http.services import Reader, Services
from domain import accounts, lots
from domain.assets import CURRENCY
from domain.energies import levels
from domain.timed import NO_TIMED
from projections.views import PlayerView

PATH = "/balance"

# Headers whose presence sends the request to Litestar: the CORS middleware answers an Origin,
# the handler reads Ledger-Position, and a request with a body is the linger middleware's.
_LITESTAR_ONLY = frozenset({b"origin", b"ledger-position", b"content-length", b"transfer-encoding"})

# What Litestar adds to the handler's answer: the app's and the room's response headers.
_HEADERS = [
    (b"content-type", b"application/json"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]


def wallet_answer(services: Services, wallet: PlayerView) -> BalanceResponse:
    """The wire form of a wallet, at the ledger's clock (energies refill as time passes)."""
    timed = wallet.timed or NO_TIMED  # as the wallet's own version left them
    now = services.ledger.ctx.clock()
    return BalanceResponse(
        username=wallet.username,
        balance=wallet.balance,
        version=wallet.version,
        referral_code=wallet.referral_code,
        inventory=inventory(wallet.inventory, services.item_codes),
        wallet=services.wallet({CURRENCY: wallet.balance, **wallet.inventory}),
        held=wallet.held,
        debt=wallet.debt,
        energies=energy_balances(levels(timed.energies, services.catalog.energies, now)),
        lots=msgspec.convert(lots.shown(timed.lots), Lots),
    )


async def read_wallet(services: Services, player_id: str, position: int | None) -> PlayerView:
    """The player's wallet with their own last write (and the one `position` names) in it."""
    read = Reader(services.reads, player_id, position)
    async with read.connection(*accounts.wallet_streams(player_id)) as conn:
        return await reads.wallet(conn, player_id)


def install(app: Litestar) -> None:
    """Put the fast path in front of the app's routing (its CORS and exception layers too)."""
    app.asgi_handler = fast_path(app, app.asgi_handler)


def fast_path(app: Litestar, litestar: ASGIApp) -> ASGIApp:
    """`litestar`, with the plain `GET /balance` answered before it (module doc)."""

    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == ScopeType.HTTP
            and scope["path"] == PATH
            and scope["method"] == "GET"
            and not scope["query_string"]
            and await _answered(app, scope, send)
        ):
            return
        await litestar(scope, receive, send)

    return handler


async def _answered(app: Litestar, scope: Scope, send: Send) -> bool:
    """Answer the request if it is the plain form; False (nothing sent) to leave it to Litestar."""
    started = time.perf_counter()
    token, request_id = None, None
    for name, value in scope["headers"]:
        if name == b"authorization":
            token = value
        elif name == b"x-request-id":
            request_id = value
        elif name in _LITESTAR_ONLY or b"\x00" in value:  # the text guard's refusal, too
            return False
    services: Services | None = getattr(app.state, "services", None)
    if token is None or services is None or b"\x00" in token:
        return False
    scheme, _, raw = token.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return False
    try:
        tokens: Tokens = app.state.tokens
        await tokens.current()
        principal: Principal = tokens.verify(raw.strip())
        wallet = await read_wallet(services, principal.player_id, None)
        body = encode_json(wallet_answer(services, wallet))
    except Exception:
        return False
    scope["user"], scope["path_template"] = principal, PATH  # for the log line and metrics
    request = observability.request_id_of(request_id)
    headers = [
        *_HEADERS,
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request.encode()),
    ]
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 200,
        "headers": headers,
    }
    await send(start)
    done: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(done)
    observability.record(scope, 200, time.perf_counter() - started, request)
    return True
