"""Who holds a wallet (domain/roles.py), and the write side asking before it credits one."""

import pytest

from domain.account_errors import NotAPlayer
from domain.commands import EconomyRules, Purchase, SignUp, TopUp
from domain.roles import FixedRoles, require_player, require_player_referrer
from service.job import Sender
from tests.fakes import fake_ledger


def test_players_pass_and_privileged_accounts_are_refused_by_name() -> None:
    require_player(frozenset({"s1"}), "p1", "alice")
    with pytest.raises(NotAPlayer, match="'arena' is a service or admin account") as named:
        require_player(frozenset({"s1"}), "s1", "arena")
    assert named.value.context == {"account": "arena"}
    with pytest.raises(NotAPlayer, match=r"^this account is"):
        require_player(frozenset({"s1"}), "s1")


def test_a_privileged_referral_code_names_the_code_not_the_account() -> None:
    with pytest.raises(NotAPlayer, match="referral code 'ABC'") as refused:
        require_player_referrer(frozenset({"s1"}), "s1", "ABC")
    assert refused.value.context == {"referralCode": "ABC"}
    require_player_referrer(frozenset({"s1"}), "p1", "ABC")


async def test_the_write_side_refuses_before_it_writes() -> None:
    ledger, store = fake_ledger(EconomyRules(shard_count=2))
    await ledger.seed_genesis()
    server = await ledger.handle(
        SignUp(username="arena"), caller=Sender(password_hash="hash", role="service")
    )
    ledger.ctx.roles = FixedRoles({server.player_id})
    written = len(store.log)
    with pytest.raises(NotAPlayer):
        await ledger.handle(TopUp(player_id=server.player_id, amount=10))
    with pytest.raises(NotAPlayer):
        await ledger.handle(Purchase(player_id=server.player_id, item="gold_coin"))
    with pytest.raises(NotAPlayer):
        await ledger.handle(
            SignUp(username="newbie", referral_code=server.referral_code),
            caller=Sender(password_hash="h"),
        )
    assert len(store.log) == written
    player = await ledger.handle(SignUp(username="alice"), caller=Sender(password_hash="hash"))
    await ledger.handle(TopUp(player_id=player.player_id, amount=10))  # players still can
