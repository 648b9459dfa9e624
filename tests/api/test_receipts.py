"""Store receipts over HTTP with real signatures made in the test (tests/stores.py).

Apple's chain is this test's own root, intermediate and leaf, trusted through
APPLE_ROOT_CERTIFICATES with online checks off; Google's license key is this test's own.
"""

import argparse
import asyncio
import uuid
from pathlib import Path

import httpx
import msgspec
import pytest

from cli import receipts as cli_receipts
from infra.config import Settings
from tests.api.conftest import Player, SignUp, settled
from tests.catalogs import EXAMPLE_FILE
from tests.stores import (
    BUNDLE_ID,
    PACKAGE_NAME,
    AppleChain,
    PlayKey,
    notification,
    play_purchase,
    tampered,
    transaction,
)

CHAIN = AppleChain()
PLAY = PlayKey()


@pytest.fixture
def api_settings(api_settings: Settings, tmp_path: Path) -> Settings:
    """Both stores on, trusting this module's root and license key; top-ups off."""
    return msgspec.structs.replace(
        api_settings,
        catalog_file=str(EXAMPLE_FILE),
        player_top_up="off",
        apple_bundle_id=BUNDLE_ID,
        apple_environment="sandbox",
        apple_root_certificates=(str(CHAIN.write_root(tmp_path)),),
        apple_online_checks=False,
        google_package_name=PACKAGE_NAME,
        google_license_key=PLAY.public,
    )


def new_id() -> str:
    """A store transaction id nobody has used."""
    return str(uuid.uuid4().int)[:16]


async def apple(client: httpx.AsyncClient, player: Player, jws: str) -> httpx.Response:
    """POST /receipts/apple as the player."""
    body = {"signedTransaction": jws}
    return await client.post("/receipts/apple", json=body, headers=player.auth)


async def test_a_valid_apple_transaction_credits_once(
    client: httpx.AsyncClient, player: Player
) -> None:
    transaction_id = new_id()
    jws = CHAIN.sign(transaction(transaction_id, "com.studio.diamonds550"))
    first = await apple(client, player, jws)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["balance"], body["receiptId"], body["productId"]) == (
        550,
        transaction_id,
        "com.studio.diamonds550",
    )
    again = await apple(client, player, jws)
    assert again.json() == body
    wallet = await client.get("/balance", headers=player.auth)
    assert wallet.json()["balance"] == 550


async def test_the_same_jws_sent_20_times_at_once_credits_once(
    client: httpx.AsyncClient, player: Player
) -> None:
    jws = CHAIN.sign(transaction(new_id()))
    replies = await asyncio.gather(*(apple(client, player, jws) for _ in range(20)))
    assert {r.status_code for r in replies} == {200}
    assert len({r.json()["transferId"] for r in replies}) == 1
    wallet = await client.get("/balance", headers=player.auth)
    assert wallet.json()["balance"] == 100


async def test_a_purchase_bound_to_an_account_credits_that_player_only(
    client: httpx.AsyncClient, player: Player, sign_up: SignUp
) -> None:
    jws = CHAIN.sign(transaction(new_id(), account=player.user_id))
    other = await sign_up()
    refused = await apple(client, other, jws)
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"] == "receipt-wrong-player"
    assert (await apple(client, player, jws)).json()["balance"] == 100


async def test_another_players_receipt_is_refused(
    client: httpx.AsyncClient, player: Player, sign_up: SignUp
) -> None:
    jws = CHAIN.sign(transaction(new_id()))
    assert (await apple(client, player, jws)).status_code == 200
    thief = await sign_up()
    refused = await apple(client, thief, jws)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "receipt-already-used"
    assert refused.json()["error"]
    assert (await client.get("/balance", headers=thief.auth)).json()["balance"] == 0


OTHER_ROOT = AppleChain()


@pytest.mark.parametrize(
    ("jws", "status", "slug"),
    [
        (tampered(CHAIN.sign(transaction("t-1")), quantity=50), 422, "receipt-signature-invalid"),
        (CHAIN.sign(transaction("t-2", bundle_id="com.other.app")), 422, "receipt-wrong-app"),
        (OTHER_ROOT.sign(transaction("t-3")), 422, "receipt-certificate-untrusted"),
        (CHAIN.sign(transaction("t-4"), expired=True), 422, "receipt-certificate-expired"),
        (CHAIN.sign(transaction("t-5", "com.studio.gone")), 422, "unknown-store-product"),
        (
            CHAIN.sign(transaction("t-6", environment="Production")),
            422,
            "receipt-wrong-environment",
        ),
        (CHAIN.sign(transaction("t-7", "com.studio.stars1000")), 422, "unknown-store-product"),
    ],
    ids=[
        "tampered",
        "bundle",
        "untrusted-root",
        "expired-leaf",
        "no-product",
        "env",
        "not-on-apple",
    ],
)
async def test_each_bad_apple_receipt_is_refused_with_its_own_type(
    client: httpx.AsyncClient, player: Player, jws: str, status: int, slug: str
) -> None:
    refused = await apple(client, player, jws)
    assert refused.status_code == status, refused.text
    assert refused.json()["type"] == slug
    assert refused.json()["error"]
    assert (await client.get("/balance", headers=player.auth)).json()["wallet"] == {
        "diamond": 0,
        "star": 0,
        "event_token": 0,
    }


