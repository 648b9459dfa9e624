"""What a room declares to give one of its routes a fast path (api/http/fast_path.py): the
`FastRoute` (method, path, the answer, the Struct its body decodes into) and the `Plain` request
its answer gets: the services, the verified principal, the idempotency key and the decoded body."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from api.http.auth import Principal
from api.http.services import Services


@dataclass(frozen=True, slots=True)
class Plain:
    """A plain request's parts a route needs: who calls, with which key, and its decoded body."""

    services: Services
    principal: Principal
    key: str | None
    data: Any


# A route's answer to its plain request: the Struct it answers 200 with.
Route = Callable[[Plain], Awaitable[msgspec.Struct]]


@dataclass(frozen=True, slots=True)
class FastRoute:
    """One route's fast path.

    `model`: the Struct its body decodes into, strictly (None: a route without a body;
    `optional`: an empty body is `None`). A route with a body writes: once `answer` is called,
    whatever comes of it is answered here, errors as problems. A route without one reads: on
    an error, Litestar answers the request from the start (a read has no effect to repeat).
    """

    method: str
    path: str
    answer: Route
    model: type[msgspec.Struct] | None = None
    optional: bool = False
