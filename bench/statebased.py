"""The second baseline: a state-based ledger, the design most studios would write instead.

A `wallets` row per player holds its balances, and one `treasury` row holds the house's side. A
purchase updates the player's row and then the treasury's under their row locks (every purchase
takes them in that order, so two purchases never deadlock) and inserts its entries, a debit and
a credit per asset, in one transaction. `GET /balance` reads the player's row by primary key.

It sits behind the same minimal Litestar app as bench/baseline.py, with the same pool (built
by infra.db.create_pool from the same environment), and checks the same bearer tokens as the
service (HS256, PyJWT, decoded on every request), so one wrk script drives both. The treasury
row is the hot spot our escrowed treasury avoids: every purchase waits for the one before it
to commit.
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import asyncpg
import jwt
import msgspec
from litestar import Litestar, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.params import HeaderParameter, JSONBody

from api.http.auth import ALGORITHM, AUDIENCE, ISSUER
from infra.config import load_settings
from infra.db import create_pool

TREASURY = "treasury"
PRICES = {"gold_coin": 10}  # diamonds per item, as in the service's default catalog
SUPPLY = 10**15  # the treasury's stock of every item and its diamonds: never runs out

SCHEMA = """
CREATE TABLE wallets (
    account   text PRIMARY KEY,
    diamond   bigint NOT NULL CHECK (diamond >= 0),
    gold_coin bigint NOT NULL CHECK (gold_coin >= 0),
    version   bigint NOT NULL DEFAULT 0
);
CREATE TABLE entries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transfer_id uuid NOT NULL,
    account     text NOT NULL,
    asset       text NOT NULL,
    amount      bigint NOT NULL,  -- a credit is positive, a debit negative
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entries_account ON entries (account, id);
"""
_SEED = "INSERT INTO wallets (account, diamond, gold_coin) SELECT unnest($1::text[]), $2, 0"
_TREASURY = "INSERT INTO wallets (account, diamond, gold_coin) VALUES ($1, $2, $2)"

_DEBIT_PLAYER = """
UPDATE wallets SET diamond = diamond - $2, gold_coin = gold_coin + 1, version = version + 1
 WHERE account = $1 AND diamond >= $2
RETURNING diamond, gold_coin, version
"""
_CREDIT_TREASURY = (
    "UPDATE wallets SET diamond = diamond + $2, gold_coin = gold_coin - 1 WHERE account = $1"
)
_ENTRIES = """
INSERT INTO entries (transfer_id, account, asset, amount)
SELECT $1, unnest($2::text[]), unnest($3::text[]), unnest($4::bigint[])
"""
_EXISTS = "SELECT 1 FROM wallets WHERE account = $1"
_BALANCE = "SELECT diamond, gold_coin, version FROM wallets WHERE account = $1"


async def create_schema(dsn: str, players: list[str], funds: int) -> None:
    """The tables, a wallet with `funds` diamonds per player id, and the treasury."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(SCHEMA)
            await conn.execute(_SEED, players, funds)
            await conn.execute(_TREASURY, TREASURY, SUPPLY)
    finally:
        await conn.close()


@asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    pool = await create_pool(os.environ["GAMELEDGER_DSN"], load_settings())
    app.state.pool = pool
    app.state.secret = os.environ["JWT_SECRET"]
    try:
        yield
    finally:
        await pool.close()


def player_of(state: State, authorization: str | None) -> str:
    """The player id of a valid bearer token, or 401."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        raise NotAuthorizedException("a bearer token is required")
    try:
        claims = jwt.decode(
            token, state.secret, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER
        )
    except jwt.PyJWTError:
        raise NotAuthorizedException("the token is not valid") from None
    player: str = claims["sub"]
    return player


class PurchaseBody(msgspec.Struct):
    """What to buy."""

    item: str


Authorization = Annotated[str | None, HeaderParameter(name="Authorization")]


@post("/purchase", status_code=200)
async def purchase(
    state: State, data: JSONBody[PurchaseBody], authorization: Authorization = None
) -> dict[str, int]:
    """One purchase: the player's row locked and debited, four entries, the treasury's row
    locked and credited, in one transaction."""
    player = player_of(state, authorization)
    price = PRICES.get(data.item)
    if price is None:
        raise HTTPException(status_code=400, detail="unknown item")
    transfer = uuid.uuid4()
    async with state.pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(_DEBIT_PLAYER, player, price)
        if row is None:
            missing = await conn.fetchval(_EXISTS, player) is None
            raise HTTPException(
                status_code=404 if missing else 409,
                detail="no such wallet" if missing else "insufficient funds",
            )
        await conn.execute(
            _ENTRIES,
            transfer,
            [player, TREASURY, TREASURY, player],
            ["diamond", "diamond", data.item, data.item],
            [-price, price, -1, 1],
        )
        # The hot row last: every purchase queues on it until the one holding it commits.
        await conn.execute(_CREDIT_TREASURY, TREASURY, price)
    return {"balance": row["diamond"], "version": row["version"]}


@get("/balance")
async def balance(state: State, authorization: Authorization = None) -> dict[str, object]:
    """The player's row, by primary key."""
    player = player_of(state, authorization)
    row = await state.pool.fetchrow(_BALANCE, player)
    if row is None:
        raise HTTPException(status_code=404, detail="no such wallet")
    return {
        "balance": row["diamond"],
        "inventory": {"gold_coin": row["gold_coin"]},
        "version": row["version"],
    }


@get("/ready")
async def ready(state: State) -> dict[str, int]:
    """The pool answers (the bench waits for this before driving the app)."""
    return {"value": await state.pool.fetchval("SELECT 1")}


def create_state_app() -> Litestar:
    """The state-based ledger app (an ASGI factory for uvicorn)."""
    return Litestar([purchase, balance, ready], lifespan=[_lifespan], openapi_config=None)
