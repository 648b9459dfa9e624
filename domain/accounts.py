"""Account and stream names: one vocabulary shared by commands, projections and the audit.

Accounts hold balances; streams hold events. A player's account and stream share the id.
The treasury is split into shard accounts (escrow, each its own stream guarding its budget)
and one inflow account that only ever receives, so credits never contend on one row.
Issuer accounts are the unbounded sources of each asset; they alone may go negative.

Each currency has its own shards and treasury stream (diamond keeps the unqualified names it
always had). Inflow is one account holding every currency: it is never checked or locked, so
splitting it buys nothing, and each currency's sweeper moves only its own asset out of it.
"""

from domain.assets import CURRENCY

PLAYER_PREFIX = "player:"
SHARD_PREFIX = "treasury:shard:"
INFLOW = "treasury:inflow"
ISSUER_PREFIX = "issuer:"
HOLD_PREFIX = "hold:"
TRADE_PREFIX = "trade:"

TREASURY_STREAM = "treasury"
CATALOG_STREAM = "catalog"  # one event per catalog applied while running; version = its version


def player_account(player_id: str) -> str:
    """The account (and stream) of a player."""
    return f"{PLAYER_PREFIX}{player_id}"


def shard_account(index: int, currency: str = CURRENCY) -> str:
    """The account (and stream) of treasury shard `index` of a currency."""
    if currency == CURRENCY:
        return f"{SHARD_PREFIX}{index}"
    return f"{SHARD_PREFIX}{currency}:{index}"


def shard_currency(account: str) -> str:
    """The currency a shard account holds."""
    rest = account.removeprefix(SHARD_PREFIX)
    return rest.rpartition(":")[0] or CURRENCY


def treasury_stream(currency: str = CURRENCY) -> str:
    """The stream of a currency's genesis and sweeps (its state: what was swept)."""
    return TREASURY_STREAM if currency == CURRENCY else f"{TREASURY_STREAM}:{currency}"


def is_treasury_stream(stream: str) -> bool:
    """True for a currency's treasury stream (not its shards or inflow)."""
    if stream == TREASURY_STREAM:
        return True
    return stream.startswith(f"{TREASURY_STREAM}:") and not is_treasury(stream)


def issuer_account(asset: str) -> str:
    """The unbounded source of an asset."""
    return f"{ISSUER_PREFIX}{asset}"


def username_stream(username: str) -> str:
    """The claim stream that makes a username unique (case-insensitive)."""
    return f"username:{username.lower()}"


def referral_stream(code: str) -> str:
    """The claim stream that maps a referral code to its owner."""
    return f"referral:{code}"


def reversal_stream(transfer_id: str) -> str:
    """The claim stream that lets a transfer be reversed at most once."""
    return f"reversal:{transfer_id}"


def receipt_stream(store: str, receipt_id: str) -> str:
    """The claim stream that lets a store receipt be credited once (version 1) and refunded
    once (version 2)."""
    return f"receipt:{store}:{receipt_id}"


def debt_stream(player_id: str) -> str:
    """The stream of a player's debt: refunded currency they had already spent."""
    return f"debt:{player_id}"


def clawback_stream(clawback_id: str) -> str:
    """The stream of a clawback: its list, then one step per transfer, then its end."""
    return f"clawback:{clawback_id}"


def wallet_streams(player_id: str) -> tuple[str, str]:
    """The streams a player's wallet is read from: their own and their debt's."""
    return player_account(player_id), debt_stream(player_id)


def is_issuer(account: str) -> bool:
    """Issuer accounts are the only ones allowed below zero."""
    return account.startswith(ISSUER_PREFIX)


def is_treasury(account: str) -> bool:
    """Shards and inflow together are the treasury."""
    return account.startswith(SHARD_PREFIX) or account == INFLOW


def is_shard(account: str) -> bool:
    """True for a treasury shard (an interchangeable escrow: any shard may fund a payout)."""
    return account.startswith(SHARD_PREFIX)


def is_player(account: str) -> bool:
    """True for a player's account."""
    return account.startswith(PLAYER_PREFIX)


def player_id_of(account: str) -> str:
    """The player id inside a player account name."""
    return account.removeprefix(PLAYER_PREFIX)


def hold_account(hold_id: str) -> str:
    """The account (and stream) a hold sets money aside in (DESIGN-NOTES.md, note 8)."""
    return f"{HOLD_PREFIX}{hold_id}"


def is_hold(account: str) -> bool:
    """True for a hold's account."""
    return account.startswith(HOLD_PREFIX)


def hold_id_of(account: str) -> str:
    """The hold id inside a hold account name."""
    return account.removeprefix(HOLD_PREFIX)


def gifts_stream(player_id: str) -> str:
    """The stream of a player's recent gifts: its head carries the rolling 24-hour window."""
    return f"gifts:{player_id}"


def trade_account(trade_id: str) -> str:
    """The account (and stream) a trade escrows the offer in (DESIGN-NOTES.md, note 9)."""
    return f"{TRADE_PREFIX}{trade_id}"


def is_trade(account: str) -> bool:
    """True for a trade's escrow account."""
    return account.startswith(TRADE_PREFIX)


def trade_id_of(account: str) -> str:
    """The trade id inside a trade account name."""
    return account.removeprefix(TRADE_PREFIX)


FREEZE_PREFIX = "freeze:"
MONITOR_PREFIX = "monitor:"


def freeze_stream(freeze_id: str) -> str:
    """The stream of one freeze: placed (version 1), then lifted (version 2)."""
    return f"{FREEZE_PREFIX}{freeze_id}"


def monitor_stream(monitor_id: str) -> str:
    """The stream of one monitor: its definition (version 1), then each of its firings."""
    return f"{MONITOR_PREFIX}{monitor_id}"
