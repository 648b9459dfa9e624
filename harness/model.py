"""Model check: a hypothesis state machine drives the real service over HTTP and compares every
wallet with a plain in-memory model after every step.

Rules: signup (with or without a referral; a retried signup answers the same), top-up, purchase
(known or unknown item, affordable or not), a retry with the same idempotency key and body, the
same key with another body (422 `idempotency-key-reused`), and the same key used by another
player (a new transfer: keys are scoped to the player). Quick mode is derandomized and checks a
few hundred steps; full mode draws fresh random programs, longer and more of them.
`tests/scenarios/test_model_check.py` runs the same machine under pytest.
"""

import asyncio
import itertools
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from domain.commands import EconomyRules
from harness.checks import audit, contiguous_versions
from harness.client import PASSWORD
from harness.database import fresh_database
from harness.outcome import Outcome, say
from harness.server import service_env, serving

PRICES = {"gold_coin": 10, "treasure_box": 50}
KEYS = {"gold_coin": "goldCoins", "treasure_box": "treasureBoxes"}
BONUS = EconomyRules().referral_bonus
QUICK = (12, 25)  # examples x steps: about 330 checked steps
FULL = (150, 60)
PROGRESS = 1000  # a long run says how far it is every this many steps
_names = itertools.count()


@dataclass
class Wallet:
    """What the model believes one player holds."""

    name: str
    token: str
    code: str
    balance: int = 0
    version: int = 1
    items: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Sent:
    """A money request that succeeded, to be retried or reused later."""

    wallet: Wallet
    key: str
    path: str
    body: dict[str, Any]
    answer: Any


@dataclass
class Tally:
    """Counts over every example of one run."""

    steps: int = 0  # comparisons of the whole model with the service
    examples: int = 0


class LedgerMachine(RuleBasedStateMachine):
    """The service against the model (`check_model` sets `base` and `tally`)."""

    base = ""
    tally = Tally()
    wallets = Bundle("wallets")

    def __init__(self) -> None:
        super().__init__()
        self.http = httpx.Client(base_url=self.base, timeout=30)
        self.all: list[Wallet] = []
        self.sent: list[Sent] = []
        self.stored: dict[tuple[str, str], Sent] = {}
        self.tally.examples += 1

    def teardown(self) -> None:
        """Close the HTTP client of this example."""
        self.http.close()

    @rule(target=wallets, referrer=st.none() | wallets)
    def sign_up(self, referrer: Wallet | None) -> Wallet:
        """A new player, maybe referred by an existing one (both get the bonus)."""
        name = f"m{next(_names)}_{uuid.uuid4().hex[:6]}"
        body = {"username": name, "password": PASSWORD}
        if referrer is not None:
            body["referralCode"] = referrer.code
        first = self.http.post("/signup", json=body, headers={"Idempotency-Key": "s"})
        assert first.status_code == 201, first.text
        again = self.http.post("/signup", json=body, headers={"Idempotency-Key": "s"})
        assert again.json() == first.json(), "a retried signup answered differently"
        token = self.http.post("/login", json={"username": name, "password": PASSWORD})
        wallet = Wallet(name, token.json()["token"], first.json()["referralCode"])
        if referrer is not None:
            wallet.balance, wallet.version = BONUS, 2
            referrer.balance += BONUS
            referrer.version += 1
        self.all.append(wallet)
        return wallet

    @rule(wallet=wallets, amount=st.integers(1, 10_000))
    def top_up(self, wallet: Wallet, amount: int) -> None:
        """A top-up with a new key."""
        self._money(wallet, "/top-up", {"amount": amount})

    @rule(wallet=wallets, item=st.sampled_from([*PRICES, "unicorn"]), quantity=st.integers(1, 30))
    def purchase(self, wallet: Wallet, item: str, quantity: int) -> None:
        """A purchase with a new key: known or unknown item, affordable or not."""
        self._money(wallet, "/purchase", {"item": item, "quantity": quantity})

    @precondition(lambda self: self.sent)
    @rule(data=st.data())
    def retry_same_key(self, data: st.DataObject) -> None:
        """An earlier request again, same key and body: the first answer, no second effect."""
        sent = data.draw(st.sampled_from(self.sent))
        self._money(sent.wallet, sent.path, sent.body, sent.key)

    @precondition(lambda self: self.sent)
    @rule(data=st.data())
    def reuse_key_with_another_body(self, data: st.DataObject) -> None:
        """An earlier key with another body: refused."""
        sent = data.draw(st.sampled_from(self.sent))
        if sent.path == "/purchase":
            self._money(sent.wallet, "/top-up", {"amount": 1}, sent.key)
        else:
            self._money(sent.wallet, "/top-up", {"amount": sent.body["amount"] + 1}, sent.key)

    @precondition(lambda self: self.sent and len(self.all) > 1)
    @rule(data=st.data())
    def another_player_uses_the_same_key(self, data: st.DataObject) -> None:
        """Another player's key: keys are per player, so this is a new request."""
        sent = data.draw(st.sampled_from(self.sent))
        wallet = data.draw(st.sampled_from([w for w in self.all if w is not sent.wallet]))
        self._money(wallet, sent.path, sent.body, sent.key)

    @invariant()
    def wallets_equal_the_model(self) -> None:
        """Every wallet's balance, version and inventory as the model says."""
        self.tally.steps += 1
        if self.tally.steps % PROGRESS == 0:
            say(f"model: {self.tally.steps:,} steps compared so far")
        for wallet in self.all:
            seen = self.http.get("/balance", headers=_auth(wallet)).json()
            expected = {KEYS[item]: wallet.items[item] for item in PRICES}
            assert (seen["balance"], seen["version"], seen["inventory"]) == (
                wallet.balance,
                wallet.version,
                expected,
            ), f"{wallet.name}: the service says {seen}, the model {wallet}"

    def _money(
        self, wallet: Wallet, path: str, body: dict[str, Any], key: str | None = None
    ) -> None:
        key = key or uuid.uuid4().hex
        answer = self._post(wallet, path, body, key)
        earlier = self.stored.get((wallet.name, key))
        if earlier is not None:  # keys are scoped to the player: only theirs count
            if (earlier.path, earlier.body) == (path, body):
                assert (answer.status_code, answer.json()) == (200, earlier.answer), answer.text
            else:
                assert answer.status_code == 422, answer.text
                assert answer.json()["type"] == "idempotency-key-reused"
            return
        expected = _apply(wallet, path, body)
        assert answer.status_code == (200 if expected is None else 422), answer.text
        if expected is not None:
            assert answer.json()["type"] == expected  # a refusal stores no key: it may retry
            return
        assert answer.json()["balance"] == wallet.balance
        assert answer.json()["version"] == wallet.version
        sent = Sent(wallet, key, path, body, answer.json())
        self.sent.append(sent)
        self.stored[(wallet.name, key)] = sent

    def _post(self, wallet: Wallet, path: str, body: dict[str, Any], key: str) -> httpx.Response:
        return self.http.post(path, json=body, headers={**_auth(wallet), "Idempotency-Key": key})


