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
    DefineMonitor,
    ExpireLots,
    Gift,
    Grant,
    LiftFreeze,
    OfferTrade,
    PlaceFreeze,
    PlaceHold,
    Purchase,
    Reverse,
    Settle,
    SignUp,
    SpendEnergy,
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
from service.expire_lots import expire_lots
from service.freezes import lift_freeze, place_freeze
from service.gift import gift
from service.grant import grant
from service.job import Job, Sender
from service.monitors import define_monitor
from service.offer_trade import offer_trade
from service.place_hold import place_hold
from service.purchase import purchase
from service.reverse import reverse
from service.settle import settle
from service.signup import sign_up
from service.spend_energy import spend_energy
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
    SpendEnergy: spend_energy,
    Gift: gift,
    PlaceHold: place_hold,
    CloseHold: close_hold,
    OfferTrade: offer_trade,
    CloseTrade: close_trade,
    Settle: settle,
    Reverse: reverse,
    Sweep: sweep,
    ApplyCatalog: apply,
    ExpireLots: expire_lots,
    PlaceFreeze: place_freeze,
    LiftFreeze: lift_freeze,
    DefineMonitor: define_monitor,
    StartClawback: start_clawback,
    ClawbackStep: clawback_step,
}

# Operators' and the system's corrections, which no freeze refuses (DESIGN-NOTES note 16):
# reversals, a store's refund, the sweeper, a catalog change, the freezes and monitors
# themselves, and the expiries that close a hold or a trade on its own terms.
CORRECTIONS: frozenset[type[Command]] = frozenset(
    # ExpireLots: the expirer's, like a hold's expiry (`outcome == "expire"` below)
    {
        Reverse,
        StoreRefund,
        Sweep,
        ApplyCatalog,
        PlaceFreeze,
        LiftFreeze,
        DefineMonitor,
        ExpireLots,
        StartClawback,
        ClawbackStep,
    }
)


def corrects(command: Command) -> bool:
    """True for a command no freeze refuses."""
    return type(command) in CORRECTIONS or getattr(command, "outcome", None) == "expire"
