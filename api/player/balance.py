"""`GET /balance`: the answer, shared by the handler and the fast path for its plain form.

`GET /balance` is a game client's most frequent call. Its plain form (no query string, no body,
no `Origin`, no `Ledger-Position`, a valid bearer token, a wallet that exists) is answered
before Litestar's routing (api/http/fast_path.py); on anything else, or any error, Litestar's
handler in api/player/players.py answers it, as it always has.
"""

import msgspec

from api.http import reads
from api.http.energies import energy_balances
from api.http.fast_routes import FastRoute, Plain
from api.http.schemas import BalanceResponse, Lots, inventory
from api.http.services import Reader, Services
from domain import accounts, lots
from domain.assets import CURRENCY
from domain.energies import levels
from domain.timed import NO_TIMED
from projections.views import PlayerView

PATH = "/balance"


def wallet_answer(services: Services, wallet: PlayerView) -> BalanceResponse:
    """The wire form of a wallet, at the ledger's clock (energies refill as time passes)."""
    timed = wallet.timed or NO_TIMED  # as the wallet's own version left them
    now = services.ledger.ctx.clock()
    return BalanceResponse(
        username=wallet.username,
        balance=wallet.balance,
        version=wallet.version,
        referral_code=wallet.referral_code,
        inventory=inventory(wallet.inventory, services.item_codes),
        wallet=services.wallet({CURRENCY: wallet.balance, **wallet.inventory}),
        held=wallet.held,
        debt=wallet.debt,
        energies=energy_balances(levels(timed.energies, services.catalog.energies, now)),
        lots=msgspec.convert(lots.shown(timed.lots), Lots) if timed.lots else {},
    )


async def read_wallet(services: Services, player_id: str, position: int | None) -> PlayerView:
    """The player's wallet with their own last write (and the one `position` names) in it."""
    read = Reader(services.reads, player_id, position)
    async with read.connection(*accounts.wallet_streams(player_id)) as conn:
        return await reads.wallet(conn, player_id)


async def _plain(plain: Plain) -> BalanceResponse:
    wallet = await read_wallet(plain.services, plain.principal.player_id, None)
    return wallet_answer(plain.services, wallet)


# The plain `GET /balance` (no query, no body, no Origin or Ledger-Position), before Litestar.
FAST = FastRoute("GET", PATH, _plain)
