"""Idempotency keys: a request's fingerprint, the record stored with its events, the replay."""

import hashlib
from typing import TypeVar

import msgspec

from domain.commands import Command
from domain.errors import IdempotencyKeyReused
from domain.ports import IdempotencyRecord, Key

R = TypeVar("R", bound=msgspec.Struct)


def fingerprint(command: Command) -> str:
    """A stable digest of a command, to tell a retry from a different request.

    It hashes the command's explicit `tag`, never its class name (see domain/commands.py),
    and leaves out fields added later while they hold their defaults (`Command.added`).
    Metadata is part of the request (the same key with other metadata is another request),
    but empty metadata is left out, so keys stored before commands had metadata still match.
    """
    fields = {
        name: value
        for name, value in msgspec.to_builtins(command).items()
        if name not in command.added or value != command.added[name]
    }
    if not fields.get("metadata"):
        fields.pop("metadata", None)
    body = msgspec.json.encode({"kind": command.tag, **fields}, order="sorted")
    return hashlib.sha256(body).hexdigest()


def record(key: Key, digest: str, result: msgspec.Struct) -> IdempotencyRecord:
    """What is stored under the (caller, scope, key), in the same statement as the events."""
    caller, scope, name = key
    return IdempotencyRecord(
        caller=caller,
        scope=scope,
        key=name,
        fingerprint=digest,
        response=msgspec.json.encode(result).decode(),
    )


def replay(found: IdempotencyRecord, digest: str, result_type: type[R]) -> R:
    """The stored result of the first request, if this one is the same request."""
    if found.fingerprint != digest:
        raise reused(found.key)
    return msgspec.json.decode(found.response, type=result_type)


def reused(key: str) -> IdempotencyKeyReused:
    """The error for a key already used for another request."""
    return IdempotencyKeyReused(
        "this idempotency key was already used for another request", idempotencyKey=key
    )
