"""Real-money purchases: a player's verified store receipt credits the product's currency once.

`POST /receipts/apple` takes a StoreKit 2 signed transaction, `POST /receipts/google` a Play
Billing purchase and its signature. The store's own id of the purchase (Apple's
transactionId, Google's orderId) is claimed with the credit: sent again by the same player it
answers the first credit, by another player 409 `receipt-already-used`.
"""

import asyncio
from typing import Annotated

from litestar.params import JSONBody
from msgspec import Meta

from api.http.rooms import PlayerRoom
from api.http.schemas import Request, Response, Wallet
from api.http.services import Caller, Svc
from api.http.writes import write_route
from domain.assets import CURRENCY
from domain.commands import StoreCredit
from domain.receipts import StorePurchase
from service.results import TransferResult

Jws = Annotated[str, Meta(min_length=1, max_length=32768, description="A compact JWS")]
PurchaseData = Annotated[str, Meta(min_length=2, max_length=8192)]
Signature = Annotated[str, Meta(min_length=1, max_length=2048, description="base64")]


class AppleReceipt(Request):
    """A StoreKit 2 transaction as the device got it (`Transaction.jwsRepresentation`)."""

    signed_transaction: Jws


class GoogleReceipt(Request):
    """A Play Billing purchase: its original JSON and the signature Play returned with it."""

    purchase_data: PurchaseData
    signature: Signature


class ReceiptResponse(Response):
    """The credit and the wallet after it (`balance` is diamonds, as everywhere)."""

    transfer_id: str
    store: str
    receipt_id: str
    product_id: str
    balance: int
    version: int
    wallet: Wallet


class ReceiptController(PlayerRoom):
    """Store receipts of the authenticated player (the store's id of a purchase is its key)."""

    path = "/receipts"
    tags = ["store"]  # noqa: RUF012 - Litestar reads these class attributes

    @write_route("/apple", status_code=200, refuses=(400, 401, 404, 409, 413, 422))
    async def apple(
        self, principal: Caller, services: Svc, data: JSONBody[AppleReceipt]
    ) -> ReceiptResponse:
        """Credit a verified App Store purchase

        Verified with Apple's SignedDataVerifier; the product's grant from the catalog."""
        verifier = services.stores.need_apple()
        bought = await asyncio.to_thread(verifier.transaction, data.signed_transaction)
        return await _credit(services, principal.player_id, bought)

    @write_route("/google", status_code=200, refuses=(400, 401, 404, 409, 413, 422))
    async def google(
        self, principal: Caller, services: Svc, data: JSONBody[GoogleReceipt]
    ) -> ReceiptResponse:
        """Credit a verified Google Play purchase

        Verified with the app's license key (SHA1withRSA), its package name and state."""
        verifier = services.stores.need_google()
        bought = verifier.purchase(data.purchase_data, data.signature)
        return await _credit(services, principal.player_id, bought)


async def _credit(services: Svc, player_id: str, bought: StorePurchase) -> ReceiptResponse:
    command = StoreCredit(
        player_id=player_id,
        store="apple" if bought.store == "apple" else "google",
        receipt_id=bought.receipt_id,
        product_id=bought.product_id,
        quantity=bought.quantity,
        account=bought.account,
    )
    result: TransferResult = await services.ledger.handle(command)
    return ReceiptResponse(
        transfer_id=result.transfer_id,
        store=bought.store,
        receipt_id=bought.receipt_id,
        product_id=bought.product_id,
        balance=result.balances.get(CURRENCY, 0),
        version=result.version,
        wallet=services.wallet(result.balances),
    )
