"""Refunds from the stores: App Store Server Notifications V2, and an operator's Google refund.

Apple posts each notification to `POST /store/apple/notifications` (set it as the app's
production or sandbox server URL in App Store Connect). It carries no token: its signed payload
is verified like a receipt. A REFUND or REVOKE takes the credited grant back; every other
notification, and one for a transaction never credited here, is acknowledged with nothing to do
(Apple retries anything but a 2xx). Google's refund notifications carry only a purchase token
that Google's own API must resolve, so an operator records a Google refund by order id instead.
"""

import asyncio
from typing import Annotated, Literal

from litestar import Controller
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody, PathParameter
from msgspec import Meta

from api.http.rooms import AdminRoom
from api.http.schemas import Request, Response
from api.http.services import Caller, Svc
from api.http.writes import write_route
from domain.commands import StoreRefund
from domain.transfer_errors import UnknownTransfer

OrderId = Annotated[str, PathParameter(min_length=1, max_length=128)]


class AppleNotification(Request):
    """An App Store Server Notification V2 as Apple posts it."""

    signed_payload: Annotated[str, Meta(min_length=1, max_length=65536)]


class NotificationAnswer(Response):
    """What the notification did: `refunded` (with the refund's transfer) or `ignored`."""

    outcome: Literal["refunded", "ignored"]
    transfer_id: str | None = None


class RefundRequest(Request):
    """Why the operator records the refund (in history and replay)."""

    reason: Annotated[str, Meta(min_length=1, max_length=140)] = "google refund"


class RefundAnswer(Response):
    """The refund's transfer and what the player was left with."""

    transfer_id: str
    player_id: str
    balances: dict[str, int]


class StoreNotificationController(Controller):
    """The stores' server-to-server calls."""

    path = "/store"
    tags = ["store"]  # noqa: RUF012 - Litestar reads these class attributes
    cache_control = CacheControlHeader(no_store=True)

    @write_route("/apple/notifications", status_code=200, refuses=(400, 404, 413, 422))
    async def apple(self, services: Svc, data: JSONBody[AppleNotification]) -> NotificationAnswer:
        """App Store Server Notifications V2 (REFUND and REVOKE take a grant back)

        Verified with SignedDataVerifier; a refund already taken back is not taken twice."""
        verifier = services.stores.need_apple()
        found = await asyncio.to_thread(verifier.clawback, data.signed_payload)
        if found is None:
            return NotificationAnswer(outcome="ignored")
        transaction_id, kind = found
        command = StoreRefund(store="apple", receipt_id=transaction_id, reason=f"apple {kind}")
        try:
            result = await services.ledger.handle(command)
        except UnknownTransfer:  # never credited here (another server's, or a failed credit)
            return NotificationAnswer(outcome="ignored")
        return NotificationAnswer(outcome="refunded", transfer_id=result.transfer_id)


class ReceiptAdminController(AdminRoom):
    """`POST /admin/receipts/google/{orderId}/refund`: an operator records a Google refund."""

    path = "/admin/receipts"

    @write_route(
        "/google/{order_id:str}/refund", status_code=200, refuses=(400, 401, 403, 404, 413)
    )
    async def google(
        self, principal: Caller, services: Svc, order_id: OrderId, data: JSONBody[RefundRequest]
    ) -> RefundAnswer:
        """Take a refunded Google Play purchase back

        404 `unknown-transfer` when the order was never credited; once only."""
        reason = f"{data.reason} (by {principal.player_id})"
        command = StoreRefund(store="google", receipt_id=order_id, reason=reason)
        result = await services.ledger.handle(command)
        return RefundAnswer(
            transfer_id=result.transfer_id, player_id=result.player_id, balances=result.balances
        )
