"""`/admin/webhooks`: register, list, disable, enable, rotate and delete webhook endpoints, and
see and redeliver the deliveries that exhausted their retries (admin role, like /admin)."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, delete, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody, PathParameter, QueryParameter
from msgspec import Meta, field

from api.http.auth import require_admin
from api.http.body import StrictBody
from api.http.problems import responses
from api.http.schemas import Request, Response
from api.http.services import Svc
from infra.webhook_store import Delivery, Endpoint
from service import webhooks as webhook_admin

Status = Annotated[Literal["pending", "delivered", "failed"] | None, QueryParameter(name="status")]


# Matched as strings, checked by pattern: a route that matches whatever the id looks like lets
# the admin guard answer 401/403 first, rather than a 404 that tells a stranger nothing useful.
EndpointId = Annotated[
    str,
    PathParameter(pattern=r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$",
                  description="The endpoint's id"),
]  # fmt: skip
DeliveryId = Annotated[
    str, PathParameter(pattern=r"^[1-9][0-9]{0,17}$", description="The delivery's id")
]


class WebhookRequest(Request):
    """An endpoint to register: its URL and the event keys it wants."""

    url: Annotated[str, Meta(min_length=8, max_length=2000)]
    events: Annotated[list[Annotated[str, Meta(max_length=64)]], Meta(min_length=1, max_length=50)]
    description: Annotated[str, Meta(max_length=500)] | None = None
    # `from`: where deliveries begin. Unset or "end": the log's current end, so an endpoint
    # registered late is not sent the whole past; "beginning", or a global log position.
    from_: Annotated[
        Literal["beginning", "end"] | Annotated[int, Meta(ge=1, le=2**62)],
        Meta(description='Where deliveries begin: "end" (default), "beginning" or a log position'),
    ] = field(default="end", name="from")


class WebhookEndpoint(Response):
    """A registered endpoint, with the secret its deliveries are signed with."""

    id: uuid.UUID
    url: str
    events: list[str]
    description: str | None
    secret: str
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    from_position: Annotated[
        int, Meta(description="Deliveries are of the events at or after this log position")
    ]


class WebhookList(Response):
    """Every endpoint."""

    endpoints: list[WebhookEndpoint]


class WebhookDelivery(Response):
    """One delivery of one event to one endpoint."""

    id: int
    endpoint_id: uuid.UUID
    url: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None


class DeliveryList(Response):
    """The newest deliveries."""

    deliveries: list[WebhookDelivery]


def _endpoint(e: Endpoint) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=e.id, url=e.url, events=e.events, description=e.description, secret=e.secret,
        enabled=e.enabled, disabled_reason=e.disabled_reason, created_at=e.created_at,
        from_position=e.from_position,
    )  # fmt: skip


def _delivery(d: Delivery) -> WebhookDelivery:
    return WebhookDelivery(
        id=d.id, endpoint_id=d.endpoint_id, url=d.url, event_id=d.event_id, event_type=d.event_key,
        status=d.status, attempts=d.attempts, last_status=d.last_status, last_error=d.last_error,
        created_at=d.created_at, next_attempt_at=d.next_attempt_at, delivered_at=d.delivered_at,
    )  # fmt: skip


class WebhookController(Controller):
    """Operators' webhook endpoints and deliveries."""

    path = "/admin/webhooks"
    tags = ["webhooks"]  # noqa: RUF012 - Litestar reads these class attributes
    guards = [require_admin]  # noqa: RUF012
    security = [{"bearer": []}]  # noqa: RUF012
    cache_control = CacheControlHeader(no_store=True)

    @post(
        "/", dto=StrictBody[WebhookRequest], return_dto=None, status_code=201,
        summary="Register a webhook endpoint", responses=responses(400, 401, 403, 413),
    )  # fmt: skip
    async def register(self, services: Svc, data: JSONBody[WebhookRequest]) -> WebhookEndpoint:
        """The endpoint with its generated signing secret."""
        endpoint = await webhook_admin.register(
            services.pool, services.settings, data.url, data.events, data.description, data.from_
        )
        return _endpoint(endpoint)

    @get("/", summary="Webhook endpoints", responses=responses(401, 403))
    async def list(self, services: Svc) -> WebhookList:
        """Every endpoint, oldest first."""
        found = await webhook_admin.endpoints(services.pool)
        return WebhookList(endpoints=[_endpoint(e) for e in found])

    @post("/{endpoint_id:str}/disable", status_code=200, summary="Disable an endpoint",
          responses=responses(400, 401, 403, 404))  # fmt: skip
    async def disable(self, services: Svc, endpoint_id: EndpointId) -> WebhookEndpoint:
        """Stop deliveries to the endpoint (pending ones wait until it is enabled)."""
        return _endpoint(
            await webhook_admin.set_enabled(services.pool, uuid.UUID(endpoint_id), False)
        )

    @post("/{endpoint_id:str}/enable", status_code=200, summary="Enable an endpoint",
          responses=responses(400, 401, 403, 404))  # fmt: skip
    async def enable(self, services: Svc, endpoint_id: EndpointId) -> WebhookEndpoint:
        """Resume deliveries to the endpoint."""
        return _endpoint(
            await webhook_admin.set_enabled(services.pool, uuid.UUID(endpoint_id), True)
        )

    @post("/{endpoint_id:str}/rotate-secret", status_code=200, summary="Rotate the secret",
          responses=responses(400, 401, 403, 404))  # fmt: skip
    async def rotate(self, services: Svc, endpoint_id: EndpointId) -> WebhookEndpoint:
        """The endpoint with a new signing secret (the old one stops at once)."""
        return _endpoint(await webhook_admin.rotate(services.pool, uuid.UUID(endpoint_id)))

    @delete(
        "/{endpoint_id:str}", summary="Delete an endpoint", responses=responses(400, 401, 403, 404)
    )
    async def remove(self, services: Svc, endpoint_id: EndpointId) -> None:
        """Remove the endpoint and its deliveries."""
        await webhook_admin.delete(services.pool, uuid.UUID(endpoint_id))

    @get("/deliveries", summary="Webhook deliveries", responses=responses(400, 401, 403))
    async def deliveries(self, services: Svc, status: Status = None) -> DeliveryList:
        """The newest 100 deliveries; `status=failed` lists those that exhausted their retries."""
        found = await webhook_admin.deliveries(services.pool, status)
        return DeliveryList(deliveries=[_delivery(d) for d in found])

    @post("/deliveries/{delivery_id:str}/redeliver", status_code=202,
          summary="Redeliver", responses=responses(400, 401, 403, 404))  # fmt: skip
    async def redeliver(self, services: Svc, delivery_id: DeliveryId) -> None:
        """Attempt the delivery again now, retried for another period if it fails."""
        await webhook_admin.redeliver(services.pool, services.settings, int(delivery_id))
