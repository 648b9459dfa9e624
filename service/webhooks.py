"""Operators' webhook actions, shared by the HTTP API and the command line."""

import uuid
from typing import Literal, get_args

import asyncpg

from domain.events import EVENT_TYPES, TransferCode
from domain.webhook_errors import InvalidWebhookEvents, UnknownWebhook
from domain.wording import listed
from infra import webhook_sender, webhook_store
from infra.config import Settings
from infra.webhook_store import Delivery, Endpoint

Start = Literal["beginning", "end"] | int  # where an endpoint's deliveries begin
KEYS = sorted([*EVENT_TYPES, *(f"transferred.{code}" for code in get_args(TransferCode)), "*"])


def check_events(events: list[str]) -> list[str]:
    """The event keys, deduplicated in order; InvalidWebhookEvents names an unknown one."""
    unknown = [key for key in events if key not in KEYS]
    if not events or unknown:
        raise InvalidWebhookEvents(
            f"unknown event keys {unknown}" if unknown else "name at least one event key",
            said=f"These event keys are unknown: {listed(unknown)}." if unknown else None,
            known=KEYS,
        )
    return list(dict.fromkeys(events))


async def register(
    pool: asyncpg.Pool,
    settings: Settings,
    url: str,
    events: list[str],
    description: str | None,
    start: Start = "end",
) -> Endpoint:
    """Register an endpoint with a fresh secret, after the URL and event checks. Its deliveries
    begin at the log's end, its `beginning`, or the global position `start`."""
    keys = check_events(events)
    await webhook_sender.check_url(url, webhook_sender.allowed(settings.webhook_allow_networks))
    first = None if start == "end" else 1 if start == "beginning" else max(int(start), 1)
    secret = webhook_sender.new_secret()
    async with pool.acquire() as conn:
        return await webhook_store.create(conn, url, keys, description, secret, first)


async def endpoints(pool: asyncpg.Pool) -> list[Endpoint]:
    """Every endpoint."""
    async with pool.acquire() as conn:
        return await webhook_store.endpoints(conn)


async def set_enabled(pool: asyncpg.Pool, endpoint_id: uuid.UUID, enabled: bool) -> Endpoint:
    """Enable or disable an endpoint (UnknownWebhook if none has this id)."""
    async with pool.acquire() as conn:
        reason = None if enabled else "disabled by an operator"
        return _found(await webhook_store.set_enabled(conn, endpoint_id, enabled, reason))


async def rotate(pool: asyncpg.Pool, endpoint_id: uuid.UUID) -> Endpoint:
    """A new signing secret for the endpoint; the old one stops at once."""
    async with pool.acquire() as conn:
        return _found(await webhook_store.rotate(conn, endpoint_id, webhook_sender.new_secret()))


async def delete(pool: asyncpg.Pool, endpoint_id: uuid.UUID) -> None:
    """Remove the endpoint and its deliveries."""
    async with pool.acquire() as conn:
        if not await webhook_store.delete(conn, endpoint_id):
            raise UnknownWebhook("no webhook endpoint has this id", id=str(endpoint_id))


async def deliveries(pool: asyncpg.Pool, status: str | None, limit: int = 100) -> list[Delivery]:
    """The newest deliveries (of one status if given)."""
    async with pool.acquire() as conn:
        return await webhook_store.deliveries(conn, status, limit)


async def redeliver(pool: asyncpg.Pool, settings: Settings, delivery_id: int) -> None:
    """Attempt a delivery again now, with a fresh retry period."""
    async with pool.acquire() as conn:
        if not await webhook_store.redeliver(conn, delivery_id, settings.webhook_retry_seconds):
            raise UnknownWebhook("no webhook delivery has this id", id=delivery_id)


def _found(endpoint: Endpoint | None) -> Endpoint:
    if endpoint is None:
        raise UnknownWebhook("no webhook endpoint has this id")
    return endpoint
