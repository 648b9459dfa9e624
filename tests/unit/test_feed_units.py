"""The feed's pure parts: ids, subjects, bodies, webhook matching, backoff and settings."""

import random
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.details import PurchaseDetails
from domain.events import Leg, PlayerRegistered, Transferred
from domain.webhook_errors import InvalidWebhookUrl
from infra.config import ConfigError, load_settings
from infra.eventstore import StoredEvent
from infra.webhook_sender import MAX_BACKOFF, allowed, backoff, check_url, next_step
from projections.feed_message import body, event_id, parse_event_id, subject
from projections.webhooks import matches

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def purchase() -> StoredEvent:
    event = Transferred(
        transfer_id="t1", code="purchase", occurred_at=NOW,
        details=PurchaseDetails(item="gold_coin", quantity=1),
        legs=(Leg("player:p1", "diamond", -10), Leg("treasury:inflow", "diamond", 10)),
        state_after={"diamond": 90},
    )  # fmt: skip
    return StoredEvent(
        stream_id="player:p1", version=3, global_position=42, event=event, recorded_at=NOW
    )


def test_event_ids_are_stream_and_version_and_parse_back() -> None:
    assert event_id("player:p1", 3) == "player:p1@3"
    assert parse_event_id("player:p1@3") == ("player:p1", 3)
    assert parse_event_id("probe-1") is None
    assert parse_event_id("x@y") is None


def test_subjects_name_the_stream_kind_event_type_and_code() -> None:
    assert subject("gameledger", purchase()) == "gameledger.player.transferred.purchase"
    registered = StoredEvent(
        stream_id="player:p1", version=1, global_position=1, recorded_at=NOW,
        event=PlayerRegistered(player_id="p1", username="u", referral_code="c", occurred_at=NOW),
    )  # fmt: skip
    assert subject("gl", registered) == "gl.player.player_registered"


def test_the_body_shows_the_transfer_as_the_history_does() -> None:
    message = body(purchase(), {"actor": "p1"})
    assert message["globalPosition"] == 42
    assert message["eventType"] == "transferred.purchase"
    assert message["event"]["legs"][0] == {
        "account": "player:p1",
        "asset": "diamond",
        "amount": -10,
    }
    assert message["event"]["balanceAfter"] == 90
    assert message["event"]["stateAfter"] == {"diamond": 90}
    assert message["metadata"] == {"actor": "p1"}
    assert message["occurredAt"] == NOW


def test_an_endpoint_key_matches_itself_its_codes_and_star() -> None:
    assert matches(["transferred"], "transferred.purchase")
    assert matches(["transferred.purchase"], "transferred.purchase")
    assert not matches(["transferred.top_up"], "transferred.purchase")
    assert not matches(["transfer"], "transferred.purchase")
    assert matches(["*"], "claimed")


def test_2xx_delivers_410_is_gone_anything_else_retries_until_the_deadline() -> None:
    deadline = NOW + timedelta(hours=24)
    assert next_step(204, 1, deadline, NOW, 5.0).outcome == "delivered"
    assert next_step(410, 1, deadline, NOW, 5.0).outcome == "gone"
    for status in (None, 301, 404, 500, 503):
        step = next_step(status, 1, deadline, NOW, 5.0)
        assert step.outcome == "retry"
        assert step.retry_at is not None
        assert NOW < step.retry_at <= NOW + timedelta(seconds=5)
    assert next_step(500, 30, NOW + timedelta(seconds=1), NOW, 5.0).outcome == "failed"


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    for attempt in range(1, 8):
        delay = backoff(attempt, 5.0, rng)
        assert 5.0 * 2 ** (attempt - 1) / 2 <= delay <= 5.0 * 2 ** (attempt - 1)
    assert backoff(40, 5.0, rng) <= MAX_BACKOFF


def test_feed_settings_are_read_and_checked() -> None:
    settings = load_settings({"NATS_URL": "nats://n:4222", "NATS_RETENTION_DAYS": "3"})
    assert settings.nats_url == "nats://n:4222"
    assert settings.nats_stream == "GAMELEDGER"
    assert settings.nats_retention_days == 3
    assert not load_settings({}).nats_url  # off unless set
    for bad in ({"NATS_URL": "http://n"}, {"NATS_STREAM": "a.b"},
                {"NATS_SUBJECT_PREFIX": "a..b"}, {"WEBHOOK_TIMEOUT_SECONDS": "0"}):  # fmt: skip
        with pytest.raises(ConfigError):
            load_settings(bad)
    allowed = load_settings({"WEBHOOK_ALLOW_NETWORKS": "127.0.0.1/32"}).webhook_allow_networks
    assert allowed == ("127.0.0.1/32",)


async def test_a_name_that_resolves_to_a_private_address_is_refused_unless_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # DNS answers at delivery time: a public-looking name may point into the private network.
    real = socket.getaddrinfo

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host != "hooks.example":
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.7.9", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(InvalidWebhookUrl, match=r"192\.168\.7\.9"):
        await check_url("https://hooks.example/in", ())
    await check_url("https://hooks.example/in", allowed(("192.168.0.0/16",)))
