"""Settings read the way operators write them: any case for choices, throttles as settings."""

import pytest

from api.http.limits import Limits, Policy, Slowdown
from infra.config import ConfigError, Settings, load_settings


@pytest.mark.parametrize(
    ("env", "field", "value"),
    [
        ({"LOG_LEVEL": "warning"}, "log_level", "WARNING"),
        ({"LOG_LEVEL": "Debug"}, "log_level", "DEBUG"),
        ({"LOG_FORMAT": "JSON"}, "log_format", "json"),
        ({"GAMELEDGER_ENV": "Test"}, "environment", "test"),
    ],
)
def test_choices_are_read_in_any_case(env: dict[str, str], field: str, value: str) -> None:
    assert getattr(load_settings(env), field) == value


def test_an_unknown_choice_is_still_refused() -> None:
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        load_settings({"LOG_LEVEL": "loud"})


def test_the_throttle_policies_are_settings() -> None:
    settings = load_settings(
        {
            "LOGIN_FAILURES_PER_ACCOUNT": "3",
            "LOGIN_FAILURES_PER_ADDRESS": "30",
            "LOGIN_WINDOW_SECONDS": "60",
            "LOGIN_DELAY_AFTER": "10",
            "LOGIN_DELAY_FIRST_SECONDS": "0.25",
            "LOGIN_DELAY_MAX_SECONDS": "2",
            "SIGNUPS_PER_ADDRESS": "2",
            "SIGNUP_WINDOW_SECONDS": "600",
        }
    )
    assert Limits.from_settings(settings) == Limits(
        login_per_account_address=Policy(3, 60.0),  # LOGIN_FAILURES_PER_ACCOUNT: from one address
        login_per_address=Policy(30, 60.0),
        login_slowdown=Slowdown(after=10, first=0.25, most=2.0, period=60.0),
        signup_per_address=Policy(2, 600.0),
    )


def test_the_default_throttles_are_the_documented_ones() -> None:
    assert Limits.from_settings(Settings()) == Limits()


@pytest.mark.parametrize(
    "var", ["SIGNUPS_PER_ADDRESS", "LOGIN_WINDOW_SECONDS", "LOGIN_DELAY_AFTER"]
)
def test_a_throttle_of_zero_is_refused(var: str) -> None:
    with pytest.raises(ConfigError, match=var):
        load_settings({var: "0"})


def test_a_login_delay_long_enough_to_lock_the_owner_out_is_refused() -> None:
    off = load_settings({"LOGIN_DELAY_MAX_SECONDS": "0"})
    assert Limits.from_settings(off).login_slowdown.delay(100) == 0.0
    with pytest.raises(ConfigError, match="LOGIN_DELAY_MAX_SECONDS"):
        load_settings({"LOGIN_DELAY_MAX_SECONDS": "600"})


def test_the_client_dev_server_is_allowed_when_frontend_url_is_unset() -> None:
    assert load_settings({}).origins == ["http://localhost:5173", "http://127.0.0.1:5173"]
    chosen = load_settings({"FRONTEND_URL": "https://game.example, https://b.example/"})
    assert chosen.origins == ["https://game.example", "https://b.example"]


def test_a_wildcard_origin_stays_refused() -> None:
    with pytest.raises(ConfigError, match="FRONTEND_URL"):
        load_settings({"FRONTEND_URL": "*"})
