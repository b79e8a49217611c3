"""Fixtures: the real MySQL/Redis servers from testsupport (integration tests) and the API
app in front of fake services served over real HTTP (HTTP-layer tests)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.clients.http import ClientConfig
from api.settings import Settings
from api.tests.servers import serving_asgi
from api.tests.upstreams import FakeFlights, FakeReservationsService
from testsupport.fixtures import mysql_server, mysql_url, redis_server, redis_url  # noqa: F401
from testsupport.openapi import Spec

SPEC = Spec("api")

# Pact's verifier and mock server otherwise report usage to an analytics host.
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

# Short timeouts keep failure tests fast.
TEST_UPSTREAM = ClientConfig(connect_timeout=0.5, read_timeout=0.5, retries=1, retry_backoff=0.01)


def api_settings(flights_url: str, reservations_url: str) -> Settings:
    return Settings(
        flights_url=flights_url,
        reservations_url=reservations_url,
        upstream=TEST_UPSTREAM,
    )


def spec_checked(client: TestClient) -> TestClient:
    """Every response this client receives is checked against openapi.yaml."""
    client.event_hooks["response"].append(SPEC.check_httpx)
    return client


@dataclass
class Fakes:
    flights: FakeFlights
    reservations: FakeReservationsService
    flights_url: str
    reservations_url: str


@pytest.fixture(scope="session")
def served_fakes() -> Iterator[Fakes]:
    flights, reservations = FakeFlights(), FakeReservationsService()
    with (
        serving_asgi(flights.app()) as flights_url,
        serving_asgi(reservations.app()) as reservations_url,
    ):
        yield Fakes(flights, reservations, flights_url, reservations_url)


@pytest.fixture()
def fakes(served_fakes: Fakes) -> Fakes:
    """The fake services, served for the whole session, reset for each test."""
    served_fakes.flights.reset()
    served_fakes.reservations.reset()
    return served_fakes


@pytest.fixture()
def api(fakes: Fakes) -> Iterator[TestClient]:
    app = create_app(api_settings(fakes.flights_url, fakes.reservations_url))
    with spec_checked(TestClient(app, raise_server_exceptions=False)) as client:
        yield client
