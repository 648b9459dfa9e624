"""Commands: what a caller asks the ledger to do. Validation of shape lives in the API schemas;
the rules (limits, funds, catalog) live in the decide functions."""

import msgspec


class Command(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every command."""


class SignUp(Command, frozen=True, kw_only=True):
    username: str
    referral_code: str | None = None


class TopUp(Command, frozen=True, kw_only=True):
    player_id: str
    amount: int


class Purchase(Command, frozen=True, kw_only=True):
    player_id: str
    item: str
    quantity: int = 1


class Reverse(Command, frozen=True, kw_only=True):
    player_id: str
    transfer_id: str
    reason: str
    actor: str


class EconomyRules(msgspec.Struct, frozen=True, kw_only=True):
    """The economy's tunable numbers (from configuration)."""

    genesis_supply: int = 2_000_000_000
    shard_count: int = 64
    top_up_max: int = 10_000
    referral_bonus: int = 50
    max_quantity: int = 10_000
    # A shard below this budget is refilled first by the sweeper.
    shard_low_water: int = 1_000_000
