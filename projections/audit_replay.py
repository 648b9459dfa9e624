"""The audit's own replay of the log: plain arithmetic over legs, sharing no code with the folds.

Events arrive in global-position order (within a stream that is version order). Besides the
full replay the auditor keeps one "cut" per projector: the events that projector has applied,
so a lagging read model is compared with what it should hold now, not with the log's head.
"""

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

from domain import accounts
from domain.escrow_events import HoldPlaced, TradeOffered
from domain.event_base import Event
from domain.events import DebtChanged, Leg, PlayerRegistered, TrancheChanged, Transferred
from domain.timed import TimedState
from projections import audit_catalog, audit_limits, audit_lots, audit_receipts
from projections.audit_energies import Energies

Balances = dict[str, dict[str, int]]  # account -> asset -> amount
# A transfer's copies (one posting, the others mirrors) are written in one statement, so they
# sit close together in the log, in any order: the last transfers seen are enough to pair them.
RECENT_POSTED = 100_000


def nonzero(amounts: dict[str, int]) -> dict[str, int]:
    """The amounts that are not zero (a held-then-spent asset equals a never-held one)."""
    return {asset: n for asset, n in amounts.items() if n}


@dataclass
class Cut:
    """What one projector's read model should hold: balances and player rows it has seen."""

    balances: Balances = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    inflow_credited: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    versions: dict[str, int] = field(default_factory=dict)
    profiles: dict[str, PlayerRegistered] = field(default_factory=dict)
    # hold id -> (asset, amount, placed_by) while pending, None once captured, voided or expired
    holds: dict[str, tuple[str, int, str | None] | None] = field(default_factory=dict)
    # trade id -> what its offer escrowed while open, None once accepted, declined, ...
    trades: dict[str, dict[str, int] | None] = field(default_factory=dict)
    # The wallet rows' own parts: each open escrow's owner and amounts (by its account), each
    # player's newest debt and time-based state
    escrows: dict[str, tuple[str, dict[str, int]]] = field(default_factory=dict)
    debts: dict[str, dict[str, int]] = field(default_factory=dict)
    timed: dict[str, TimedState | None] = field(default_factory=dict)

    def apply(self, stream: str, version: int, event: Event, *, post: bool = True) -> None:
        """Fold one event into the cut (a transfer's legs only when `post`)."""
        if accounts.is_player(stream):
            player = accounts.player_id_of(stream)
            self.versions[player] = max(self.versions.get(player, 0), version)
            if isinstance(event, PlayerRegistered):
                self.profiles[player] = event
            self.timed[player] = event.timed if isinstance(event, Transferred) else None
        self._wallet_parts(stream, event)
        if isinstance(event, HoldPlaced):
            self.holds[event.hold_id] = (event.asset, event.amount, event.placed_by)
        elif accounts.is_hold(stream) and isinstance(event, Transferred):
            # Its close (a settlement's copy on a second hold's stream is a mirror: still a close)
            self.holds[accounts.hold_id_of(stream)] = None
        if isinstance(event, TradeOffered):
            self.trades[event.trade_id] = dict(event.give)
        elif accounts.is_trade(stream) and isinstance(event, Transferred) and not event.mirror:
            self.trades[accounts.trade_id_of(stream)] = None
        if isinstance(event, Transferred) and post:
            for leg in event.legs:
                self.balances[leg.account][leg.asset] += leg.amount
                if leg.account == accounts.INFLOW and leg.amount > 0:
                    self.inflow_credited[leg.asset] += leg.amount

    def _wallet_parts(self, stream: str, event: Event) -> None:
        if isinstance(event, HoldPlaced):
            self.escrows[stream] = (event.player_id, {event.asset: event.amount})
        elif isinstance(event, TradeOffered):
            self.escrows[stream] = (event.offerer_id, dict(event.give))
        elif isinstance(event, Transferred) and (
            accounts.is_hold(stream) or accounts.is_trade(stream)
        ):
            self.escrows.pop(stream, None)
        elif isinstance(event, DebtChanged):
            self.debts[stream.removeprefix(accounts.debt_stream(""))] = dict(event.debt_after)

    def held(self) -> dict[str, dict[str, int]]:
        """Per player, what their open escrows set aside per asset."""
        held: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for owner, amounts in self.escrows.values():
            for asset, n in amounts.items():
                held[owner][asset] += n
        return {owner: dict(amounts) for owner, amounts in held.items()}


