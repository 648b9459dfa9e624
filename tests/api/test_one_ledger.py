"""One process builds one ledger: the app's background writers write through the app's."""

import asyncio

import pytest

from api.http.app import create_app
from infra.config import Settings
from service import bootstrap
from service.ledger import LedgerService
from tests.api.conftest import FAST_HASHER, running


async def test_the_sweeper_and_the_expirer_use_the_apps_ledger(
    db_dsn: str, api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[LedgerService] = []
    constructor = LedgerService.__init__

    def counted(self: LedgerService, *args: object, **kwargs: object) -> None:
        built.append(self)
        constructor(self, *args, **kwargs)  # type: ignore[arg-type]

    used: dict[str, LedgerService] = {}
    both = asyncio.Event()

    def recorder(name: str) -> object:
        async def run(_pool: object, ledger: LedgerService, *_args: object, **_kw: object) -> None:
            used[name] = ledger
            if len(used) == 2:
                both.set()

        return run

    monkeypatch.setattr(LedgerService, "__init__", counted)
    monkeypatch.setattr(bootstrap, "run_sweeper", recorder("sweeper"))
    monkeypatch.setattr(bootstrap, "run_expirer", recorder("expirer"))
    application = create_app(api_settings, db_dsn, hasher=FAST_HASHER)
    async with running(application), asyncio.timeout(30):
        await both.wait()  # the projector runner has started the writers
        ledger = application.state.services.ledger
    assert used == {"sweeper": ledger, "expirer": ledger}
    assert built == [ledger]