def _apply(wallet: Wallet, path: str, body: dict[str, Any]) -> str | None:
    """Apply the request to the model; the refusal's problem type, or None."""
    if path == "/top-up":
        wallet.balance += body["amount"]
    elif body["item"] not in PRICES:
        return "unknown-item"
    elif PRICES[body["item"]] * body["quantity"] > wallet.balance:
        return "insufficient-funds"
    else:
        wallet.balance -= PRICES[body["item"]] * body["quantity"]
        wallet.items[body["item"]] += body["quantity"]
    wallet.version += 1
    return None


def _auth(wallet: Wallet) -> dict[str, str]:
    return {"Authorization": f"Bearer {wallet.token}"}


def check_model(
    base: str, examples: int, steps: int, *, derandomize: bool, tally: Tally | None = None
) -> Tally:
    """Run the machine against the service at `base` (AssertionError on the first difference).

    The counts go to `tally` (a new one if None), which keeps them when a difference is found.
    """
    tally = tally or Tally()
    machine = type("LedgerMachine", (LedgerMachine,), {"base": base, "tally": tally})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            derandomize=derandomize,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    return tally


async def run(server_dsn: str, quick: bool) -> Outcome:
    """Run the scenario on a fresh database of `server_dsn`."""
    outcome = Outcome("model", quick)
    examples, steps = QUICK if quick else FULL
    tally = Tally()
    async with fresh_database(server_dsn, "model") as dsn:
        async with serving(service_env(dsn)) as server:
            try:
                await asyncio.to_thread(
                    check_model, server.base, examples, steps, derandomize=quick, tally=tally
                )
            except AssertionError as difference:  # hypothesis has shrunk and printed the steps
                outcome.check(False, f"the service and the model differ: {difference}")
        outcome.figure("programs (examples)", tally.examples)
        outcome.figure("steps compared with the model", tally.steps)
        outcome.figure("randomized", not quick)
        outcome.check(tally.steps >= examples * steps // 2, f"only {tally.steps} steps checked")
        await contiguous_versions(outcome, dsn)
        await audit(outcome, dsn)
    outcome.finish()
    return outcome
