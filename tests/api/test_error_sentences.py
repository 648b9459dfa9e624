"""Every problem's `error` is one plain sentence for a person (issue 25): no Python repr, no
validator's message, on every route and in every batch item.

The walks below reach every problem type the routes answer (with the two-currency catalog, so
the mixed prices and the second currency are reachable too) and check each `error` at once.
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from litestar import Litestar

from domain.commands import EconomyRules
from infra.config import Settings
from tests.api.conftest import PASSWORD, SECRET, Player, SignUp
from tests.api.test_batch_and_ops import _service
from tests.catalogs import EXAMPLE_FILE

# What a repr, a validator's message or a passed-through exception leaves in a sentence.
MARKERS = ("{'", "['", "None", "Expected `", "<", ">", "Decimal", "$.", "`", "\\x", "Traceback")

Call = Callable[..., Awaitable[httpx.Response]]


@pytest.fixture
def api_settings() -> Settings:
    return Settings(
        environment="test",
        jwt_secret=SECRET,
        db_pool_min=1,
        db_pool_max=10,
        db_command_timeout=10.0,
        run_projectors=True,
        economy=EconomyRules(shard_count=4, gift_daily_limit=150),
        catalog_file=str(EXAMPLE_FILE),
    )


class Walk:
    """The refusals met so far: each is a problem document whose `error` is checked."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.errors: list[tuple[str, str, str]] = []  # (what was asked, problem type, error)

    async def refuse(self, method: str, url: str, who: Player | None = None, **kw: Any) -> str:
        """Ask something refused; note its `error` and return its problem type."""
        headers = {**(who.auth if who else {}), **kw.pop("headers", {})}
        reply = await self.client.request(method, url, headers=headers, **kw)
        assert reply.status_code >= 400, f"{method} {url}: {reply.text}"
        assert reply.headers["content-type"].startswith("application/problem+json"), reply.text
        body: dict[str, Any] = reply.json()
        self.note(f"{method} {url}", body)
        return str(body["type"])

    async def ok(self, method: str, url: str, who: Player | None = None, **kw: Any) -> Any:
        """Ask something that succeeds (to set a refusal up), and its body."""
        headers = {**(who.auth if who else {}), **kw.pop("headers", {})}
        reply = await self.client.request(method, url, headers=headers, **kw)
        assert reply.status_code < 300, f"{method} {url}: {reply.text}"
        return reply.json() if reply.content else None

    def note(self, asked: str, problem: dict[str, Any]) -> None:
        """One problem, from a whole answer or a batch item."""
        self.errors.append((asked, problem["type"], problem.get("error", "")))

    def check(self, expected: str) -> None:
        """Every `error` met is a plain sentence, and every type of `expected` was met."""
        expected_types = set(expected.split())
        bad = [(a, t, e) for a, t, e in self.errors if not plain(e)]
        assert not bad, "\n".join(f"{t} from {a}: {e!r}" for a, t, e in bad)
        assert expected_types <= {t for _, t, _ in self.errors}, expected_types - {
            t for _, t, _ in self.errors
        }


def plain(error: str) -> bool:
    """One sentence for a person: it ends with a full stop and shows no repr or validator."""
    return error.endswith(".") and not any(marker in error for marker in MARKERS)


@pytest.mark.parametrize(
    "error",
    [
        "Short of {'star': 80}.",
        "Unknown event keys ['a', 'b'].",
        "Expected `int`, got `str` - at `$.amount`.",
        "The value is None.",
        "Decimal('1.5') is not an amount.",
        "The amount is refused",
        "",
    ],
)
def test_the_check_catches_reprs_and_validator_messages(error: str) -> None:
    assert not plain(error)


async def player_with(walk: Walk, sign_up: SignUp, diamonds: int = 0, stars: int = 0) -> Player:
    """A new player topped up with these amounts."""
    player = await sign_up()
    for amount, currency in ((diamonds, "diamond"), (stars, "star")):
        if amount:
            body = {"amount": amount, "currency": currency}
            await walk.ok("POST", "/top-up", player, json=body)
    return player


