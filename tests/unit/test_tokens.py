"""Access tokens without I/O: lifetimes, and revocation checked even for remembered tokens."""

import time

import jwt
import pytest
from litestar.exceptions import NotAuthorizedException
from litestar.plugins.problem_details import ProblemDetailsException

from api.http.auth import ALGORITHM, Tokens
from infra.config import Settings
from infra.revocations import RevocationCache
from infra.sessions import Revocation

SECRET = "unit-secret-" + "u" * 40


class FakeRevocations:
    """The Revocations port over a real cache, with freshness set by the test."""

    def __init__(self) -> None:
        self.cache = RevocationCache()
        self.fresh = True

    def trusted(self) -> bool:
        return self.fresh

    def refuses(self, jti: str | None, family: str | None, player_id: str, issued_at: int) -> bool:
        return self.cache.refuses(jti, family, player_id, issued_at)

    def note(self, revocation: Revocation) -> None:
        self.cache.apply([revocation])

    async def current(self) -> None:
        return None


def revocable(ttl: int = 86400) -> tuple[Tokens, FakeRevocations]:
    tokens, revocations = Tokens(SECRET, ttl), FakeRevocations()
    tokens.revocations = revocations
    return tokens, revocations


def claims_of(token: str) -> dict[str, object]:
    decoded: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def test_tokens_last_a_day_by_default() -> None:
    issued = Tokens(SECRET, Settings().token_ttl_seconds).issue("p1", "player")
    claims = claims_of(issued.token)
    assert issued.expires_in == 86400
    assert claims["exp"] == claims["iat"] + 86400  # type: ignore[operator]


@pytest.mark.parametrize(("wanted", "granted"), [(300, 300), (86400, 86400), (10**9, 86400)])
def test_a_chosen_lifetime_is_honoured_up_to_the_configured_one(wanted: int, granted: int) -> None:
    issued = Tokens(SECRET, 86400).issue("p1", "player", ttl=wanted)
    claims = claims_of(issued.token)
    assert issued.expires_in == granted
    assert claims["exp"] == claims["iat"] + granted  # type: ignore[operator]


def test_a_refresh_family_is_named_in_its_access_tokens() -> None:
    tokens = Tokens(SECRET, 900)
    assert claims_of(tokens.issue("p1", "player", family="fam-1").token)["fam"] == "fam-1"
    assert "fam" not in claims_of(tokens.issue("p1", "player").token)


def test_a_revoked_token_is_refused_even_after_it_was_remembered() -> None:
    tokens, revocations = revocable()
    token = tokens.issue("p1", "player").token
    other = tokens.issue("p1", "player").token
    principal = tokens.verify(token)  # now remembered
    assert principal.token_id is not None
    revocations.note(Revocation(kind="token", subject=principal.token_id, expires_at=2e9))
    with pytest.raises(NotAuthorizedException, match="revoked"):
        tokens.verify(token)
    assert tokens.verify(other).player_id == "p1"


def test_a_revoked_family_refuses_only_its_own_tokens() -> None:
    tokens, revocations = revocable()
    in_family = tokens.issue("p1", "player", family="f1").token
    elsewhere = tokens.issue("p1", "player", family="f2").token
    plain = tokens.issue("p1", "player").token
    revocations.note(Revocation(kind="family", subject="f1", expires_at=2e9))
    with pytest.raises(NotAuthorizedException):
        tokens.verify(in_family)
    assert tokens.verify(elsewhere).family == "f2"
    assert tokens.verify(plain).family is None


def test_revoking_a_player_refuses_its_earlier_tokens_only() -> None:
    now = [1_000_000.0]
    tokens = Tokens(SECRET, 86400, clock=lambda: now[0])
    revocations = FakeRevocations()
    tokens.revocations = revocations
    before, someone_else = tokens.issue("p1", "player").token, tokens.issue("p2", "player").token
    mark = Revocation(kind="player", subject="p1", issued_before=1_000_001, expires_at=2e9)
    revocations.note(mark)
    now[0] += 1
    after = tokens.issue("p1", "player").token
    with pytest.raises(NotAuthorizedException):
        tokens.verify(before)
    assert tokens.verify(after).player_id == "p1"
    assert tokens.verify(someone_else).player_id == "p2"


def test_a_stale_copy_of_the_revocations_is_not_trusted() -> None:
    tokens, revocations = revocable()
    token = tokens.issue("p1", "player").token
    tokens.verify(token)
    revocations.fresh = False
    with pytest.raises(ProblemDetailsException) as caught:
        tokens.verify(token)
    assert caught.value.status_code == 503


def test_tokens_are_not_checked_for_revocation_without_a_copy() -> None:
    tokens = Tokens(SECRET, 60)  # tools and tests that only issue
    assert tokens.verify(tokens.issue("p1", "player").token).player_id == "p1"


def test_a_non_string_token_id_is_refused() -> None:
    now = int(time.time())
    claims = {"iss": "gameledger", "aud": "gameledger-api", "sub": "p1", "iat": now}
    claims |= {"exp": now + 60, "role": "player", "jti": 7}
    with pytest.raises(NotAuthorizedException):
        Tokens(SECRET, 60).verify(jwt.encode(claims, SECRET, algorithm=ALGORITHM))


def test_the_cache_applies_rows_idempotently_and_forgets_expired_ones() -> None:
    cache = RevocationCache()
    rows = [
        Revocation(kind="token", subject="j1", expires_at=100.0),
        Revocation(kind="family", subject="f1", expires_at=300.0),
        Revocation(kind="player", subject="p1", issued_before=50, expires_at=200.0),
        Revocation(kind="player", subject="p1", issued_before=40, expires_at=150.0),
    ]
    cache.apply(rows)
    cache.apply(rows)  # read again after the horizon: nothing changes
    assert len(cache) == 3
    assert cache.refuses("j1", None, "p9", 0)
    assert cache.refuses(None, "f1", "p9", 0)
    assert cache.refuses(None, None, "p1", 49)  # the later mark wins
    assert not cache.refuses(None, None, "p1", 50)
    cache.prune(now=160.0)
    assert not cache.refuses("j1", None, "p9", 0)
    assert cache.refuses(None, None, "p1", 49)
    cache.prune(now=250.0)
    assert len(cache) == 1


@pytest.mark.parametrize("skew", [-3600.0, 3600.0])
def test_tokens_are_issued_and_checked_on_the_injected_clock(skew: float) -> None:
    # An instance whose clock runs an hour off accepts its own tokens (PyJWT alone would judge
    # `iat` by the system clock and refuse those of a clock running behind it as "not yet").
    tokens = Tokens(SECRET, 900, clock=lambda: time.time() + skew)
    principal = tokens.verify(tokens.issue("p1", "player").token)
    assert principal.player_id == "p1"


def test_a_token_issued_past_the_leeway_ahead_is_refused() -> None:
    now = [1_000_000.0]
    tokens = Tokens(SECRET, 900, clock=lambda: now[0])
    soon = tokens.issue("p1", "player").token
    now[0] += 60
    later = tokens.issue("p1", "player").token
    now[0] -= 60
    assert tokens.verify(soon).player_id == "p1"
    with pytest.raises(NotAuthorizedException):
        tokens.verify(later)
