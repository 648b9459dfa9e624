"""Webhook delivery over HTTP: the address check, Standard Webhooks signing, one attempt, backoff.

Signatures come from the `standardwebhooks` package: `webhook-id`, `webhook-timestamp` and
`webhook-signature` = `v1,` + base64(HMAC-SHA256(secret, "id.timestamp.body")).

Server-side request forgery: only http(s) URLs, and no address of this host (loopback, the
unspecified address, the host's own interfaces), of a private network (10/8, 172.16/12,
192.168/16, fc00::/7, the carrier-grade 100.64/10) or of the link-local and cloud metadata
ranges, unless WEBHOOK_ALLOW_NETWORKS lists it. The check runs at registration and again before
every attempt (DNS may have changed), redirects are never followed, and proxies from the
environment are ignored.
"""

import asyncio
import base64
import functools
import ipaddress
import logging
import random
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from domain.webhook_errors import InvalidWebhookUrl
from infra.config import Network

# This host, the private networks behind it, and the metadata services: 169.254.169.254 (AWS,
# GCP, Azure, OpenStack) lies in the link-local range, AWS's IPv6 endpoint fd00:ec2::254 in the
# unique-local fc00::/7 and Alibaba Cloud's 100.100.100.200 in the carrier-grade 100.64/10.
REFUSED: tuple[Network, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "127.0.0.0/8", "::1/128", "0.0.0.0/8", "::/128", "169.254.0.0/16", "fe80::/10",
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7",
        "224.0.0.0/4", "ff00::/8", "255.255.255.255/32",
    )
)  # fmt: skip
# httpx logs every request as an unstructured INFO line; the dispatcher logs each attempt itself
# (projections/webhooks.py: DEBUG, failures at WARNING), so only httpx's own warnings show.
logging.getLogger("httpx").setLevel(logging.WARNING)
MAX_BACKOFF = 3600.0  # retries at least hourly until the deadline
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks format (`whsec_` + base64 of 24 bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signed_headers(secret: str, msg_id: str, body: str, now: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for `body`, sent at `now`."""
    at = now.astimezone(UTC).replace(microsecond=0)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
        "content-type": "application/json",
    }


def check_scheme(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL, or InvalidWebhookUrl."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidWebhookUrl("only http:// and https:// URLs with a host are accepted", url=url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidWebhookUrl("the URL's port is not a number", url=url) from None
    return parts.hostname, port


def refused(address: str, allow: tuple[Network, ...]) -> bool:
    """True when `address` is this host's, private or a metadata range's, and not allowed."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in allow):
        return False
    return any(ip in network for network in REFUSED) or address in _own_addresses()


async def check_url(url: str, allow: tuple[Network, ...]) -> None:
    """Refuse a URL that is not http(s) or resolves to a refused address (InvalidWebhookUrl)."""
    host, port = check_scheme(url)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise InvalidWebhookUrl(f"{host} does not resolve", url=url) from None
    for info in infos:
        address = str(info[4][0])
        if refused(address, allow):
            raise InvalidWebhookUrl(
                f"{host} resolves to {address}: this host, a private network or a metadata"
                " range (WEBHOOK_ALLOW_NETWORKS may allow it)",
                url=url,
            )


def allowed(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    """WEBHOOK_ALLOW_NETWORKS as networks (the settings hold them as normalised strings)."""
    return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)


def client() -> httpx.AsyncClient:
    """The HTTP client of the deliveries: no redirects, no proxies from the environment."""
    return httpx.AsyncClient(follow_redirects=False, trust_env=False)


async def post(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], body: str, seconds: float
) -> int:
    """One attempt of at most `seconds`: the status the receiver answered (or an error)."""
    async with asyncio.timeout(seconds):
        response = await http.post(url, content=body.encode(), headers=headers, timeout=seconds)
    return response.status_code


@dataclass(frozen=True)
class NextStep:
    """What follows an attempt: delivered, failed (for good), or retry at `retry_at`."""

    outcome: Literal["delivered", "gone", "retry", "failed"]
    retry_at: datetime | None = None


def next_step(
    status: int | None,
    attempts: int,
    deadline: datetime,
    now: datetime,
    base: float,
    rng: random.Random | None = None,
) -> NextStep:
    """2xx delivered; 410 gone (disable the endpoint); else retry with backoff until `deadline`."""
    if status is not None and 200 <= status < 300:
        return NextStep("delivered")
    if status == 410:
        return NextStep("gone")
    delay = backoff(attempts, base, rng or random.Random())
    retry_at = datetime.fromtimestamp(now.timestamp() + delay, tz=UTC)
    return NextStep("failed") if retry_at > deadline else NextStep("retry", retry_at)


def backoff(attempts: int, base: float, rng: random.Random) -> float:
    """Seconds before the next attempt: base * 2^(attempts-1), capped, half of it jittered."""
    ceiling = min(MAX_BACKOFF, base * 2.0 ** max(attempts - 1, 0))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


@functools.cache  # looked up once: the host's interfaces do not change under a running service
def _own_addresses() -> set[str]:
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        return set()
    return {str(info[4][0]) for info in infos}