async def test_the_players_refusals_are_plain_sentences(
    client: httpx.AsyncClient, sign_up: SignUp
) -> None:
    walk = Walk(client)
    alice = await player_with(walk, sign_up, diamonds=100, stars=100)
    bob = await sign_up()
    refuse = walk.refuse
    # Sign-up and sessions.
    await refuse("POST", "/signup", json={"username": "a", "password": PASSWORD})
    await refuse("POST", "/signup", json={"username": alice.username, "password": PASSWORD})
    await refuse("POST", "/signup", json={"username": "new_one", "password": "short"})
    body = {"username": "new_two", "password": PASSWORD, "referralCode": "NOPE1234"}
    await refuse("POST", "/signup", json=body)
    await refuse("POST", "/signup", json={"username": "x_y_z", "password": PASSWORD, "age": 3})
    await refuse("POST", "/signup", content=b"{not json", headers={"content-type": "x"})
    await refuse("POST", "/login", json={"username": alice.username, "password": "wrong pass"})
    await refuse("POST", "/login", json={"username": "nobody_here", "password": PASSWORD})
    await refuse("POST", "/token/refresh", json={"refreshToken": "x" * 40})
    await refuse("GET", "/balance")
    await refuse("GET", "/balance", headers={"Authorization": "Bearer not.a.token"})
    # Reads with bad parameters.
    await refuse("GET", "/balance", alice, params={"version": 999})
    await refuse("GET", "/balance", alice, params={"version": "abc"})
    await refuse("GET", "/balance", alice, params={"at": "yesterday"})
    await refuse("GET", "/history", alice, params={"limit": "many"})
    await refuse("GET", "/history", alice, params={"cursor": "-1"})
    await refuse("GET", "/trades/nope", alice)
    await refuse("GET", "/no/such/route", alice)
    await refuse("DELETE", "/balance", alice)
    # Top-ups.
    await refuse("POST", "/top-up", alice, json={"amount": 10_001})
    await refuse("POST", "/top-up", alice, json={"amount": 5, "currency": "ruby"})
    await refuse("POST", "/top-up", alice, json={"amount": "100"})
    await refuse("POST", "/top-up", alice, json={"amount": 1.5})
    await refuse("POST", "/top-up", alice, json={"amount": None})
    await refuse("POST", "/top-up", alice, json=[1, 2])
    await refuse("POST", "/top-up", alice, json={"amount": 5, "metadata": {"1bad": "x"}})
    await refuse("POST", "/top-up", alice, json={"amount": 5, "metadata": {"k": 1}})
    many = {f"k{i}": "v" for i in range(17)}
    await refuse("POST", "/top-up", alice, json={"amount": 5, "metadata": many})
    await refuse("POST", "/top-up", alice, json={"amount": 5, "metadata": {"k": "v" * 300}})
    await refuse("POST", "/top-up", alice, json={"amount": 5, "metadata": {"k": "a\u0000b"}})
    await refuse("POST", "/top-up", alice, json={"amount": 5, "memo": "x"})
    await refuse("POST", "/top-up", alice, content=b"x" * 2_000_000)
    await refuse("POST", "/top-up", alice, json={"amount": 5}, headers={"Idempotency-Key": ""})
    await walk.ok("POST", "/top-up", alice, json={"amount": 5}, headers={"Idempotency-Key": "k1"})
    await refuse("POST", "/top-up", alice, json={"amount": 6}, headers={"Idempotency-Key": "k1"})
    # The shop.
    await refuse("POST", "/purchase", alice, json={"item": "dragon"})
    await refuse("POST", "/purchase", alice, json={"item": "gem"})  # 200 diamonds
    await refuse("POST", "/purchase", alice, json={"item": "gold_coin", "price": 7})
    await refuse("POST", "/purchase", alice, json={"item": "gold_coin", "quantity": 10_001})
    await refuse("POST", "/purchase", alice, json={"item": "gold_coin", "quantity": 2, "price": 1})
    mixed = {"item": "treasure_box", "quantity": 3, "price": 2}
    await refuse("POST", "/purchase", alice, json=mixed)  # short of diamonds and stars
    await refuse("POST", "/purchase", alice, json={"item": "gold_coin", "quantity": "2"})
    await refuse("POST", "/items/gold_coin/use", alice, json={})
    await refuse("POST", "/items/coin_pouch/use", alice, json={"quantity": 2})
    await refuse("POST", "/items/dragon/use", alice, json={})
    # Gifts.
    await refuse(
        "POST", "/transfers", alice, json={"to": alice.username, "asset": "diamond", "amount": 1}
    )
    await refuse(
        "POST", "/transfers", alice, json={"to": bob.username, "asset": "ruby", "amount": 1}
    )
    await refuse(
        "POST", "/transfers", alice, json={"to": bob.username, "asset": "star", "amount": 999}
    )
    await refuse(
        "POST", "/transfers", alice, json={"to": "nobody_here", "asset": "star", "amount": 1}
    )
    await refuse(
        "POST", "/transfers", alice, json={"to": bob.username, "asset": "star", "amount": 0}
    )
    await refuse(
        "POST",
        "/transfers",
        alice,
        json={"to": bob.username, "asset": "star", "amount": 1, "memo": "m" * 141},
    )
    await walk.ok(
        "POST", "/transfers", alice, json={"to": bob.username, "asset": "diamond", "amount": 90}
    )
    await walk.ok("POST", "/top-up", alice, json={"amount": 100})
    await refuse(
        "POST", "/transfers", alice, json={"to": bob.username, "asset": "diamond", "amount": 61}
    )
    # Trades.
    carol = await sign_up()
    offer = {"to": carol.username, "give": {"star": 10}, "want": {"diamond": 5}}
    await refuse("POST", "/trades", alice, json={**offer, "to": alice.username})
    await refuse("POST", "/trades", alice, json={**offer, "give": {"ruby": 1}})
    await refuse("POST", "/trades", alice, json={**offer, "give": {"star": 0}})
    await refuse("POST", "/trades", alice, json={**offer, "give": {}})
    await refuse("POST", "/trades", alice, json={**offer, "give": {"star": 5000}})
    await refuse("POST", "/trades", alice, json={**offer, "expiresIn": 10**9})
    trade = await walk.ok("POST", "/trades", alice, json=offer)
    url = f"/trades/{trade['tradeId']}"
    await refuse("POST", f"{url}/accept", alice)
    await refuse("POST", f"{url}/accept", carol)  # carol has no diamonds
    await refuse("POST", f"{url}/accept", bob)  # not bob's
    await walk.ok("POST", f"{url}/decline", carol)
    await refuse("POST", f"{url}/cancel", alice)
    await refuse("POST", "/trades/nope/accept", carol)
    # Store receipts (no store is configured here).
    await refuse("POST", "/receipts/apple", alice, json={"signedTransaction": "x.y.z"})
    google = {"purchaseData": "{}", "signature": "c2ln"}
    await refuse("POST", "/receipts/google", alice, json=google)
    await refuse("POST", "/store/apple/notifications", json={"signedPayload": "x.y.z"})
    # A player on the game servers' and the operators' routes.
    await refuse(
        "POST", "/grants", alice, json={"player": alice.username, "amount": 1, "reason": "r"}
    )
    await refuse("GET", "/admin/economy", alice)
    walk.check(
        "invalid-body invalid-request username-taken unknown-referral-code unauthorized "
        "unknown-version not-found method-not-allowed invalid-amount invalid-quantity "
        "unknown-asset invalid-metadata invalid-text body-too-large invalid-idempotency-key "
        "idempotency-key-reused unknown-item insufficient-funds unknown-price-option "
        "item-not-usable self-transfer unknown-player gift-limit-exceeded unknown-trade "
        "forbidden trade-not-open store-not-configured"
    )


