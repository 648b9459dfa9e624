"""docker-compose.yml and the Dockerfile agree with the CLI and the configuration.

No Docker engine runs here, so these files are checked by reading them.
"""

import tomllib
from pathlib import Path

import pytest
import yaml

from cli.main import build_parser
from infra.config import _ECONOMY, _FIELDS

ROOT = Path(__file__).resolve().parents[2]
KNOWN_ENV = set(_FIELDS) | set(_ECONOMY)


@pytest.fixture(scope="module")
def compose() -> dict[str, dict[str, dict[str, object]]]:
    loaded: dict[str, dict[str, dict[str, object]]] = yaml.safe_load(
        (ROOT / "docker-compose.yml").read_text()
    )
    return loaded


def _subcommands() -> set[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return set(action.choices)  # type: ignore[arg-type]


def test_compose_has_database_migration_api_and_projector(compose: dict) -> None:
    assert {"postgres", "migrate", "api", "projector"} <= set(compose["services"])
    assert "pgdata" in compose["volumes"]


def test_every_service_command_is_a_cli_subcommand(compose: dict) -> None:
    commands = _subcommands()
    for name in ("migrate", "api", "projector"):
        argv = compose["services"][name]["command"]
        assert argv[0] == "gameledger"
        assert argv[1] in commands, f"{name} runs unknown subcommand {argv[1]}"


def test_api_waits_for_migrations_and_migrations_for_a_healthy_database(compose: dict) -> None:
    services = compose["services"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["api"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["projector"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert "healthcheck" in services["postgres"]
    assert "healthcheck" in services["api"]


def test_environment_names_are_settings_the_service_reads(compose: dict) -> None:
    for name in ("migrate", "api", "projector"):
        env = compose["services"][name]["environment"]
        unknown = set(env) - KNOWN_ENV
        assert not unknown, f"{name} sets variables the service ignores: {unknown}"
    assert compose["services"]["api"]["environment"]["RUN_PROJECTORS"] == "false"
    assert int(compose["services"]["api"]["environment"]["WORKERS"]) > 1


def test_dockerfile_is_multi_stage_non_root_and_serves() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("\nFROM ") + text.startswith("FROM ") >= 2
    assert "USER gameledger" in text
    assert 'CMD ["gameledger", "serve"]' in text
    assert "HEALTHCHECK" in text
    block = text.split("\nENV ", 2)[-1].split("\nWORKDIR")[0]
    names = {
        part.split("=")[0].strip() for part in block.replace("\\", "\n").split() if "=" in part
    }
    assert names - {"PATH", "PYTHONUNBUFFERED"} <= KNOWN_ENV
    assert {"GAMELEDGER_ENV", "HOST", "PORT"} <= names


def test_the_image_copies_every_package_the_wheel_ships() -> None:
    # A package left out of the build stage is missing from the installed wheel: the image
    # would fail at its first import (service/ was, when the write layer moved there).
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"][
        "targets"
    ]["wheel"]["packages"]
    text = (ROOT / "Dockerfile").read_text()
    for package in packages:
        assert f"COPY {package} {package}" in text, package


def test_the_non_root_user_can_write_the_folder_serve_writes() -> None:
    # `serve` with WORKERS > 1 keeps the workers' metric files in ./.gameledger; a system user
    # has no home folder, so without this the API service would fail with "Permission denied".
    text = (ROOT / "Dockerfile").read_text()
    assert "\nWORKDIR /app\n" in text
    assert "chown gameledger:gameledger /app/.gameledger" in text


def test_the_api_passes_the_load_balancers_addresses_on(compose: dict) -> None:
    assert "TRUSTED_PROXIES" in compose["services"]["api"]["environment"]


def test_compose_runs_nats_with_jetstream_and_points_the_services_at_it(compose: dict) -> None:
    nats_service = compose["services"]["nats"]
    assert nats_service["image"].startswith("nats:")
    assert "-js" in nats_service["command"]
    for name in ("api", "projector"):
        assert compose["services"][name]["environment"]["NATS_URL"] == "nats://nats:4222"
