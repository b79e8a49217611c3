"""docker-compose.yml, the stack `make start` runs: valid for docker-compose, and in step with
what the build produces and what the services read. Only the web front end, the API layer and
the dev issuer are on the host; the web front end reaches nothing but the API layer and the
issuer; the databases are reachable only by the service that owns them, with passwords
that come from the environment (never from the file)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from devissuer.settings import Settings as IssuerSettings

COMPOSE_FILE = Path("docker-compose.yml")
DEBUG_FILE = Path("docker-compose.debug.yml")
SERVICES = {"flights": 8081, "reservations": 8082, "api": 8080, "devissuer": 8090, "web": 8000}
# What `make start` generates into .local/secrets.env; fixed values here, to find them again.
SECRETS = {
    "REDIS_PASSWORD": "redis0secret",
    "MYSQL_ROOT_PASSWORD": "root0secret",
    "MYSQL_PASSWORD": "flights0secret",
    "WEB_SECRET_KEY": "web0secret" * 4,
}


def docker_compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose") or "/usr/bin/docker-compose"
    # A fixed command on committed files.
    return subprocess.run(
        [binary, *args],  # noqa: S603
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", **env},
    )


def resolved(*files: Path) -> dict[str, Any]:
    """The files as docker-compose resolves them (anchors, defaults, profiles included)."""
    arguments = [argument for file in files for argument in ("-f", str(file))]
    result = docker_compose(*arguments, "--profile", "edge", "config", env=SECRETS)
    assert result.returncode == 0, f"docker-compose rejects {files}:\n{result.stderr}"
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return resolved(COMPOSE_FILE)


@pytest.fixture(scope="module")
def debug() -> dict[str, Any]:
    return resolved(COMPOSE_FILE, DEBUG_FILE)


def test_service_images_are_the_ones_pants_builds(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in SERVICES:
        assert services[name]["image"] == f"flightres/{name}:latest"
    # The flights jobs run the flights image itself.
    assert services["flights-migrate"]["image"] == "flightres/flights:latest"
    assert services["flights-seed"]["command"] == ["seed"]


def ports(service: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(host ip, host port, container port) of each "IP:PORT:TARGET" (Compose v1's form)."""
    published = []
    for port in service.get("ports", []):
        host_ip, host_port, target = str(port).rsplit(":", 2)
        published.append((host_ip, host_port, int(target.removesuffix("/tcp"))))
    return published


def published(config: dict[str, Any]) -> dict[str, list[tuple[str, str, int]]]:
    return {name: ports(s) for name, s in config["services"].items() if ports(s)}


def test_only_the_web_the_api_and_the_dev_issuer_are_on_the_host(
    compose: dict[str, Any],
) -> None:
    assert published(compose) == {
        "web": [("127.0.0.1", "8000", 8000)],
        "api": [("127.0.0.1", "8080", 8080)],
        "devissuer": [("127.0.0.1", "8090", 8090)],
        "traefik": [("127.0.0.1", "8880", 80)],  # the optional edge profile
    }


def test_the_debug_override_publishes_the_rest_on_localhost(debug: dict[str, Any]) -> None:
    assert published(debug) == {
        "web": [("127.0.0.1", "8000", 8000)],
        "api": [("127.0.0.1", "8080", 8080)],
        "devissuer": [("127.0.0.1", "8090", 8090)],
        "traefik": [("127.0.0.1", "8880", 80)],
        "flights": [("127.0.0.1", "8081", 8081)],
        "reservations": [("127.0.0.1", "8082", 8082)],
        "mysql": [("127.0.0.1", "13306", 3306)],
        "redis": [("127.0.0.1", "16379", 6379)],
    }
    # A port cannot be published from an internal network only.
    for name in ("flights", "reservations", "mysql", "redis"):
        assert "debug" in debug["services"][name]["networks"]
    assert not debug["networks"]["debug"].get("internal")


def members(config: dict[str, Any]) -> dict[str, set[str]]:
    """Network -> the services on it."""
    found: dict[str, set[str]] = {name: set() for name in config["networks"]}
    for name, service in config["services"].items():
        for network in service["networks"]:
            found[network].add(name)
    return found


def test_each_database_is_reachable_only_by_its_service(compose: dict[str, Any]) -> None:
    networks = compose["networks"]
    assert members(compose) == {
        "edge": {"web", "api", "devissuer", "traefik"},
        "services": {"api", "flights", "reservations"},
        "flights-db": {"mysql", "flights", "flights-migrate", "flights-seed"},
        "reservations-db": {"redis", "reservations"},
    }
    for name in ("services", "flights-db", "reservations-db"):
        assert networks[name]["internal"] is True, name
    assert compose["services"]["api"]["labels"]["traefik.docker.network"] == "flightres_edge"


