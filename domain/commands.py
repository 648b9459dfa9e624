"""Commands: what a caller asks the ledger to do. Validation of shape lives in the API schemas;
the rules (limits, funds, catalog) live in the decide functions."""

from typing import ClassVar

import msgspec


class Command(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every command.

    `tag` names the command in stored idempotency fingerprints and in metrics. It is spelled
    out, never derived from the class name: a renamed class must still match the keys stored
    under its old name (the tags are the names the classes had when keys were first stored).
    """

    tag: ClassVar[str]


class SignUp(Command, frozen=True, kw_only=True):
    tag: ClassVar[str] = "SignUp"
    username: str
    referral_code: str | None = None


class TopUp(Command, frozen=True, kw_only=True):
    tag: ClassVar[str] = "TopUp"
    player_id: str
    amount: int


class Purchase(Command, frozen=True, kw_only=True):
    tag: ClassVar[str] = "Purchase"
    player_id: str
    item: str
    quantity: int = 1


class Reverse(Command, frozen=True, kw_only=True):
    tag: ClassVar[str] = "Reverse"
    player_id: str
    transfer_id: str
    reason: str
    actor: str


class Sweep(Command, frozen=True, kw_only=True):
    """Refill shards from inflow: `inflow_credited` is what the projection has folded so far."""

    tag: ClassVar[str] = "Sweep"
    inflow_credited: int


class EconomyRules(msgspec.Struct, frozen=True, kw_only=True):
    """The economy's tunable numbers (from configuration)."""

    genesis_supply: int = 2_000_000_000
    shard_count: int = 64
    top_up_max: int = 10_000
    referral_bonus: int = 50
    max_quantity: int = 10_000
    # A shard below this budget is refilled first by the sweeper.
    shard_low_water: int = 1_000_000
