"""docker-compose.yml and the Dockerfile agree with the CLI and the configuration.

No Docker engine runs here, so these files are checked by reading them.
"""

import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

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


# docker-compose.ha.yml (docs/operations.md, High availability): etcd, two Patroni nodes, the API
# and the projector on the multi-host URL.


@pytest.fixture(scope="module")
def ha() -> dict[str, dict[str, dict[str, object]]]:
    loaded: dict[str, dict[str, dict[str, object]]] = yaml.safe_load(
        (ROOT / "docker-compose.ha.yml").read_text()
    )
    return loaded


def _patroni_nodes(ha: dict) -> list[str]:
    return [
        name
        for name, service in ha["services"].items()
        if isinstance(service.get("build"), dict)
        and service["build"].get("dockerfile") == "deploy/patroni/Dockerfile"
    ]


def test_ha_compose_runs_etcd_two_patroni_nodes_the_api_and_the_projector(ha: dict) -> None:
    assert {"etcd", "migrate", "api", "projector"} <= set(ha["services"])
    nodes = _patroni_nodes(ha)
    assert len(nodes) >= 2
    names = {ha["services"][n]["environment"]["PATRONI_NAME"] for n in nodes}
    assert names == set(nodes), "each node names itself after its service"
    for node in nodes:
        env = ha["services"][node]["environment"]
        assert env["PATRONI_POSTGRESQL_CONNECT_ADDRESS"] == f"{node}:5432"
        assert "healthcheck" in ha["services"][node]
    assert "etcd" in ha["services"]["etcd"]["command"]


def test_ha_services_reach_whichever_node_is_primary(ha: dict) -> None:
    nodes = _patroni_nodes(ha)
    commands = _subcommands()
    for name in ("migrate", "api", "projector"):
        service = ha["services"][name]
        assert service["command"][0] == "gameledger"
        assert service["command"][1] in commands
        env = service["environment"]
        assert not set(env) - KNOWN_ENV, f"{name} sets variables the service ignores"
        url = urlsplit(env["DATABASE_URL"])
        hosts = {part.rsplit(":", 1)[0] for part in url.netloc.split("@")[1].split(",")}
        assert hosts == set(nodes), f"{name} must name every Patroni node"
        assert parse_qs(url.query)["target_session_attrs"] == ["read-write"]
    assert ha["services"]["api"]["environment"]["RUN_PROJECTORS"] == "false"
    for node in nodes:
        assert ha["services"]["migrate"]["depends_on"][node]["condition"] == "service_healthy"


def test_patroni_replicates_synchronously_through_the_compose_etcd() -> None:
    config = yaml.safe_load((ROOT / "deploy/patroni/patroni.yml").read_text())
    dcs = config["bootstrap"]["dcs"]
    assert dcs["synchronous_mode"] is True
    assert dcs["synchronous_mode_strict"] is False  # a primary left alone keeps writing
    assert dcs["ttl"] >= dcs["loop_wait"] + 2 * dcs["retry_timeout"]
    assert config["etcd3"]["hosts"] == "etcd:2379"
    assert config["bootstrap"]["post_bootstrap"] == "/etc/patroni/post-bootstrap.sh"
    dockerfile = (ROOT / "deploy/patroni/Dockerfile").read_text()
    assert "/etc/patroni/post-bootstrap.sh" in dockerfile
    assert 'ENTRYPOINT ["patroni"]' in dockerfile
