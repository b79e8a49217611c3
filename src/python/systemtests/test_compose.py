"""docker-compose.yml, the stack `make start` runs: valid for docker-compose, and in step with
what the build produces and what the services read."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

COMPOSE_FILE = Path("docker-compose.yml")
SERVICES = {"flights": 8081, "reservations": 8082, "api": 8080}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The file as docker-compose resolves it (anchors, defaults, profiles included)."""
    binary = shutil.which("docker-compose") or "/usr/bin/docker-compose"
    # A fixed command on a committed file.
    result = subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), "--profile", "edge", "config"],  # noqa: S603
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, f"docker-compose rejects {COMPOSE_FILE}:\n{result.stderr}"
    resolved: dict[str, Any] = yaml.safe_load(result.stdout)
    return resolved


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


def test_every_port_is_published_on_localhost_only(compose: dict[str, Any]) -> None:
    published = [
        (name, host_ip) for name, service in compose["services"].items()
        for host_ip, _, _ in ports(service)
    ]
    assert len(published) == 6  # three services, two databases, the edge router
    for name, host_ip in published:
        assert host_ip == "127.0.0.1", f"{name} publishes on {host_ip}"


def test_services_listen_where_their_neighbours_look(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, port in SERVICES.items():
        assert [target for _, _, target in ports(services[name])] == [port]
        assert str(port) in " ".join(services[name]["healthcheck"]["test"])
    api_env = services["api"]["environment"]
    assert api_env["FLIGHTS_URL"] == f"http://flights:{SERVICES['flights']}"
    assert api_env["RESERVATIONS_URL"] == f"http://reservations:{SERVICES['reservations']}"
    assert services["flights"]["environment"]["FLIGHTS_DATABASE_URL"].startswith("mysql://")
    redis_url = services["reservations"]["environment"]["RESERVATIONS_REDIS_URL"]
    assert redis_url.startswith("redis://redis:6379")


def test_the_flights_service_starts_after_migrations_and_seed(compose: dict[str, Any]) -> None:
    services = compose["services"]
    completed = {"condition": "service_completed_successfully"}
    assert services["flights-seed"]["depends_on"] == {"flights-migrate": completed}
    assert services["flights"]["depends_on"] == {"flights-seed": completed}


def test_the_edge_router_is_off_by_default(compose: dict[str, Any]) -> None:
    assert compose["services"]["traefik"]["profiles"] == ["edge"]
    no_profile = [name for name, s in compose["services"].items() if "profiles" not in s]
    assert "traefik" not in no_profile
    assert compose["services"]["api"]["labels"]["traefik.enable"] == "true"
