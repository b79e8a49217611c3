"""Fixtures: the real MySQL/Redis servers from testsupport (integration tests) and the API
app in front of fake services served over real HTTP (HTTP-layer tests)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import AuthConfig
from api.clients.http import ClientConfig
from api.settings import Settings
from api.tests.upstreams import FakeFlights, FakeReservationsService
from devissuer.keys import SigningKey
from testsupport.fixtures import mysql_server, mysql_url, redis_server, redis_url  # noqa: F401
from testsupport.openapi import Spec
from testsupport.serving import serving_asgi

SPEC = Spec("api")

# Pact's verifier and mock server otherwise report usage to an analytics host.
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

# Short timeouts keep failure tests fast.
TEST_UPSTREAM = ClientConfig(connect_timeout=0.5, read_timeout=0.5, retries=1, retry_backoff=0.01)


# The token issuer of these tests: its key pair, made for this run, the public half in a
# PEM file as AUTH_PUBLIC_KEY_FILE would name it.
ISSUER = "https://issuer.test"
AUDIENCE = "flightres-api"
SIGNING_KEY = SigningKey.generate()
_KEY_DIR = tempfile.mkdtemp(prefix="api-tests-")
atexit.register(shutil.rmtree, _KEY_DIR, ignore_errors=True)
PUBLIC_KEY_FILE = os.path.join(_KEY_DIR, "issuer.pem")
with open(PUBLIC_KEY_FILE, "wb") as pem:
    pem.write(SIGNING_KEY.public_pem())
AUTH = AuthConfig(issuer=ISSUER, audience=AUDIENCE, public_key_file=PUBLIC_KEY_FILE)


def token(customer: str, **claims: Any) -> str:
    return SIGNING_KEY.mint(customer, issuer=ISSUER, audience=AUDIENCE, **claims)


def bearer(customer: str) -> dict[str, str]:
    """Headers that make a request the customer's."""
    return {"Authorization": f"Bearer {token(customer)}"}


def api_settings(flights_url: str, reservations_url: str) -> Settings:
    return Settings(
        flights_url=flights_url,
        reservations_url=reservations_url,
        auth=AUTH,
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
    """The app, each request sent as cust-1's unless it sets its own Authorization."""
    app = create_app(api_settings(fakes.flights_url, fakes.reservations_url))
    client = TestClient(app, raise_server_exceptions=False, headers=bearer("cust-1"))
    with spec_checked(client):
        yield client