async def test_the_game_servers_refusals_are_plain_sentences(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, sign_up: SignUp
) -> None:
    walk = Walk(client)
    refuse = walk.refuse
    server = await _service(app, client, api_settings)
    alice = await player_with(walk, sign_up, diamonds=200, stars=200)
    bob = await player_with(walk, sign_up, diamonds=100)
    hold = {"player": alice.username, "asset": "diamond", "amount": 50, "expiresIn": 600}
    await refuse("POST", "/holds", server, json={**hold, "asset": "ruby"})
    await refuse("POST", "/holds", server, json={**hold, "amount": 5000})
    await refuse("POST", "/holds", server, json={**hold, "expiresIn": 10**9})
    await refuse("POST", "/holds", server, json={**hold, "player": "nobody_here"})
    await refuse("POST", "/holds", server, json={**hold, "amount": -1})
    await refuse("POST", "/holds", alice, json=hold)
    placed = await walk.ok("POST", "/holds", server, json=hold)
    stars = await walk.ok("POST", "/holds", server, json={**hold, "asset": "star"})
    url = f"/holds/{placed['holdId']}"
    await refuse("POST", f"{url}/capture", server, json={"amount": 51})
    await refuse("GET", "/holds/nope", server)
    await refuse("POST", "/holds/nope/capture", server, json={})
    both = {"holds": [placed["holdId"], stars["holdId"]], "payouts": []}
    await refuse("POST", "/settlements", server, json=both)
    over = {"holds": [placed["holdId"]], "payouts": [{"to": bob.username, "amount": 51}]}
    await refuse("POST", "/settlements", server, json=over)
    twice = {"holds": [placed["holdId"], placed["holdId"]], "payouts": []}
    await refuse("POST", "/settlements", server, json=twice)
    await refuse("POST", "/settlements", server, json={"holds": [], "payouts": []})
    await walk.ok("POST", f"{url}/void", server, json={})
    await refuse("POST", f"{url}/capture", server, json={})
    again = {"holds": [placed["holdId"]], "payouts": []}
    await refuse("POST", "/settlements", server, json=again)
    grant = {"player": alice.username, "amount": 5, "reason": "win"}
    await refuse("POST", "/grants", server, json={**grant, "currency": "ruby"})
    await refuse("POST", "/grants", server, json={**grant, "player": "nobody_here"})
    await refuse("POST", "/grants", server, json={**grant, "player": server.username})
    await refuse("POST", "/grants", server, json={**grant, "amount": 10_001})
    await refuse("POST", "/grants", server, json={**grant, "reason": ""})
    # The batch: body validation, a whole refusal, and each item's problem.
    top_up = {"kind": "top_up", "playerId": alice.user_id, "amount": 5}
    await refuse("POST", "/batch/transfers", server, json={"transfers": []})
    bad_item = {"transfers": [{**top_up, "amount": "5"}]}
    await refuse("POST", "/batch/transfers", server, json=bad_item)
    bad_kind = {"transfers": [{**top_up, "kind": "gift"}]}
    await refuse("POST", "/batch/transfers", server, json=bad_kind)
    nul = {"transfers": [{**top_up, "metadata": {"k": "a\u0000b"}}]}
    await refuse("POST", "/batch/transfers", server, json=nul)
    dup = [{**top_up, "idempotencyKey": "same"}, {**top_up, "idempotencyKey": "same"}]
    await refuse("POST", "/batch/transfers", server, json={"transfers": dup, "atomic": True})
    items = [
        top_up,
        {"kind": "purchase", "playerId": alice.user_id, "item": "dragon"},
        {
            "kind": "purchase",
            "playerId": alice.user_id,
            "item": "treasure_box",
            "quantity": 9,
            "price": 2,
        },
        {"kind": "purchase", "playerId": alice.user_id, "item": "gem", "quantity": 5},
        {"kind": "purchase", "playerId": alice.user_id, "item": "gold_coin", "price": 4},
        {**top_up, "amount": 10_001},
        {**top_up, "currency": "ruby"},
        {**top_up, "playerId": str(uuid.uuid4())},
        {**top_up, "metadata": {"1bad": "x"}},
    ]
    for atomic in (False, True):
        body = {"transfers": items, "atomic": atomic}
        answer = await walk.ok("POST", "/batch/transfers", server, json=body)
        for result in answer["results"]:
            if result["problem"] is not None:
                walk.note(f"batch item {result['index']}", result["problem"])
    walk.check(
        "unknown-asset insufficient-funds invalid-amount unknown-player invalid-body "
        "forbidden unknown-hold mixed-assets payouts-exceed-pot hold-not-pending not-a-player "
        "duplicate-idempotency-key unknown-item unknown-price-option batch-aborted "
        "invalid-metadata invalid-text"
    )


