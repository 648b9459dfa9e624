"""The blocking client, generated from aio.py by sdk/python/codegen.py: do not edit.

One class for both sides: what a call may do depends on the token it holds, a player's (after
`login`) or a game server's (a `service` account's login, or a token given to the constructor).
"""

import threading
import time
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
import msgspec

from gameledger_client import core
from gameledger_client.core import Call, RetryPolicy, Tokens
from gameledger_client.models import (
    BalanceResponse,
    BatchRequest,
    BatchResponse,
    CaptureRequest,
    CatalogResponse,
    GrantRequest,
    GrantResponse,
    HealthResponse,
    HistoryPage,
    HoldList,
    HoldRequest,
    HoldResponse,
    LoginRequest,
    LoginResponse,
    PurchaseRequest,
    PurchaseResponse,
    RefreshRequest,
    SettlementRequest,
    SettlementResponse,
    SignupRequest,
    SignupResponse,
    TopUpRequest,
    TopUpResponse,
    TransferRequest,
    TransferResponse,
    VoidRequest,
    WebhookEndpoint,
    WebhookRequest,
)
from gameledger_client.problems import NetworkError, ProblemError

T = TypeVar("T")


class GameLedger:
    """A gameledger client: `with GameLedger(url) as ledger: ...`."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        refresh_token: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
    ) -> None:
        self.tokens = Tokens(token, refresh_token)
        self.retry = retry or RetryPolicy()
        self.http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self._renewing = threading.Lock()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self.http.close()

    # The session.

    def signup(self, body: SignupRequest, *, idempotency_key: str | None = None) -> SignupResponse:
        """Open a player account (it does not log in)."""
        return self.send(core.write("/signup", SignupResponse, body, idempotency_key))

    def login(
        self, username: str, password: str, *, refresh: bool = True, access_ttl: int | None = None
    ) -> LoginResponse:
        """Log in and keep the tokens; with `refresh`, an expired token is renewed by itself."""
        body = LoginRequest(
            username=username, password=password, refresh=refresh, access_ttl=access_ttl
        )
        call = Call("POST", "/login", LoginResponse, body=body, safe=True, authenticated=False)
        return self.tokens.take(self.send(call))

    def refresh(self) -> LoginResponse:
        """Trade the refresh token for new tokens (each refresh token works once).

        Never resent after a lost answer: the service treats a refresh token presented twice as
        stolen and ends the session.
        """
        if self.tokens.refresh is None:
            raise ValueError("no refresh token: log in with refresh=True first")
        body = RefreshRequest(refresh_token=self.tokens.refresh)
        call = Call("POST", "/token/refresh", LoginResponse, body=body, authenticated=False)
        return self.tokens.take(self.send(call))

    def logout(self) -> None:
        """Revoke this session's tokens."""
        self.send(Call("POST", "/logout", type(None)))
        self.tokens = Tokens()

    # A player's wallet.

    def balance(self) -> BalanceResponse:
        """The player's wallet now."""
        return self.send(core.read("/balance", BalanceResponse))

    def history(
        self, *, limit: int | None = None, cursor: str | None = None, code: str | None = None
    ) -> HistoryPage:
        """The player's ledger entries, newest first."""
        params = {"limit": limit, "cursor": cursor, "code": code}
        return self.send(core.read("/history", HistoryPage, params))

    def items(self) -> CatalogResponse:
        """The catalog."""
        return self.send(core.read("/items", CatalogResponse))

    def top_up(
        self, body: TopUpRequest | None = None, *, idempotency_key: str | None = None
    ) -> TopUpResponse:
        """Add currency to the player's wallet (100 diamonds by default)."""
        body = body or TopUpRequest()
        return self.send(core.write("/top-up", TopUpResponse, body, idempotency_key))

    def purchase(
        self, body: PurchaseRequest, *, idempotency_key: str | None = None
    ) -> PurchaseResponse:
        """Buy a catalog item (InsufficientFunds when the wallet is short)."""
        return self.send(core.write("/purchase", PurchaseResponse, body, idempotency_key))

    def transfer(
        self, body: TransferRequest, *, idempotency_key: str | None = None
    ) -> TransferResponse:
        """Give another player currency or items."""
        return self.send(core.write("/transfers", TransferResponse, body, idempotency_key))

    # A game server's calls (a service token).

    def place_hold(self, body: HoldRequest, *, idempotency_key: str | None = None) -> HoldResponse:
        """Set a player's stake aside until it is captured, voided, settled or expires."""
        return self.send(core.write("/holds", HoldResponse, body, idempotency_key))

    def capture_hold(
        self,
        hold_id: str,
        body: CaptureRequest | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> HoldResponse:
        """Take the hold (or part of it) to the treasury; the rest goes back to the player."""
        path = f"/holds/{hold_id}/capture"
        body = body or CaptureRequest()
        return self.send(core.write(path, HoldResponse, body, idempotency_key))

    def void_hold(
        self, hold_id: str, body: VoidRequest | None = None, *, idempotency_key: str | None = None
    ) -> HoldResponse:
        """Give the hold back to its player."""
        body = body or VoidRequest()
        path = f"/holds/{hold_id}/void"
        return self.send(core.write(path, HoldResponse, body, idempotency_key))

    def hold(self, hold_id: str) -> HoldResponse:
        """One of this game server's holds."""
        return self.send(core.read(f"/holds/{hold_id}", HoldResponse))

    def holds(
        self, *, status: str | None = None, cursor: str | None = None, limit: int | None = None
    ) -> HoldList:
        """This game server's holds, newest first."""
        params = {"status": status, "cursor": cursor, "limit": limit}
        return self.send(core.read("/holds", HoldList, params))

    def settle(
        self, body: SettlementRequest, *, idempotency_key: str | None = None
    ) -> SettlementResponse:
        """Capture every hold and pay the winners; what the payouts leave is the rake."""
        path = "/settlements"
        return self.send(core.write(path, SettlementResponse, body, idempotency_key))

    def grant(self, body: GrantRequest, *, idempotency_key: str | None = None) -> GrantResponse:
        """Credit a player from the treasury, with a reason."""
        return self.send(core.write("/grants", GrantResponse, body, idempotency_key))

    def batch(self, body: BatchRequest) -> BatchResponse:
        """Up to 1,000 top-ups and purchases; each gets a key now if it has none, so a retry
        of the batch replays what the first attempt applied."""
        transfers = [
            msgspec.structs.replace(t, idempotency_key=t.idempotency_key or core.new_key())
            for t in body.transfers
        ]
        body = msgspec.structs.replace(body, transfers=transfers)
        return self.send(Call("POST", "/batch/transfers", BatchResponse, body, safe=True))

    # Operators and probes.

    def register_webhook(self, body: WebhookRequest) -> WebhookEndpoint:
        """Register a webhook endpoint (an admin token); the answer holds its signing secret."""
        return self.send(Call("POST", "/admin/webhooks", WebhookEndpoint, body))

    def health(self) -> HealthResponse:
        """Whether the service and its database are up (a 503 raises Unavailable)."""
        return self.send(Call("GET", "/health", HealthResponse, authenticated=False))

    # The transport.

    def send(self, call: Call[T]) -> T:
        """Send a call, retrying as the policy allows, renewing an expired token once."""
        attempt, renewed = 0, False
        while True:
            attempt += 1
            token = self.tokens.access
            response = self._attempt(call, attempt)
            if response is None:
                continue
            if response.status_code == 401 and call.authenticated and not renewed:
                renewed = self._renew(token)
                if renewed:
                    attempt -= 1
                    continue
            try:
                return call.decode(response)
            except ProblemError as problem:
                pause = self.retry.after_answer(call, attempt, problem)
                if pause is None:
                    raise
                time.sleep(pause)

    def _attempt(self, call: Call[Any], attempt: int) -> httpx.Response | None:
        """One try: the answer, or None after a pause when the network failed and may retry."""
        try:
            return self.http.request(
                call.method,
                call.path,
                params=call.params,
                content=call.content(),
                headers=call.headers(self.tokens.access),
            )
        except httpx.HTTPError as error:
            pause = self.retry.after_failure(call, attempt, error)
            if pause is None:
                text = f"{call.method} {call.path}: no answer ({type(error).__name__}: {error})"
                raise NetworkError(text, call.key) from error
        time.sleep(pause)
        return None

    def _renew(self, rejected: str | None) -> bool:
        """Refresh the tokens after `rejected` was refused (once, however many calls saw it)."""
        with self._renewing:
            if self.tokens.access != rejected:
                return True  # another call renewed it meanwhile
            if self.tokens.refresh is None:
                return False
            self.refresh()
            return True
