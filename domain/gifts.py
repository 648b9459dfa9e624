"""Gifts between players: one transfer, appended to both players' streams (and the sender's
gift window), decided on the three heads so every expected version guards it."""

from datetime import datetime

from domain import accounts
from domain.assets import Catalog
from domain.commands import EconomyRules, Gift
from domain.details import GiftDetails
from domain.events import GiftBucket, GiftsSent, Leg
from domain.ledger import Append, Decision, PlayerState, player_append, transfer
from domain.ports import StoredEvent
from domain.transfer_errors import GiftLimitExceeded, InsufficientFunds, SelfTransfer, UnknownAsset
from domain.wording import short_of

WINDOW_MINUTES = 24 * 60


class GiftWindow:
    """A sender's gifts of the last 24 hours, from the head of their `gifts:` stream.

    Gifts are counted per minute; a minute's gifts leave the window 24 hours after the minute
    ends, so the window never counts less than a true rolling 24 hours.
    """

    def __init__(self, stored: StoredEvent | None) -> None:
        self.version = stored.version if stored else 0
        event = stored.event if stored else None
        self.buckets = event.window if isinstance(event, GiftsSent) else ()

    def current(self, now: datetime) -> tuple[GiftBucket, ...]:
        """The buckets still inside the window at `now`."""
        minute = minute_of(now)
        return tuple(b for b in self.buckets if b.minute + 1 + WINDOW_MINUTES > minute)

    def sent(self, asset: str, now: datetime) -> int:
        """What the sender gifted of `asset` in the window."""
        return sum(b.amount for b in self.current(now) if b.asset == asset)

    def after(self, asset: str, amount: int, now: datetime) -> tuple[GiftBucket, ...]:
        """The window once this gift is counted."""
        minute, kept = minute_of(now), list(self.current(now))
        same = [i for i, b in enumerate(kept) if (b.asset, b.minute) == (asset, minute)]
        if same:
            kept[same[0]] = GiftBucket(asset, minute, kept[same[0]].amount + amount)
        else:
            kept.append(GiftBucket(asset, minute, amount))
        return tuple(kept)


def minute_of(moment: datetime) -> int:
    """Whole minutes since the Unix epoch."""
    return int(moment.timestamp()) // 60


def decide_gift(
    sender: PlayerState,
    receiver: PlayerState,
    window: GiftWindow,
    cmd: Gift,
    *,
    names: tuple[str, str],
    transfer_id: str,
    catalog: Catalog,
    rules: EconomyRules,
    now: datetime,
) -> Decision:
    """`cmd.amount` of `cmd.asset` from sender to receiver (`names`: their usernames)."""
    _check(sender, receiver, window, cmd, catalog, rules, now)
    source = accounts.player_account(sender.player_id)
    target = accounts.player_account(receiver.player_id)
    legs = (Leg(source, cmd.asset, -cmd.amount), Leg(target, cmd.asset, cmd.amount))

    def copy(player: PlayerState, counterparty: str, mirror: bool) -> Append:
        details = GiftDetails(counterparty=counterparty, memo=cmd.memo)
        made = transfer(
            player,
            legs,
            code="gift",
            transfer_id=transfer_id,
            now=now,
            details=details,
            mirror=mirror,
        )
        return player_append(player, made)

    gifts = GiftsSent(
        transfer_id=transfer_id, window=window.after(cmd.asset, cmd.amount, now), occurred_at=now
    )
    return Decision(
        appends=(
            copy(sender, names[1], mirror=False),
            copy(receiver, names[0], mirror=True),
            Append(
                stream=accounts.gifts_stream(sender.player_id),
                expected=window.version,
                events=(gifts,),
            ),
        )
    )


def _check(
    sender: PlayerState,
    receiver: PlayerState,
    window: GiftWindow,
    cmd: Gift,
    catalog: Catalog,
    rules: EconomyRules,
    now: datetime,
) -> None:
    if sender.player_id == receiver.player_id:
        raise SelfTransfer("a player cannot send a gift to themselves", to=cmd.to)
    if cmd.asset not in catalog.asset_codes():
        raise UnknownAsset(
            f"there is no asset '{cmd.asset}'", asset=cmd.asset, available=catalog.asset_codes()
        )
    balance = sender.balance(cmd.asset)
    if balance < cmd.amount:
        raise InsufficientFunds(
            f"the gift is {cmd.amount} {cmd.asset} but the balance is {balance}",
            said=short_of("The gift is", cmd.asset, cmd.amount, balance, catalog),
            balance=balance,
            asset=cmd.asset,
            amount=cmd.amount,
        )
    sent, limit = window.sent(cmd.asset, now), rules.gift_daily_limit
    if sent + cmd.amount > limit:
        raise GiftLimitExceeded(
            f"gifts are limited to {limit} {cmd.asset} per 24 hours; {limit - sent} remain",
            limit=limit,
            sent=sent,
            remaining=max(limit - sent, 0),
            asset=cmd.asset,
        )