def test_services_listen_where_their_neighbours_look(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, port in SERVICES.items():
        assert str(port) in " ".join(services[name]["healthcheck"]["test"])
    for name in ("web", "api", "devissuer"):
        assert [target for _, _, target in ports(services[name])] == [SERVICES[name]]
    api_env = services["api"]["environment"]
    assert api_env["FLIGHTS_URL"] == f"http://flights:{SERVICES['flights']}"
    assert api_env["RESERVATIONS_URL"] == f"http://reservations:{SERVICES['reservations']}"


def test_the_api_trusts_the_dev_issuer(compose: dict[str, Any]) -> None:
    """The API requires the iss and aud the issuer writes, and fetches the keys it serves,
    at the name and port the API container reaches it by."""
    services = compose["services"]
    api_env, issuer_env = services["api"]["environment"], services["devissuer"]["environment"]
    defaults = IssuerSettings()
    assert api_env["AUTH_ISSUER"] == issuer_env["DEVISSUER_ISSUER"] == defaults.issuer
    assert api_env["AUTH_AUDIENCE"] == issuer_env["DEVISSUER_AUDIENCE"] == defaults.audience
    assert api_env["AUTH_JWKS_URL"] == f"{defaults.issuer}/.well-known/jwks.json"
    assert "AUTH_PUBLIC_KEY_FILE" not in api_env
    issuer = urlsplit(defaults.issuer)
    assert (issuer.hostname, issuer.port) == ("devissuer", SERVICES["devissuer"])
    assert set(services["api"]["networks"]) & set(services["devissuer"]["networks"])
    assert services["api"]["depends_on"]["devissuer"] == {"condition": "service_healthy"}


def test_the_web_front_end_signs_in_at_the_dev_issuer_and_calls_only_the_api(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    web, issuer = services["web"]["environment"], services["devissuer"]["environment"]
    assert web["WEB_API_URL"] == f"http://api:{SERVICES['api']}"
    assert web["WEB_OIDC_ISSUER"] == issuer["DEVISSUER_ISSUER"]
    assert web["WEB_OIDC_CLIENT_ID"] == issuer["DEVISSUER_AUDIENCE"]  # the tokens' audience
    # Browsers reach the sign-in page on the host, and come back to the web's callback there.
    assert issuer["DEVISSUER_PUBLIC_URL"] == f"http://127.0.0.1:{SERVICES['devissuer']}"
    assert issuer["DEVISSUER_REDIRECT_URIS"] == f"{web['WEB_PUBLIC_URL']}/signin/callback"
    assert web["WEB_SECRET_KEY"] == SECRETS["WEB_SECRET_KEY"]
    # Not on the services' network: flights and reservations are out of its reach.
    assert set(services["web"]["networks"]) == {"edge"}


def test_the_databases_take_their_passwords_from_the_environment(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    mysql = services["mysql"]["environment"]
    assert mysql["MYSQL_ROOT_PASSWORD"] == SECRETS["MYSQL_ROOT_PASSWORD"]
    assert mysql["MYSQL_PASSWORD"] == SECRETS["MYSQL_PASSWORD"]
    database_url = urlsplit(services["flights"]["environment"]["FLIGHTS_DATABASE_URL"])
    assert database_url.scheme == "mysql"
    assert (database_url.username, database_url.password) == (
        mysql["MYSQL_USER"],
        SECRETS["MYSQL_PASSWORD"],
    )
    assert (database_url.hostname, database_url.port, database_url.path) == (
        "mysql",
        3306,
        f"/{mysql['MYSQL_DATABASE']}",
    )
    for job in ("flights-migrate", "flights-seed"):
        assert services[job]["environment"] == services["flights"]["environment"]

    command = services["redis"]["command"]
    assert command[command.index("--requirepass") + 1] == SECRETS["REDIS_PASSWORD"]
    redis_url = services["reservations"]["environment"]["RESERVATIONS_REDIS_URL"]
    assert redis_url == f"redis://:{SECRETS['REDIS_PASSWORD']}@redis:6379/0"
    assert "PONG" in " ".join(services["redis"]["healthcheck"]["test"])


def test_without_the_secrets_docker_compose_refuses_to_run() -> None:
    """Rather than start databases with empty passwords (the test above shows every password
    is the environment's)."""
    for name in SECRETS:
        others = {key: value for key, value in SECRETS.items() if key != name}
        result = docker_compose("-f", str(COMPOSE_FILE), "config", env=others)
        assert result.returncode != 0, name
        assert f"{name} is not set" in result.stderr
    assert "flights-local" not in COMPOSE_FILE.read_text()  # the password it once had


def test_the_flights_service_starts_after_migrations_and_seed(compose: dict[str, Any]) -> None:
    services = compose["services"]
    completed = {"condition": "service_completed_successfully"}
    assert services["flights-seed"]["depends_on"] == {"flights-migrate": completed}
    assert services["flights"]["depends_on"] == {"flights-seed": completed}
    assert services["reservations"]["depends_on"] == {"redis": {"condition": "service_healthy"}}


def test_the_edge_router_is_off_by_default(compose: dict[str, Any]) -> None:
    assert compose["services"]["traefik"]["profiles"] == ["edge"]
    no_profile = [name for name, s in compose["services"].items() if "profiles" not in s]
    assert "traefik" not in no_profile
    assert compose["services"]["api"]["labels"]["traefik.enable"] == "true"