async def google(
    client: httpx.AsyncClient, player: Player, data: str, signature: str
) -> httpx.Response:
    """POST /receipts/google as the player."""
    body = {"purchaseData": data, "signature": signature}
    return await client.post("/receipts/google", json=body, headers=player.auth)


async def test_a_google_purchase_with_a_good_signature_credits_once(
    client: httpx.AsyncClient, player: Player
) -> None:
    data = play_purchase(f"GPA.{new_id()}", "com.studio.stars1000")
    first = await google(client, player, data, PLAY.sign(data))
    assert first.status_code == 200, first.text
    assert first.json()["wallet"] == {"diamond": 0, "star": 1000, "event_token": 0}
    again = await google(client, player, data, PLAY.sign(data))
    assert again.json() == first.json()


@pytest.mark.parametrize(
    ("data", "signer", "slug"),
    [
        (play_purchase("GPA.1"), PlayKey(), "receipt-signature-invalid"),
        (play_purchase("GPA.2", package_name="com.other"), PLAY, "receipt-wrong-app"),
        (play_purchase("GPA.3", state=1), PLAY, "receipt-not-purchased"),
    ],
    ids=["bad-signature", "package", "cancelled"],
)
async def test_a_bad_google_purchase_is_refused(
    client: httpx.AsyncClient, player: Player, data: str, signer: PlayKey, slug: str
) -> None:
    refused = await google(client, player, data, signer.sign(data))
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == slug
    assert (await client.get("/balance", headers=player.auth)).json()["balance"] == 0


async def notify(client: httpx.AsyncClient, kind: str, jws: str) -> httpx.Response:
    """Apple posts a signed notification about the transaction `jws`."""
    body = {"signedPayload": CHAIN.sign(notification(kind, jws))}
    return await client.post("/store/apple/notifications", json=body)


async def test_an_apple_refund_after_spending_leaves_zero_and_debt_repaid_by_the_next_credit(
    client: httpx.AsyncClient, player: Player, admin: Player
) -> None:
    bought = CHAIN.sign(transaction(new_id(), "com.studio.diamonds550"))
    assert (await apple(client, player, bought)).json()["balance"] == 550
    for _ in range(2):  # 10 treasure boxes: 500 diamonds spent
        box = {"item": "treasure_box", "quantity": 5}
        assert (await client.post("/purchase", json=box, headers=player.auth)).status_code == 200
    refunded = await notify(client, "REFUND", bought)
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["outcome"] == "refunded"
    wallet = (await client.get("/balance", headers=player.auth)).json()
    assert (wallet["balance"], wallet["debt"]) == (0, {"diamond": 500})
    again = await notify(client, "REVOKE", bought)  # the grant is not taken twice
    assert again.json()["transferId"] == refunded.json()["transferId"]
    assert (await notify(client, "DID_RENEW", bought)).json()["outcome"] == "ignored"
    next_credit = await apple(client, player, CHAIN.sign(transaction(new_id())))
    assert next_credit.json()["balance"] == 0  # its 100 repaid the debt first
    wallet = (await client.get("/balance", headers=player.auth)).json()
    assert (wallet["balance"], wallet["debt"]) == (0, {"diamond": 400})
    await settled(client, admin)
    audit = (await client.post("/admin/audit", headers=admin.auth)).json()
    assert [c["name"] for c in audit["checks"] if not c["ok"]] == []
    assert "receipts" in [c["name"] for c in audit["checks"]]


async def test_a_forged_notification_is_refused(client: httpx.AsyncClient, player: Player) -> None:
    bought = CHAIN.sign(transaction(new_id()))
    assert (await apple(client, player, bought)).status_code == 200
    forged = {"signedPayload": OTHER_ROOT.sign(notification("REFUND", bought))}
    refused = await client.post("/store/apple/notifications", json=forged)
    assert refused.json()["type"] == "receipt-certificate-untrusted"
    assert (await client.get("/balance", headers=player.auth)).json()["balance"] == 100


async def test_an_operator_records_a_google_refund_by_order_id(
    client: httpx.AsyncClient, player: Player, admin: Player
) -> None:
    order = f"GPA.{new_id()}"
    data = play_purchase(order)
    assert (await google(client, player, data, PLAY.sign(data))).json()["balance"] == 100
    route = f"/admin/receipts/google/{order}/refund"
    refused = await client.post(route, json={}, headers=player.auth)
    assert refused.status_code == 403
    refunded = await client.post(route, json={"reason": "chargeback"}, headers=admin.auth)
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["balances"]["diamond"] == 0
    unknown = await client.post(
        "/admin/receipts/google/GPA.none/refund", json={}, headers=admin.auth
    )
    assert unknown.status_code == 404


async def test_gameledger_receipts_refund_takes_a_google_order_back(
    client: httpx.AsyncClient, player: Player, db_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    order = f"GPA.{new_id()}"
    data = play_purchase(order)
    assert (await google(client, player, data, PLAY.sign(data))).json()["balance"] == 100
    refund = argparse.Namespace(order_id=order, reason="chargeback")
    assert await cli_receipts._refund(refund, db_dsn) == 0
    assert f"of order {order}" in capsys.readouterr().out
    assert (await client.get("/balance", headers=player.auth)).json()["balance"] == 0
    assert await cli_receipts._refund(argparse.Namespace(order_id="GPA.x", reason="x"), db_dsn) == 1
