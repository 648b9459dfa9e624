"""What a failed database call means for the request that made it.

Three kinds, told apart here once: the database is away (every request waiting on it answers
503 and may retry), the request's own data cannot be stored (its caller's fault, a 4xx for that
request alone), or anything else (a bug: a 500 for that request alone).
"""

import asyncpg

from domain.errors import DomainError, InvalidInput, InvalidText

# Failures of the database connection (not of a statement): refused, reset, timed out, server
# shutting down or full. The client can retry; the driver's text stays in our logs.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,  # also asyncio's, and asyncpg's command and pool timeouts
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
    asyncpg.QueryCanceledError,
    # The driver's protocol out of step with a connection the server has just dropped.
    asyncpg.exceptions.InternalClientError,
)

# Text PostgreSQL cannot hold: NUL in `text` or `jsonb` (22021, 22P05).
_TEXT = (asyncpg.CharacterNotInRepertoireError, asyncpg.UntranslatableCharacterError)


def refusal(error: BaseException) -> DomainError | None:
    """The caller's-fault error a value-level failure stands for, or None when it is not one.

    SQLSTATE class 22 (asyncpg's DataError: untranslatable text, invalid text representation,
    a number out of range) is about the values a statement was given; a lone surrogate fails
    earlier, when the driver or msgspec encodes the text as UTF-8.
    """
    if isinstance(error, _TEXT) or isinstance(error.__cause__ or error, UnicodeError):
        return InvalidText(
            "the request has text the ledger cannot store (a NUL character or a lone surrogate)"
        )
    if isinstance(error, asyncpg.DataError):
        return InvalidInput("the request has a value the ledger cannot store")
    return None
