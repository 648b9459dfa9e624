"""Verified store purchases: what a receipt credits, decided purely.

The store adapters (infra/apple.py, infra/google.py) verify a receipt and hand over a
StorePurchase; the decision maps its product to the catalog's grant, pays it from a treasury
shard and claims the receipt's id at version 1 of its own stream in the same statement, so
two requests with one receipt can never both be credited.
"""

from datetime import datetime

import msgspec

from domain import accounts
from domain.assets import Catalog
from domain.commands import StoreCredit
from domain.credits import decide_credit, payout
from domain.details import StoreCreditDetails
from domain.events import Claimed
from domain.ledger import NO_STREAM, Append, Decision, PlayerState, ShardState
from domain.receipt_errors import ReceiptWrongPlayer, UnknownStoreProduct


class StorePurchase(msgspec.Struct, frozen=True, kw_only=True):
    """What a store's verified receipt says was bought."""

    store: str  # apple | google
    receipt_id: str  # Apple's transactionId, Google's orderId
    product_id: str
    quantity: int = 1
    account: str | None = None  # appAccountToken / obfuscatedAccountId, when the app set one


def check_buyer(cmd: StoreCredit) -> None:
    """A purchase the app bound to an account is credited to that player only."""
    if cmd.account is not None and cmd.account.lower() != cmd.player_id.lower():
        raise ReceiptWrongPlayer(
            "the purchase was made for another player's account",
            store=cmd.store,
            receiptId=cmd.receipt_id,
        )


def grant_of(catalog: Catalog, store: str, product_id: str, quantity: int) -> tuple[str, int]:
    """The currency and amount a purchase of `quantity` of the product credits."""
    product = catalog.store_product(store, product_id)
    if product is None:
        raise UnknownStoreProduct(
            f"the catalog has no {store} store product '{product_id}'",
            store=store,
            productId=product_id,
        )
    currency, amount = product.currency()
    return currency, amount * max(quantity, 1)


def decide_store_credit(
    player: PlayerState,
    shard: ShardState,
    cmd: StoreCredit,
    *,
    catalog: Catalog,
    transfer_id: str,
    now: datetime,
) -> Decision:
    """The product's grant from the shard to the player, and the receipt claimed for them."""
    currency, amount = grant_of(catalog, cmd.store, cmd.product_id, cmd.quantity)
    assert shard.currency == currency, "a store credit draws on a shard of its currency"
    details = StoreCreditDetails(
        store=cmd.store,
        receipt_id=cmd.receipt_id,
        product_id=cmd.product_id,
        catalog_version=catalog.version,
    )
    paid = payout(
        player,
        shard,
        amount,
        code="store_credit",
        transfer_id=transfer_id,
        now=now,
        details=details,
    )
    credit = decide_credit(player, shard, paid)
    claim = Append(
        stream=accounts.receipt_stream(cmd.store, cmd.receipt_id),
        expected=NO_STREAM,
        events=(Claimed(owner=player.player_id, transfer_id=transfer_id, occurred_at=now),),
    )
    return Decision(appends=(*credit.appends, claim))