@dataclass
class Replay:
    """The full replay and everything it found wrong along the way."""

    cuts: dict[str, Cut]
    catalogs: audit_catalog.Catalogs | None = None  # None: the catalog checks are skipped
    ledger: Cut = field(default_factory=Cut)
    heads: dict[str, int] = field(default_factory=dict)
    budgets: dict[str, int] = field(default_factory=dict)
    swept: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # per stream
    genesis: dict[str, int] = field(default_factory=dict)
    events: int = 0
    findings: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    negative: set[str] = field(default_factory=set)
    # transfer id -> its legs and how many of its copies posted them (exactly one must)
    posted: OrderedDict[str, tuple[tuple[Leg, ...], int]] = field(default_factory=OrderedDict)
    # A player's balances from the copies in the player's own stream, in stream order. Group
    # commit writes a statement's rows in (stream, version) order, so two transfers of one group
    # that cross two players' streams are met in the log in another order than one of those
    # streams has them: only the stream's own order says what the player held at each version.
    carried: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    receipts: audit_receipts.Receipts = field(default_factory=audit_receipts.Receipts)
    lots: audit_lots.LotChecks = field(default_factory=audit_lots.LotChecks)
    limits: audit_limits.Limits = field(default_factory=audit_limits.Limits)
    energies: Energies = field(init=False)

    def __post_init__(self) -> None:
        self.energies = Energies(self.catalogs)

    def apply(self, stream: str, version: int, event: Event, included: dict[str, bool]) -> None:
        """Fold one event (into every cut that includes it too) and check what it did."""
        self.events += 1
        ref = f"{stream} v{version}"
        self._check_version(stream, version, ref)
        # The replay posts a transfer at its first copy in the log (every copy must repeat its
        # legs); the projectors (and so their cuts) post the non-mirror.
        first = isinstance(event, Transferred) and self._first_copy(event, ref)
        self.ledger.apply(stream, version, event, post=first)
        for name, cut in self.cuts.items():
            if included.get(name):
                mirror = isinstance(event, Transferred) and event.mirror
                cut.apply(stream, version, event, post=not mirror)
        self.receipts.apply(stream, version, event)
        self.energies.apply(stream, ref, event)
        self.lots.apply(stream, version, event)
        if isinstance(event, Transferred):
            self._check_transfer(stream, event, ref)
        elif isinstance(event, TrancheChanged):
            self._check_tranche(stream, event, ref)

    def undecodable(self, stream: str, version: int, error: Exception) -> None:
        """A row whose payload no longer decodes (its version still counts)."""
        self._check_version(stream, version, f"{stream} v{version}")
        self.findings["decodable"].append(f"{stream} v{version}: {error}")

    def _check_version(self, stream: str, version: int, ref: str) -> None:
        expected = self.heads.get(stream, 0) + 1
        if version != expected:
            self.findings["stream_versions"].append(f"{ref}: expected version {expected}")
        self.heads[stream] = version

    def _check_transfer(self, stream: str, event: Transferred, ref: str) -> None:
        totals: dict[str, int] = defaultdict(int)
        for leg in event.legs:
            totals[leg.asset] += leg.amount
        if off := nonzero(totals):
            self.findings["transfers_balance"].append(f"{ref} ({event.transfer_id}): sums {off}")
        for leg in event.legs:
            if event.code == "genesis" and accounts.is_issuer(leg.account):
                self.genesis[leg.asset] = self.genesis.get(leg.asset, 0) - leg.amount
            if not _checked_later(leg.account):
                self._check_not_negative(leg.account, ref)
        if accounts.is_player(stream):
            self._check_player_state(stream, event, ref)
            if self.catalogs is not None and not event.mirror:
                self.findings["catalog"] += audit_catalog.findings(ref, event, self.catalogs)
                self.findings["limits"] += self.limits.apply(ref, stream, event, self.catalogs)
        elif accounts.is_treasury_stream(stream):
            self._check_swept(stream, event, ref)

    def _first_copy(self, event: Transferred, ref: str) -> bool:
        """True for the first copy of a transfer met; every copy must repeat the same legs."""
        posting = 0 if event.mirror else 1
        seen = self.posted.get(event.transfer_id)
        if seen is None:
            self.posted[event.transfer_id] = (event.legs, posting)
            if len(self.posted) > RECENT_POSTED:
                self._settle(*self.posted.popitem(last=False))
            return True
        if seen[0] != event.legs:
            self.findings["transfers_balance"].append(
                f"{ref} ({event.transfer_id}): a copy with other legs than the transfer's"
            )
        self.posted[event.transfer_id] = (seen[0], seen[1] + posting)
        return False

    def finish(self) -> None:
        """Check the transfers still waiting to be paired, and the final balances of the
        accounts checked per stream or at the end (call after the last event)."""
        while self.posted:
            self._settle(*self.posted.popitem(last=False))
        for account, amounts in sorted(self.ledger.balances.items()):
            if accounts.is_player(account) and nonzero(amounts) != nonzero(self.carried[account]):
                self.findings["state_after"].append(
                    f"{account}: its transfers' legs give {nonzero(amounts)}, its stream's"
                    f" copies {nonzero(self.carried[account])}"
                )
            elif _checked_later(account) and not accounts.is_player(account):
                self._check_not_negative(account, "the end of the log")

    def _settle(self, transfer_id: str, seen: tuple[tuple[Leg, ...], int]) -> None:
        if seen[1] != 1:
            self.findings["transfers_balance"].append(
                f"{transfer_id}: posted by {seen[1]} copies, not exactly one"
            )

    def _check_not_negative(self, account: str, ref: str) -> None:
        if accounts.is_issuer(account) or account in self.negative:
            return
        low = {asset: n for asset, n in self.ledger.balances[account].items() if n < 0}
        if low:
            self.negative.add(account)  # report where it first went below zero, once
            self.findings["no_negative_balances"].append(f"{account} at {ref}: {low}")

    def _check_player_state(self, stream: str, event: Transferred, ref: str) -> None:
        mine = self.carried[stream]
        for leg in event.legs:
            if leg.account == stream:
                mine[leg.asset] = mine.get(leg.asset, 0) + leg.amount
        low = {asset: n for asset, n in mine.items() if n < 0}
        if low and stream not in self.negative:  # reported where it first went below zero
            self.negative.add(stream)
            self.findings["no_negative_balances"].append(f"{stream} at {ref}: {low}")
        replayed = nonzero(mine)
        if replayed != nonzero(event.state_after):
            self.findings["state_after"].append(
                f"{ref}: carries {nonzero(event.state_after)}, the replay gives {replayed}"
            )

    def _check_swept(self, stream: str, event: Transferred, ref: str) -> None:
        if event.code == "sweep":
            inflow = sum(leg.amount for leg in event.legs if leg.account == accounts.INFLOW)
            self.swept[stream] -= inflow
        if event.state_after.get("swept", 0) != self.swept[stream]:
            self.findings["state_after"].append(
                f"{ref}: says swept {event.state_after.get('swept')}, "
                f"the replay gives {self.swept[stream]}"
            )

    def _check_tranche(self, stream: str, event: TrancheChanged, ref: str) -> None:
        before = self.budgets.get(stream, 0)
        if event.budget_after != before + event.delta:
            self.findings["shard_budgets"].append(
                f"{ref}: budget {before} + {event.delta} != {event.budget_after}"
            )
        self.budgets[stream] = event.budget_after


def _checked_later(account: str) -> bool:
    """Players are checked in their own stream's order, escrows at the end of the log: one
    group's rows are in (stream, version) order, so a hold placed and captured in one group
    has its capture met first, and its account is below zero only in that order."""
    return accounts.is_player(account) or accounts.is_hold(account) or accounts.is_trade(account)
