"""The registry of the write side: which job builds each command (cosmicpython's
COMMAND_HANDLERS). `LedgerService.handle` looks a command up here; a new command adds its
builder here and nowhere else in the service layer.

Every builder has one shape: (context, command, idempotency key, caller) → Job. What the
request asks travels in the command; who sends it (and, for a signup, the login it opens)
travels in the `Sender` (service/job.py).
"""

from collections.abc import Callable
from typing import Any

from domain.commands import (
    ApplyCatalog,
    ClawbackStep,
    CloseHold,
    CloseTrade,
    Command,
    Gift,
    Grant,
    OfferTrade,
    PlaceHold,
    Purchase,
    Reverse,
    Settle,
    SignUp,
    StartClawback,
    StoreCredit,
    StoreRefund,
    Sweep,
    TopUp,
    UseItem,
)
from service.catalog import apply
from service.clawback import clawback_step, start_clawback
from service.close_hold import close_hold
from service.close_trade import close_trade
from service.context import Context
from service.gift import gift
from service.grant import grant
from service.job import Job, Sender
from service.offer_trade import offer_trade
from service.place_hold import place_hold
from service.purchase import purchase
from service.reverse import reverse
from service.settle import settle
from service.signup import sign_up
from service.store_credit import store_credit
from service.store_refund import store_refund
from service.top_up import top_up
from service.treasury import sweep
from service.use_item import use_item

Handler = Callable[[Context, Any, str | None, Sender], Job[Any]]

HANDLERS: dict[type[Command], Handler] = {
    SignUp: sign_up,
    TopUp: top_up,
    Grant: grant,
    StoreCredit: store_credit,
    StoreRefund: store_refund,
    Purchase: purchase,
    UseItem: use_item,
    Gift: gift,
    PlaceHold: place_hold,
    CloseHold: close_hold,
    OfferTrade: offer_trade,
    CloseTrade: close_trade,
    Settle: settle,
    Reverse: reverse,
    Sweep: sweep,
    ApplyCatalog: apply,
    StartClawback: start_clawback,
    ClawbackStep: clawback_step,
}
