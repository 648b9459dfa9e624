"""The write side end to end on a real database: signup, top-up, purchase, referral."""

from domain.commands import Purchase, SignUp, TopUp
from service.job import Sender
from service.ledger import LedgerService


async def test_signup_top_up_purchase_and_referral(ledger: LedgerService) -> None:
    alice = await ledger.handle(SignUp(username="alice"), caller=Sender(password_hash="hash"))
    topped = await ledger.handle(TopUp(player_id=alice.player_id, amount=100))
    assert topped.balances == {"diamond": 100}
    bought = await ledger.handle(Purchase(player_id=alice.player_id, item="treasure_box"))
    assert bought.balances == {"diamond": 50, "treasure_box": 1}
    assert bought.version == 3
    bob = await ledger.handle(
        SignUp(username="bob", referral_code=alice.referral_code), caller=Sender(password_hash="h")
    )
    assert bob.balances == {"diamond": 50}
