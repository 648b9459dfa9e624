"""Configuration from the environment and `.env`, its validation, masking, and the catalog file."""

import json
from pathlib import Path

import msgspec
import pytest

from cli.main import main
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
        ({"GAMELEDGER_ENV": "staging"}, "GAMELEDGER_ENV"),
        ({"TOP_UP_MAX": "lots"}, "TOP_UP_MAX"),
        ({"TOP_UP_MAX": "0"}, "TOP_UP_MAX"),
        ({"TREASURY_SHARDS": "-1"}, "TREASURY_SHARDS"),
        ({"GENESIS_SUPPLY": "-1"}, "GENESIS_SUPPLY"),
        # A negative bonus would take money from the new player; no quantity could ever be bought.
        ({"REFERRAL_BONUS": "-5"}, "REFERRAL_BONUS"),
        ({"MAX_QUANTITY": "0"}, "MAX_QUANTITY"),
        # Zero of any of these would refuse every request, or expire every token at once.
        ({"TOKEN_TTL_SECONDS": "0"}, "TOKEN_TTL_SECONDS"),
        ({"MAX_BODY_BYTES": "0"}, "MAX_BODY_BYTES"),
        ({"MAX_PAGE_SIZE": "-1"}, "MAX_PAGE_SIZE"),
        ({"DB_POOL_MAX": "0"}, "DB_POOL_MAX"),
        ({"DB_POOL_MIN": "-1"}, "DB_POOL_MIN"),
        ({"DB_POOL_MIN": "30", "DB_POOL_MAX": "20"}, "DB_POOL_MIN"),
        ({"DB_COMMAND_TIMEOUT": "0"}, "DB_COMMAND_TIMEOUT"),
        ({"DB_COMMAND_TIMEOUT": "soon"}, "DB_COMMAND_TIMEOUT"),
        ({"IDEMPOTENCY_RETENTION_DAYS": "-1"}, "IDEMPOTENCY_RETENTION_DAYS"),
        ({"DATABASE_URL": "mysql://app@db/ledger"}, "DATABASE_URL"),
        ({"READ_DATABASE_URL": "mysql://app@replica/ledger"}, "READ_DATABASE_URL"),
        ({"REPLICA_WAIT_MS": "-1"}, "REPLICA_WAIT_MS"),
        ({"REPLICA_MAX_LAG_MS": "0"}, "REPLICA_MAX_LAG_MS"),
        ({"FRONTEND_URL": "*"}, "FRONTEND_URL"),
        ({"FRONTEND_URL": "https://game.example, https://*.example"}, "FRONTEND_URL"),
        ({"FRONTEND_URL": "game.example"}, "FRONTEND_URL"),
        ({"FRONTEND_URL": "https://game.example/play"}, "FRONTEND_URL"),
        ({"TRUSTED_PROXIES": "10.0.0.0/8, load-balancer"}, "TRUSTED_PROXIES"),
        # Host bits set: more likely a typo than a wish to trust the whole /8.
        ({"TRUSTED_PROXIES": "10.1.2.3/8"}, "TRUSTED_PROXIES"),
        ({"TRUSTED_PROXIES": "10.0.0.0/33"}, "TRUSTED_PROXIES"),
        ({"NATS_REPLICAS": "0"}, "NATS_REPLICAS"),
        ({"NATS_REPLICAS": "6"}, "NATS_REPLICAS"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_it(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named) as raised:
        load_settings(env)
    assert "\n" not in str(raised.value)


def test_trusted_proxies_are_normalised_networks_shown_by_config() -> None:
    settings = load_settings({"TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.7 ,fd00::/8,"})
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.0.2.7/32", "fd00::/8")
    assert list(masked(settings)["trusted_proxies"]) == ["10.0.0.0/8", "192.0.2.7/32", "fd00::/8"]
    assert load_settings({}).trusted_proxies == ()


def test_a_bad_database_url_is_refused_without_showing_its_password() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"DATABASE_URL": "mysql://app:s3cret@db/ledger"})
    assert "s3cret" not in str(raised.value)


