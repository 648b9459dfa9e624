"""Configuration from the environment and `.env`, its validation, masking, and the catalog file."""

from pathlib import Path

import pytest

from domain.assets import DEFAULT_CATALOG
from domain.commands import EconomyRules
from infra.catalog import load_catalog
from infra.config import MASK, ConfigError, Settings, load_settings, masked


@pytest.fixture(autouse=True)
def _no_stray_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # load_settings reads `.env` in the working directory: a developer's own must not leak in.
    monkeypatch.chdir(tmp_path)


def test_without_any_variable_the_defaults_apply() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.economy == EconomyRules()
    assert (settings.host, settings.port, settings.production) == ("127.0.0.1", 8080, False)


def test_variables_are_converted_to_their_types() -> None:
    env = {
        "PORT": "9000",
        "DB_COMMAND_TIMEOUT": "2.5",
        "RUN_PROJECTORS": "no",
        "TREASURY_SHARDS": "8",
        "REFERRAL_BONUS": "0",
        "GENESIS_SUPPLY": "1000",
        "DATABASE_URL": "",
    }
    settings = load_settings(env)
    assert (settings.port, settings.db_command_timeout, settings.run_projectors) == (
        9000,
        2.5,
        False,
    )
    assert settings.economy == EconomyRules(shard_count=8, referral_bonus=0, genesis_supply=1000)
    assert settings.database_url is None


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text('# local\n\nPORT=7000\nHOST="::1"\nWORKERS = 3\n')
    settings = load_settings({"PORT": "7001"})
    assert (settings.port, settings.host, settings.workers) == (7001, "::1", 3)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "0"}, "PORT"),
        ({"PORT": "65536"}, "PORT"),
        ({"WORKERS": "0"}, "WORKERS"),
        ({"RUN_PROJECTORS": "maybe"}, "RUN_PROJECTORS"),
        ({"LOG_LEVEL": "TRACE"}, "LOG_LEVEL"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"GAMELEDGER_ENV": "staging"}, "ENVIRONMENT"),
        ({"TOP_UP_MAX": "lots"}, "TOP_UP_MAX"),
        ({"TOP_UP_MAX": "0"}, "economy"),
        ({"TREASURY_SHARDS": "-1"}, "economy"),
        ({"GENESIS_SUPPLY": "-1"}, "economy"),
        # A negative bonus would take money from the new player; no quantity could ever be bought.
        ({"REFERRAL_BONUS": "-5"}, "economy"),
        ({"MAX_QUANTITY": "0"}, "economy"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_it(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings(env)


def test_production_requires_a_long_jwt_secret() -> None:
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        load_settings({"GAMELEDGER_ENV": "production", "JWT_SECRET": "x" * 31})
    settings = load_settings({"GAMELEDGER_ENV": "production", "JWT_SECRET": "x" * 32})
    assert settings.production


def test_development_runs_without_a_secret() -> None:
    assert load_settings({"GAMELEDGER_ENV": "development"}).jwt_secret is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:s3cret@db:5432/ledger", "postgresql://app:********@db:5432/ledger"),
        # asyncpg reads the password up to the LAST '@': all of it must be hidden.
        ("postgresql://app:p@ss@db/ledger", "postgresql://app:********@db/ledger"),
        (
            "postgresql://app:pw@db/ledger?sslmode=require&options=a@b",
            "postgresql://app:********@db/ledger?sslmode=require&options=a@b",
        ),
        ("postgresql://app@db/ledger", "postgresql://app@db/ledger"),
        ("postgresql:///ledger", "postgresql:///ledger"),
    ],
)
def test_masked_config_hides_the_database_password(url: str, shown: str) -> None:
    assert masked(Settings(database_url=url))["database_url"] == shown


def test_masked_config_hides_the_jwt_secret() -> None:
    data = masked(Settings(jwt_secret="top-secret-value"))
    assert data["jwt_secret"] == MASK
    assert "top-secret-value" not in str(data)


def test_no_catalog_file_means_the_built_in_catalog() -> None:
    assert load_catalog(None) is DEFAULT_CATALOG


def test_a_catalog_file_defines_the_shop(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text('{"items": [{"code": "gem", "name": "Gem", "price": 7}]}')
    catalog = load_catalog(str(path))
    assert catalog.asset_codes() == ("diamond", "gem")
    assert catalog.find("gem") is not None
    assert catalog.find("gold_coin") is None


@pytest.mark.parametrize(
    "text",
    [
        '{"items": []}',
        '{"items": [{"code": "gem", "name": "A", "price": 1}, {"code": "gem", "name": "B", '
        '"price": 2}]}',
        '{"items": [{"code": "diamond", "name": "D", "price": 1}]}',
        '{"items": [{"code": "gem", "name": "Gem", "price": 0}]}',
        '{"items": [{"code": "Gem!", "name": "Gem", "price": 1}]}',
        "not json",
    ],
)
def test_a_bad_catalog_file_is_a_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match="CATALOG_FILE"):
        load_catalog(str(path))


def test_a_missing_catalog_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CATALOG_FILE"):
        load_catalog(str(tmp_path / "nope.json"))