async def test_the_operators_refusals_are_plain_sentences(
    client: httpx.AsyncClient, sign_up: SignUp, admin: Player
) -> None:
    walk = Walk(client)
    refuse = walk.refuse
    alice = await player_with(walk, sign_up, diamonds=100)
    bought = await walk.ok("POST", "/purchase", alice, json={"item": "gold_coin"})
    await refuse("GET", "/admin/players/nobody_here", admin)
    await refuse("GET", "/admin/players/nobody_here/balance", admin)
    await refuse("GET", f"/admin/players/{alice.username}/balance", admin, params={"version": 99})
    await refuse("GET", "/admin/streams/nothing-here", admin)
    await refuse("POST", "/admin/projectors/nothing-here/rebuild", admin)
    await refuse("GET", "/admin/economy/transfers-per-minute", admin, params={"minutes": "x"})
    reverse = {"playerId": alice.user_id, "reason": "support"}
    await refuse("POST", "/admin/transfers/nope/reversal", admin, json=reverse)
    await refuse("POST", "/admin/transfers/nope/reversal", admin, json={"reason": "r"})
    path = f"/admin/transfers/{bought['transferId']}/reversal"
    await walk.ok("POST", path, admin, json=reverse)
    await refuse("POST", path, admin, json=reverse)
    await walk.ok("POST", "/top-up", alice, json={"amount": 100, "currency": "star"})
    await walk.ok("POST", "/purchase", alice, json={"item": "gold_coin", "price": 1})
    hook = {"url": "https://93.184.215.14/hook", "events": ["nope", "other"]}
    await refuse("POST", "/admin/webhooks", admin, json=hook)
    await refuse("POST", "/admin/webhooks", admin, json={**hook, "events": []})
    await refuse("POST", "/admin/webhooks", admin, json={**hook, "url": "ftp://x", "events": ["*"]})
    await refuse(
        "POST", "/admin/webhooks", admin, json={**hook, "url": "http://127.0.0.1/", "events": ["*"]}
    )
    await refuse(
        "POST", "/admin/webhooks", admin, json={**hook, "url": "http://x:port/", "events": ["*"]}
    )
    await refuse("DELETE", f"/admin/webhooks/{uuid.uuid4()}", admin)
    await refuse("POST", f"/admin/webhooks/{uuid.uuid4()}/disable", admin)
    await refuse("POST", "/admin/webhooks/deliveries/nope/redeliver", admin)
    await refuse("POST", "/admin/webhooks/deliveries/12345/redeliver", admin)
    await refuse("GET", "/admin/webhooks/deliveries", admin, params={"status": "lost"})
    await refuse("POST", "/admin/catalog", admin, json={"items": [{"code": "x"}]})
    bad = {
        "currencies": [{"code": "diamond", "name": "Diamonds"}],
        "items": [{"code": "gem", "name": "Gem", "prices": [{"ruby": 5}]}],
    }
    await refuse("POST", "/admin/catalog", admin, json=bad)
    dropped = {"currencies": [{"code": "diamond", "name": "Diamonds"}], "items": []}
    await refuse("POST", "/admin/catalog", admin, json=dropped)
    await refuse("POST", "/admin/catalog", admin, content=b"{not json")
    await refuse("POST", "/admin/catalog", admin, json=[1])
    await refuse("POST", "/admin/receipts/google/nope/refund", admin, json={})
    walk.check(
        "unknown-player unknown-version not-found invalid-request unknown-transfer "
        "invalid-body already-reversed invalid-webhook-events invalid-webhook-url "
        "unknown-webhook catalog-refused"
    )


async def test_a_shortfall_names_the_assets_as_the_catalog_does(
    app: Litestar, client: httpx.AsyncClient, api_settings: Settings, sign_up: SignUp
) -> None:
    walk = Walk(client)
    alice = await player_with(walk, sign_up, stars=100)
    bob = await sign_up()
    gift = {"to": bob.username, "asset": "star", "amount": 999}
    await walk.refuse("POST", "/transfers", alice, json=gift)
    offer = {"to": bob.username, "give": {"gold_coin": 2}, "want": {"star": 5}}
    await walk.refuse("POST", "/trades", alice, json=offer)
    server = await _service(app, client, api_settings)
    hold = {"player": alice.username, "asset": "star", "amount": 500, "expiresIn": 600}
    await walk.refuse("POST", "/holds", server, json=hold)
    assert [error for _, _, error in walk.errors] == [
        "The gift is 999 Stars, but the balance is 100 Stars.",
        "The offer needs 2 Gold Coin, but the balance is 0 Gold Coin.",
        "The hold is 500 Stars, but the balance is 100 Stars.",
    ]
