"""A typed client of the gameledger HTTP API: players and game servers, asyncio or blocking.

    from gameledger_client import AsyncGameLedger, models

    async with AsyncGameLedger("http://127.0.0.1:8080") as ledger:
        await ledger.login("alice", "correct-horse-9")
        await ledger.purchase(models.PurchaseRequest(item="treasure_box"))

The request and answer types in `models` are generated from the service's OpenAPI document.
"""

from gameledger_client import models
from gameledger_client.aio import AsyncGameLedger
from gameledger_client.blocking import GameLedger
from gameledger_client.core import RetryPolicy
from gameledger_client.problems import (
    BadRequest,
    Conflict,
    Forbidden,
    GameLedgerError,
    HoldNotPending,
    IdempotencyKeyReused,
    InsufficientFunds,
    NetworkError,
    NotFound,
    ProblemError,
    RateLimited,
    Unauthorized,
    Unavailable,
    Unprocessable,
    UsernameTaken,
)
from gameledger_client.webhooks import WebhookEvent, WebhookVerificationError, verify

__all__ = [
    "AsyncGameLedger",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "GameLedger",
    "GameLedgerError",
    "HoldNotPending",
    "IdempotencyKeyReused",
    "InsufficientFunds",
    "NetworkError",
    "NotFound",
    "ProblemError",
    "RateLimited",
    "RetryPolicy",
    "Unauthorized",
    "Unavailable",
    "Unprocessable",
    "UsernameTaken",
    "WebhookEvent",
    "WebhookVerificationError",
    "models",
    "verify",
]