@pytest.mark.parametrize(
    ("env", "read"),
    [
        (
            {"FRONTEND_URL": "https://game.example, http://localhost:5173/"},
            {"frontend_url": "https://game.example, http://localhost:5173/"},
        ),
        (
            {"DATABASE_URL": "postgres://app:pw@db:5432/ledger"},
            {"database_url": "postgres://app:pw@db:5432/ledger"},
        ),
        (
            {"DB_POOL_MIN": "0", "IDEMPOTENCY_RETENTION_DAYS": "0", "REFERRAL_BONUS": "0"},
            {"db_pool_min": 0, "idempotency_retention_days": 0, "referral_bonus": 0},
        ),
    ],
)
def test_edge_values_that_make_sense_are_accepted(
    env: dict[str, str], read: dict[str, object]
) -> None:
    settings = load_settings(env)
    values = {**msgspec.structs.asdict(settings), **msgspec.structs.asdict(settings.economy)}
    assert {name: values[name] for name in read} == read


def test_a_config_error_stays_one_line_even_for_a_value_with_a_newline() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"TRUSTED_PROXIES": "10.0.0.0/8,\nnope"})
    assert "\n" not in str(raised.value)


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


def test_masked_config_hides_the_read_database_password_of_every_host() -> None:
    url = "postgresql://app:s3cret@db1:5432,db2:5432/ledger?target_session_attrs=prefer-standby"
    shown = masked(Settings(read_database_url=url))["read_database_url"]
    assert shown == (
        "postgresql://app:********@db1:5432,db2:5432/ledger?target_session_attrs=prefer-standby"
    )


def test_reads_go_to_the_primary_unless_read_database_url_is_set() -> None:
    settings = load_settings({"DATABASE_URL": "postgresql://app@db/ledger"})
    assert settings.read_database_url is None
    assert (settings.replica_wait_ms, settings.replica_max_lag_ms) == (250, 1000)


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


def test_gameledger_config_prints_the_effective_values_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:s3cret@db/ledger")
    monkeypatch.setenv("JWT_SECRET", "a-secret-of-at-least-32-bytes-long!")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
    assert main(["config"]) == 0
    shown = json.loads(capsys.readouterr().out)["settings"]
    assert shown["DATABASE_URL"]["value"] == "postgresql://app:********@db/ledger"
    assert (shown["JWT_SECRET"]["value"], shown["TRUSTED_PROXIES"]["value"]) == (
        MASK,
        ["10.0.0.0/8"],
    )
    assert shown["TRUSTED_PROXIES"]["source"] == "environment"


def test_gameledger_refuses_a_bad_value_with_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "the-load-balancer")
    assert main(["config"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith("gameledger: configuration error: TRUSTED_PROXIES=")


def test_store_settings_are_checked_together() -> None:
    with pytest.raises(ConfigError, match="APPLE_ROOT_CERTIFICATES"):
        load_settings({"APPLE_BUNDLE_ID": "com.studio.game"})
    apple = {"APPLE_BUNDLE_ID": "com.studio.game", "APPLE_ROOT_CERTIFICATES": "a.cer, b.cer"}
    with pytest.raises(ConfigError, match="APPLE_APP_ID"):
        load_settings(apple)
    sandbox = load_settings({**apple, "APPLE_ENVIRONMENT": "Sandbox"})
    assert sandbox.apple_root_certificates == ("a.cer", "b.cer")
    assert sandbox.apple_environment == "sandbox"
    assert sandbox.apple_online_checks
    with pytest.raises(ConfigError, match="APPLE_ENVIRONMENT"):
        load_settings({**apple, "APPLE_ENVIRONMENT": "xcode"})  # Xcode's are not signed
    with pytest.raises(ConfigError, match="GOOGLE_LICENSE_KEY"):
        load_settings({"GOOGLE_PACKAGE_NAME": "com.studio.game"})


def test_a_multi_host_database_url_is_accepted_and_shown_without_its_password() -> None:
    # High availability (docs/operations.md): every Patroni node, the primary chosen by libpq.
    url = "postgresql://gl:s3cret@pg1:5432,pg2:5432/gameledger?target_session_attrs=read-write"
    shown = masked(load_settings({"DATABASE_URL": url}))["database_url"]
    assert shown == url.replace("s3cret", MASK)
