"""A write's metadata: the rules, the stamp on every copy of a transfer, the fingerprint."""

import pytest

from domain import accounts
from domain.assets import CURRENCY
from domain.commands import EconomyRules, Gift, SignUp, TopUp
from domain.errors import IdempotencyKeyReused, InvalidMetadata
from domain.events import Transferred
from domain.metadata import check_metadata
from service.idempotency import fingerprint
from service.job import Sender
from tests.fakes import fake_ledger

RULES = EconomyRules(genesis_supply=100_000, shard_count=2)


@pytest.mark.parametrize(
    "metadata",
    [
        {},
        {"matchId": "m-1", "store_order": "GPA.1", "T": ""},
        {"a" + "b" * 31: "x" * 256},
        {f"k{i}": str(i) for i in range(16)},
    ],
)
def test_metadata_within_the_rules_is_kept_as_given(metadata: dict[str, str]) -> None:
    assert check_metadata(metadata) == metadata


@pytest.mark.parametrize(
    ("metadata", "named"),
    [
        ({f"k{i}": "v" for i in range(17)}, "17 keys; at most 16"),
        ({"1st": "v"}, "key '1st' is not allowed"),
        ({"_x": "v"}, "key '_x' is not allowed"),
        ({"match-id": "v"}, "key 'match-id' is not allowed"),
        ({"a" * 33: "v"}, f"key '{'a' * 33}' is not allowed"),
        ({"": "v"}, "key '' is not allowed"),
        ({"ticket": "x" * 257}, "value of 'ticket' has 257 characters; at most 256"),
        ({"n": 5}, "value of 'n' must be a string"),
    ],
)
def test_metadata_breaking_a_rule_is_refused_naming_what_is_wrong(
    metadata: dict[str, object], named: str
) -> None:
    with pytest.raises(InvalidMetadata, match=named.replace("(", r"\(")):
        check_metadata(metadata)


def test_metadata_is_part_of_the_fingerprint_but_empty_metadata_changes_nothing() -> None:
    plain = TopUp(player_id="p1", amount=250)
    assert fingerprint(TopUp(player_id="p1", amount=250, metadata={})) == fingerprint(plain)
    labelled = fingerprint(TopUp(player_id="p1", amount=250, metadata={"order": "A"}))
    assert labelled != fingerprint(plain)
    assert labelled != fingerprint(TopUp(player_id="p1", amount=250, metadata={"order": "B"}))


async def test_a_gift_carries_its_metadata_on_both_players_copies() -> None:
    ledger, store = fake_ledger(RULES)
    await ledger.seed_genesis()
    alice = (
        await ledger.handle(SignUp(username="alice"), caller=Sender(password_hash="h"))
    ).player_id
    bob = (await ledger.handle(SignUp(username="bob"), caller=Sender(password_hash="h"))).player_id
    await ledger.handle(TopUp(player_id=alice, amount=100))
    labels = {"matchId": "m-7"}
    await ledger.handle(Gift(sender_id=alice, to="bob", asset=CURRENCY, amount=10, metadata=labels))
    for player in (alice, bob):
        head = store.head(accounts.player_account(player))
        assert head is not None
        assert isinstance(head.event, Transferred)
        assert (head.event.code, head.event.metadata) == ("gift", labels)


async def test_a_write_with_invalid_metadata_writes_nothing() -> None:
    ledger, store = fake_ledger(RULES)
    await ledger.seed_genesis()
    alice = (
        await ledger.handle(SignUp(username="alice"), caller=Sender(password_hash="h"))
    ).player_id
    before = len(store.log)
    with pytest.raises(InvalidMetadata):
        await ledger.handle(TopUp(player_id=alice, amount=100, metadata={"bad key": "x"}))
    assert len(store.log) == before


async def test_the_same_key_with_other_metadata_is_refused_as_a_reused_key() -> None:
    ledger, _ = fake_ledger(RULES)
    await ledger.seed_genesis()
    alice = (
        await ledger.handle(SignUp(username="alice"), caller=Sender(password_hash="h"))
    ).player_id
    first = await ledger.handle(TopUp(player_id=alice, amount=5, metadata={"o": "1"}), "k1")
    again = await ledger.handle(TopUp(player_id=alice, amount=5, metadata={"o": "1"}), "k1")
    assert again == first
    with pytest.raises(IdempotencyKeyReused):
        await ledger.handle(TopUp(player_id=alice, amount=5, metadata={"o": "2"}), "k1")
