"""The events that open an escrow (domain/escrow.py): a hold's terms on its `hold:` stream and a
trade's terms on its `trade:` stream, each the first event of its stream; the money they set
aside moves in a `Transferred` of the same write."""

from datetime import datetime

from domain.event_base import Event


class HoldPlaced(Event, frozen=True, kw_only=True, tag="hold_placed"):
    """A hold's terms (version 1 of its `hold:` stream); the money moved in `transfer_id`."""

    hold_id: str
    transfer_id: str
    player_id: str
    username: str
    asset: str
    amount: int
    expires_at: datetime
    memo: str | None = None
    occurred_at: datetime
    # The player id of the service or admin account that placed the hold: only it (or an admin,
    # giving a reason) may read or close it. None on holds placed before it was recorded: their
    # placer is unknown, so only an admin may close them.
    placed_by: str | None = None

    @property
    def parties(self) -> tuple[str, ...]:
        """The player ids whose streams a close of the hold writes."""
        return (self.player_id,)


class TradeOffered(Event, frozen=True, kw_only=True, tag="trade_offered"):
    """A trade's terms (version 1 of its `trade:` stream); `give` was escrowed in `transfer_id`."""

    trade_id: str
    transfer_id: str
    offerer_id: str
    offerer: str  # usernames, as the two players see each other
    recipient_id: str
    recipient: str
    give: dict[str, int]
    want: dict[str, int]
    expires_at: datetime
    occurred_at: datetime

    @property
    def parties(self) -> tuple[str, ...]:
        """The player ids whose streams a close of the trade writes."""
        return (self.offerer_id, self.recipient_id)
