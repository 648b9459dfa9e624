"""Abuse protection: sliding-window throttles for logins and signups, and the page-size cap.

Failed logins throttle the guesser, never the owner (README: Login and signup throttles; the
OWASP Authentication Cheat Sheet's account lockout section is the anchor):
- per (account, client address) and per client address they refuse, with 429 and Retry-After:
  the first stops one address guessing one account, the second one address spraying many;
- per account, from every address together, they only slow the answers down (a delay that
  doubles with each failure past a threshold, capped at a few seconds). OWASP ties the counter
  to the account so that many addresses cannot share out the guessing, and warns that a lockout
  lets anyone lock any owner out: a delay costs the guesser and never refuses the right password.
Signups are counted per address (referral farming, and each costs an argon2 hash). Counters
live in the process: with several workers each keeps its own, so the effective limit is at most
`workers` times the configured one.

Behind a load balancer the peer is the balancer: `client_ip` then takes the address from
X-Forwarded-For, but only from the peers named in TRUSTED_PROXIES, so a client cannot pick its
own throttle key by sending the header.
"""

import asyncio
import ipaddress
import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from litestar.exceptions import TooManyRequestsException

from infra.config import Network, Settings

# Bounded memory: an attacker rotating addresses or usernames evicts the oldest keys (and each
# key keeps at most its policy's limit of timestamps).
MAX_KEYS = 100_000
_MAX_DOUBLINGS = 64  # 2**64 times any first delay is past any cap: no float overflow


@dataclass(frozen=True)
class Policy:
    """At most `limit` events per `period` seconds."""

    limit: int
    period: float


@dataclass(frozen=True)
class Slowdown:
    """After `after` failed logins on an account (from anywhere, within `period` seconds), its
    answers wait `first` seconds, twice as long with each further failure, at most `most`."""

    after: int = 5
    first: float = 0.1
    most: float = 3.0
    period: float = 300.0

    def delay(self, failures: int) -> float:
        """Seconds to hold an attempt's answer when the account has `failures` failures."""
        if failures < self.after:
            return 0.0
        return min(self.most, math.ldexp(self.first, min(failures - self.after, _MAX_DOUBLINGS)))

    @property
    def saturates(self) -> int:
        """The failure count whose delay is the cap: counting further changes nothing."""
        count = max(self.after, 1)
        while self.delay(count) < self.most and count < self.after + _MAX_DOUBLINGS:
            count += 1
        return count


@dataclass(frozen=True)
class Limits:
    """The throttles' policies (tests and operators may tighten or relax them)."""

    login_per_account_address: Policy = Policy(limit=5, period=300.0)
    login_per_address: Policy = Policy(limit=50, period=300.0)
    login_slowdown: Slowdown = Slowdown()
    signup_per_address: Policy = Policy(limit=20, period=3600.0)

    @classmethod
    def from_settings(cls, s: Settings) -> "Limits":
        """The policies the operator configured (LOGIN_* and SIGNUP* settings)."""
        window = s.login_window_seconds
        return cls(
            login_per_account_address=Policy(s.login_failures_per_account, window),
            login_per_address=Policy(s.login_failures_per_address, window),
            login_slowdown=Slowdown(
                s.login_delay_after, s.login_delay_first_seconds, s.login_delay_max_seconds, window
            ),
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

    def count(self, key: str) -> int:
        """How many of `key`'s events are within the period (at most the policy's limit)."""
        return len(self._recent(key))

    def hit(self, key: str) -> None:
        """Record one event for `key` (past the limit, the oldest is forgotten)."""
        events = self._recent(key)
        if key not in self._events:
            self._events[key] = events
        events.append(self.clock())
        self._events.move_to_end(key)
        while len(self._events) > MAX_KEYS:
            self._events.popitem(last=False)

    def reset(self, key: str) -> None:
        """Forget `key`'s events (a successful login clears its own address's failures)."""
        self._events.pop(key, None)

    def release(self, key: str) -> None:
        """Give back `key`'s latest event (an attempt that turned out not to count)."""
        events = self._events.get(key)
        if events:
            events.pop()

    def __len__(self) -> int:
        return len(self._events)

    def _recent(self, key: str) -> deque[float]:
        # Reading creates no key: only `hit` does, and it evicts.
        events = self._events.get(key)
        if events is None:
            return deque(maxlen=self.policy.limit)
        horizon = self.clock() - self.policy.period
        while events and events[0] <= horizon:
            events.popleft()
        return events


class Throttles:
    """The service's throttles, shared by the routes that need them."""

    def __init__(
        self,
        limits: Limits,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        slowdown = limits.login_slowdown
        self.login_pair = Window(limits.login_per_account_address, clock)
        self.login_address = Window(limits.login_per_address, clock)
        self.login_account = Window(Policy(slowdown.saturates, slowdown.period), clock)
        self.slowdown = slowdown
        self.signup_address = Window(limits.signup_per_address, clock)
        self.sleep = sleep  # tests inject one that only records

    def check_login(self, username: str, address: str) -> float:
        """429 when this address has failed too often lately, on this account or on any;
        otherwise count the attempt and return how long to hold its answer (the account's
        slowdown, never a refusal: the owner may be trying from elsewhere).

        An attempt let through counts as a failure at once, before its slow password check:
        counted only once it failed, a concurrent burst would all pass this check first.
        """
        account, pair = username.lower(), _pair(username, address)
        wait = max(self.login_pair.retry_after(pair), self.login_address.retry_after(address))
        if wait:
            raise rate_limited("too many failed logins; retry later", wait)
        delay = self.slowdown.delay(self.login_account.count(account))
        self.login_pair.hit(pair)
        self.login_address.hit(address)
        self.login_account.hit(account)
        return delay

    async def slow_down(self, delay: float) -> None:
        """Hold the attempt's answer for `delay` seconds, without blocking the event loop."""
        if delay > 0:
            await self.sleep(delay)

    def login_aborted(self, username: str, address: str) -> None:
        """The attempt never reached a verdict (the database is away, the client left): it
        does not count."""
        self.login_pair.release(_pair(username, address))
        self.login_address.release(address)
        self.login_account.release(username.lower())

    def login_succeeded(self, username: str, address: str) -> None:
        """The owner got in: their failures from this address no longer count, nor this
        attempt; those from other addresses still slow the account down."""
        self.login_pair.reset(_pair(username, address))
        self.login_address.release(address)
        self.login_account.release(username.lower())

    def check_signup(self, address: str) -> None:
        """Count a signup attempt from `address`; 429 past the limit."""
        wait = self.signup_address.retry_after(address)
        if wait:
            raise rate_limited("too many signups from this address; retry later", wait)
        self.signup_address.hit(address)


def _pair(username: str, address: str) -> str:
    # A newline cannot occur in a username (api/http/schemas.py) nor in an address.
    return f"{address}\n{username.lower()}"


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
