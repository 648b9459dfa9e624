"""Abuse protection: sliding-window throttles for logins and signups, and the page-size cap.

Failed logins are counted per account and per client address: a guesser is stopped on one
account without locking its owner out from elsewhere for long, and one address cannot spray
many accounts. Signups are counted per address (referral farming, and each costs an argon2
hash). Counters live in the process: with several workers each keeps its own, so the effective
limit is at most `workers` times the configured one.

Behind a load balancer the peer is the balancer: `client_ip` then takes the address from
X-Forwarded-For, but only from the peers named in TRUSTED_PROXIES, so a client cannot pick its
own throttle key by sending the header.
"""

import ipaddress
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from litestar.exceptions import TooManyRequestsException

from infra.config import Network, Settings

# Bounded memory: an attacker rotating addresses or usernames evicts the oldest keys.
MAX_KEYS = 100_000


@dataclass(frozen=True)
class Policy:
    """At most `limit` events per `period` seconds."""

    limit: int
    period: float


@dataclass(frozen=True)
class Limits:
    """The throttles' policies (tests and operators may tighten or relax them)."""

    login_per_account: Policy = Policy(limit=5, period=300.0)
    login_per_address: Policy = Policy(limit=50, period=300.0)
    signup_per_address: Policy = Policy(limit=20, period=3600.0)

    @classmethod
    def from_settings(cls, s: Settings) -> "Limits":
        """The policies the operator configured (LOGIN_* and SIGNUP* settings)."""
        return cls(
            login_per_account=Policy(s.login_failures_per_account, s.login_window_seconds),
            login_per_address=Policy(s.login_failures_per_address, s.login_window_seconds),
            signup_per_address=Policy(s.signups_per_address, s.signup_window_seconds),
        )


@dataclass
class Window:
    """Timestamps of recent events per key, within one policy."""

    policy: Policy
    clock: Callable[[], float] = time.monotonic
    _events: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may act again (0 when it may now)."""
        events = self._recent(key)
        if len(events) < self.policy.limit:
            return 0.0
        return max(0.0, events[0] + self.policy.period - self.clock())

    def hit(self, key: str) -> None:
        """Record one event for `key`."""
        self._recent(key).append(self.clock())
        self._events.move_to_end(key)
        while len(self._events) > MAX_KEYS:
            self._events.popitem(last=False)

    def reset(self, key: str) -> None:
        """Forget `key`'s events (a successful login clears its account's failures)."""
        self._events.pop(key, None)

    def release(self, key: str) -> None:
        """Give back `key`'s latest event (an attempt that turned out not to count)."""
        events = self._events.get(key)
        if events:
            events.pop()

    def _recent(self, key: str) -> deque[float]:
        events = self._events.setdefault(key, deque())
        horizon = self.clock() - self.policy.period
        while events and events[0] <= horizon:
            events.popleft()
        return events


class Throttles:
    """The service's throttles, shared by the routes that need them."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.login_account = Window(limits.login_per_account, clock)
        self.login_address = Window(limits.login_per_address, clock)
        self.signup_address = Window(limits.signup_per_address, clock)

    def check_login(self, username: str, address: str) -> None:
        """429 when the account or the address has failed too often lately.

        An attempt let through counts as a failure at once, before its slow password check:
        counted only once it failed, a concurrent burst would all pass this check first.
        """
        wait = max(
            self.login_account.retry_after(username.lower()),
            self.login_address.retry_after(address),
        )
        if wait:
            raise rate_limited("too many failed logins; retry later", wait)
        self.login_account.hit(username.lower())
        self.login_address.hit(address)

    def login_aborted(self, username: str, address: str) -> None:
        """The attempt never reached a verdict (the database is away): it does not count."""
        self.login_account.release(username.lower())
        self.login_address.release(address)

    def login_succeeded(self, username: str, address: str) -> None:
        """The owner got in: the account's failures no longer count, nor this attempt."""
        self.login_account.reset(username.lower())
        self.login_address.release(address)

    def check_signup(self, address: str) -> None:
        """Count a signup attempt from `address`; 429 past the limit."""
        wait = self.signup_address.retry_after(address)
        if wait:
            raise rate_limited("too many signups from this address; retry later", wait)
        self.signup_address.hit(address)


def rate_limited(detail: str, wait: float) -> TooManyRequestsException:
    """A 429 whose Retry-After is a whole number of seconds, at least 1."""
    seconds = max(1, math.ceil(wait))
    return TooManyRequestsException(
        detail=detail, headers={"Retry-After": str(seconds)}, extra={"retryAfter": seconds}
    )


def page_size(requested: int, cap: int) -> int:
    """The page size to serve: what was asked, capped by MAX_PAGE_SIZE."""
    return max(1, min(requested, cap))


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_ip(peer: str, forwarded_for: Iterable[str], trusted: Sequence[Network]) -> str:
    """The address to throttle: the peer's, or, when the peer is a trusted proxy, the right-most
    X-Forwarded-For address that is not itself a trusted proxy.

    Each proxy appends the address it received the request from, so entries are trustworthy only
    from the right up to the first untrusted one; everything left of it the client may have
    written. An unreadable entry stops the walk at the proxy that passed it on.
    """
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
    address = parse_ip(peer)
    if address is None or not _trusted(address, trusted):
        return peer
    for hop in reversed(hops):
        found = parse_ip(hop)
        if found is None:
            break
        address = found
        if not _trusted(address, trusted):
            break
    return str(address)


def parse_ip(text: str) -> IPAddress | None:
    """An address from a peer or forwarded entry (`1.2.3.4`, `1.2.3.4:80`, `[::1]:80`), or None."""
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d: compare them as IPv4.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, trusted: Sequence[Network]) -> bool:
    return any(address in network for network in trusted)
