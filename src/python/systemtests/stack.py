"""The whole system as containers, for tests: MySQL-compatible and Redis servers plus the three
service images on a Docker network created for the run, the flights database migrated and
seeded by the flights image itself. Only the API layer publishes a port, on 127.0.0.1.

Service images come from Pants: a test that lists the images in ``runtime_package_dependencies``
finds ``<target>.docker-info.json`` files in its sandbox, which name the image just built.
Database images: MYSQL_IMAGE / REDIS_IMAGE (as for the other integration tests).

Everything a stack starts carries the label ``flightres.stack=<run id>`` and is removed on
exit, whether the test passed or not.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import docker
import httpx
from docker.models.containers import Container
from docker.models.networks import Network

SERVICES = ("flights", "reservations", "api")
DEFAULT_MYSQL_IMAGE = "mysql:8.4"
DEFAULT_REDIS_IMAGE = "redis:7.4"
# Local-only credentials of a database that lives on this run's private network.
DB_PASSWORD = "stack-test"  # noqa: S105
LABEL = "flightres.stack"


def service_image(service: str) -> str:
    """The image Pants built for SERVICE in this test's sandbox (its docker-info.json)."""
    info_file = Path(f"src.python.{service}/image.docker-info.json")
    if not info_file.exists():
        raise RuntimeError(
            f"{info_file} is missing: list src/python/{service}:image in the test's "
            "runtime_package_dependencies so Pants builds the image first"
        )
    info = json.loads(info_file.read_text())
    return str(info["image_id"])


@dataclass
class Stack:
    """A running stack. ``api_url`` is the API layer on 127.0.0.1."""

    client: docker.DockerClient
    network: Network
    run_id: str
    containers: dict[str, Container] = field(default_factory=dict)
    api_url: str = ""

    def container(self, name: str) -> Container:
        return self.containers[name]

    def logs(self, name: str, tail: int = 40) -> str:
        return bytes(self.containers[name].logs(tail=tail)).decode(errors="replace")

    def all_logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.logs(name)}" for name in self.containers)


@contextmanager
def running_stack(ready_timeout: float = 90.0) -> Iterator[Stack]:
    """Start the stack, wait until the API's /health passes, yield it, tear it all down."""
    client = docker.from_env()
    run_id = secrets.token_hex(4)
    labels = {LABEL: run_id}
    network = client.networks.create(f"flightres-stack-{run_id}", labels=labels)
    stack = Stack(client=client, network=network, run_id=run_id)
    try:
        _start(stack, labels, ready_timeout)
        yield stack
    finally:
        for container in stack.containers.values():
            container.remove(force=True, v=True)
        network.remove()
        client.close()


def _start(stack: Stack, labels: dict[str, str], ready_timeout: float) -> None:
    mysql_image = os.environ.get("MYSQL_IMAGE", DEFAULT_MYSQL_IMAGE)
    redis_image = os.environ.get("REDIS_IMAGE", DEFAULT_REDIS_IMAGE)
    images = {service: service_image(service) for service in SERVICES}
    database_url = f"mysql://flights:{DB_PASSWORD}@mysql:3306/flights"

    def run(name: str, image: str, **kwargs: object) -> Container:
        container = stack.client.containers.run(
            image,
            name=f"flightres-{name}-{stack.run_id}",
            detach=True,
            labels=labels,
            network=stack.network.name,
            # Services find each other by these names on the run's network.
            networking_config={
                stack.network.name: stack.client.api.create_endpoint_config(aliases=[name])
            },
            **kwargs,
        )
        stack.containers[name] = container
        return container

    run(
        "mysql",
        mysql_image,
        environment={
            "MYSQL_ROOT_PASSWORD": DB_PASSWORD,
            "MYSQL_DATABASE": "flights",
            "MYSQL_USER": "flights",
            "MYSQL_PASSWORD": DB_PASSWORD,
        },
    )
    run("redis", redis_image)
    # One-off jobs from the flights image, as a deployment would run them.
    for job in (["migrate", "--wait", "60"], ["seed", "--days", "3"]):
        container = run(
            f"flights-{job[0]}",
            images["flights"],
            command=job,
            environment={"FLIGHTS_DATABASE_URL": database_url},
        )
        status = container.wait(timeout=120)
        if status["StatusCode"] != 0:
            raise RuntimeError(f"flights {job[0]} failed:\n{stack.logs(f'flights-{job[0]}')}")
    run("flights", images["flights"], environment={"FLIGHTS_DATABASE_URL": database_url})
    run(
        "reservations",
        images["reservations"],
        environment={"RESERVATIONS_REDIS_URL": "redis://redis:6379/0"},
    )
    api = run(
        "api",
        images["api"],
        environment={
            "FLIGHTS_URL": "http://flights:8081",
            "RESERVATIONS_URL": "http://reservations:8082",
        },
        ports={"8080/tcp": ("127.0.0.1", None)},
    )
    api.reload()
    host_port = api.attrs["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"]
    stack.api_url = f"http://127.0.0.1:{host_port}"
    wait_until_healthy(stack, ready_timeout)


def wait_until_healthy(stack: Stack, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{stack.api_url}/health", timeout=2)
            if response.status_code == 200 and response.json()["status"] == "pass":
                return
            last = f"{response.status_code} {response.text}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.5)
    raise RuntimeError(
        f"the stack's API was not healthy after {timeout}s ({last}):\n{stack.all_logs()}"
    )
