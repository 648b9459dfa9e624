"""What a freeze of a player leaves moving (issue 24): the expirer closing a hold on its own
terms and an operator's reversal pass; the game server's writes that would move the player
(a new hold, a void, a grant) are refused with `frozen`."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from domain.commands import CloseHold, EconomyRules, Grant, PlaceHold, Reverse, SignUp, TopUp
from domain.errors import DomainError
from domain.freezes import ActiveFreeze, FreezeIndex
from service.job import Sender
from service.ledger import LedgerService
from tests.fakes import NOW
from tests.ledgers import ledger_over

SERVER = Sender("server")


NOW_AT = [datetime.now(UTC)]  # the ledger's clock: a test moves it


@pytest.fixture
async def ledger(pool: asyncpg.Pool) -> AsyncIterator[LedgerService]:
    """A ledger with genesis seeded, on a clock the test moves."""
    made = ledger_over(pool, EconomyRules(shard_count=2), clock=lambda: NOW_AT[0])
    assert await made.seed_genesis()
    yield made
    await made.close()


def frozen(player_id: str) -> FreezeIndex:
    """The copy a follower hands the ledger once the player is frozen."""
    freeze = ActiveFreeze(
        freeze_id="f1", scope="player", target="suspect", reason="exploit",
        created_at=NOW, created_by="op", player_id=player_id,
    )  # fmt: skip
    return FreezeIndex([freeze])


async def refused(ledger: LedgerService, command: object, caller: Sender = SERVER) -> None:
    with pytest.raises(DomainError) as error:
        await ledger.handle(command, caller=caller)  # type: ignore[arg-type]
    assert error.value.slug == "frozen"
    assert error.value.context["freezeId"] == "f1"


async def test_corrections_pass_and_the_game_servers_writes_do_not(
    ledger: LedgerService,
) -> None:
    suspect = await ledger.handle(SignUp(username="suspect"), caller=Sender(password_hash="h"))
    await ledger.handle(TopUp(player_id=suspect.player_id, amount=300))
    topped = await ledger.handle(TopUp(player_id=suspect.player_id, amount=50))
    first = await ledger.handle(
        PlaceHold(player="suspect", asset="diamond", amount=100, expires_in=60), caller=SERVER
    )
    second = await ledger.handle(
        PlaceHold(player="suspect", asset="diamond", amount=100, expires_in=60), caller=SERVER
    )
    ledger.use_freezes(frozen(suspect.player_id))

    await refused(ledger, PlaceHold(player="suspect", asset="diamond", amount=1, expires_in=60))
    await refused(ledger, CloseHold(hold_id=first.hold_id, outcome="void"))
    await refused(ledger, Grant(player="suspect", amount=5, reason="reward"))
    await refused(ledger, TopUp(player_id=suspect.player_id, amount=5), Sender())

    NOW_AT[0] += timedelta(minutes=2)  # the holds are due
    await ledger.handle(
        CloseHold(hold_id=second.hold_id, outcome="expire"), caller=Sender("expirer", "system")
    )
    reversal = Reverse(
        player_id=suspect.player_id, transfer_id=topped.transfer_id, reason="exploit", actor="op"
    )
    await ledger.handle(reversal, caller=Sender("op", "admin"))
