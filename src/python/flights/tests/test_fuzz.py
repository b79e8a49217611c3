"""Bad input, from the spec and by hand: nothing a client sends may get a 5xx, an answer the
spec does not document, or an error that is not problem+json saying what was wrong.

* ``test_no_input_breaks_the_service``: schemathesis generates requests from the committed
  openapi.yaml (valid and invalid: every phase but stateful, a fixed seed, derandomized, so a
  run sends the same requests every time) against the real app on a migrated and seeded
  MySQL database, and checks every response against the spec.
* The parametrized tests below send what generators rarely produce: look-alike digits, emoji,
  NUL and newlines in ids, path traversal (encoded, and literal as a raw client sends it), and
  bodies of every kind to a read-only service. The client checks every response against the
  spec too (``SPEC.check_httpx``).

A known bug would be pinned by an ``xfail(strict=True)`` test, so that fixing it turns the test
red until the marker is removed; there are none at the moment.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.python import asgi

from flights import migrate, seed
from flights.app import create_app
from flights.repository import connect
from flights.settings import DatabaseConfig, Settings
from flights.tests.conftest import SEED_START, SPEC
from testsupport import fuzzing
from testsupport.fuzzing import assert_problem, raw_request
from testsupport.servers import MysqlServer

schema = fuzzing.schema(SPEC.document)


# --- the real app on a real database ---------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(mysql_server: MysqlServer) -> Iterator[Settings]:
    """One migrated and seeded database for the module, made like ``mysql_url`` makes one (a
    fresh database on the session's server, dropped afterwards), but once: the service is
    read-only, so tests cannot disturb each other, and seeding costs a second a time."""
    with mysql_server.temporary_database(f"t_flights_fuzz_{secrets.token_hex(4)}") as url:
        database = DatabaseConfig.from_url(url)
        connection = connect(database)
        try:
            migrate.migrate(connection)
            seed.seed(connection, SEED_START)
        finally:
            connection.close()
        yield Settings(database=database, pool_size=4, connect_timeout=1, read_timeout=2)


# --- the fuzzing ---------------------------------------------------------------------------


@pytest.fixture()
def app(seeded: Settings) -> Iterator[FastAPI]:
    """A new app for each operation. schemathesis calls it in-process and runs its lifespan
    (the MySQL pool) on first use; stop that with the test."""
    application = create_app(seeded)
    try:
        yield application
    finally:
        asgi.shutdown_lifespans()


@schema.parametrize()
@fuzzing.SETTINGS
def test_no_input_breaks_the_service(case: schemathesis.Case[Any], app: FastAPI) -> None:
    # Default checks: not_a_server_error, status code / content type / headers / body schema
    # conformance, negative_data_rejection (schema-violating input is a 4xx), and the
    # coverage phase's unsupported methods (405 with Allow).
    case.call_and_validate(app=app, additional_checks=[fuzzing.problem_details])


# --- bad input by hand ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(seeded: Settings) -> Iterator[TestClient]:
    """One client for the module's read-only tests (conftest's makes a database per test)."""
    with TestClient(create_app(seeded)) as test_client:
        test_client.event_hooks["response"].append(SPEC.check_httpx)
        yield test_client


def fields(body: bytes) -> list[str]:
    return [error["field"] for error in json.loads(body)["errors"]]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/flights/%D9%A1%D9%A2", "path.flight_id"),  # Arabic-Indic "12": int() would take it
        ("/flights/%EF%BC%91", "path.flight_id"),  # fullwidth "1"
        ("/flights/%C2%B2", "path.flight_id"),  # superscript "2"
        ("/flights/%E2%9C%88%EF%B8%8F", "path.flight_id"),  # ✈️
        ("/flights/%F0%9F%92%BA/seat_map", "path.flight_id"),  # 💺
        ("/flights/1%00", "path.flight_id"),
        ("/flights?flight_no=AA1238%0A", "query.flight_no"),  # "$" must not match before \n
        ("/flights?flight_no=%E2%9C%88%EF%B8%8F", "query.flight_no"),
        ("/flights?origin=%F0%9F%9B%AB", "query.origin"),  # 🛫
        ("/flights?destination=L%C3%85X", "query.destination"),  # LÅX
        ("/flights?origin=JF%00", "query.origin"),
        (
            "/flights?departure_date=%E0%A5%A8%E0%A5%A6%E0%A5%A8%E0%A5%AC-12-01",
            "query.departure_date",
        ),
        ("/flights?limit=%EF%BC%91%EF%BC%90", "query.limit"),  # fullwidth "10"
        ("/flights?cursor=%F0%9F%98%80", "query.cursor"),
    ],
)
def test_unicode_in_ids_and_parameters_is_a_422_naming_the_field(
    client: TestClient, path: str, field: str
) -> None:
    response = client.get(path)
    assert response.status_code == 422, response.text
    assert_problem(422, response.headers["content-type"], response.content)
    assert fields(response.content) == [field]
    assert field in response.json()["detail"]


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/flights/..%2F..%2Fetc%2Fpasswd", 404),
        ("/flights/%2e%2e%2f%2e%2e%2fetc%2fpasswd/seat_map", 404),
        ("/flights/%2e%2e%2fseat_map", 422),  # one segment: the flight id "../seat_map"
        ("/flights/%2e%2e", 422),
        ("/flights/1/%2e%2e/seat_map", 404),
        ("/flights/1/..%2Fseat_map", 404),
        ("/flights/1%2F..%2F2/seat_map", 404),
        # Literal dot segments, as a raw client sends them: nothing resolves them.
        ("/flights/../flights/1", 404),
        ("/flights/1/../2/seat_map", 404),
        ("/flights/../../../etc/passwd", 404),
        ("/flights/..", 422),
    ],
)
def test_path_traversal_reaches_nothing(client: TestClient, target: str, status: int) -> None:
    got, content_type, body = raw_request(client, "GET", target)
    assert got == status, body
    assert_problem(got, content_type, body)
    if status == 422:
        assert fields(body) == ["path.flight_id"]


TWO_MB_JSON = json.dumps({"flight_no": "AA1238", "padding": "x" * 2 * 1024 * 1024}).encode()


@pytest.mark.parametrize(
    ("method", "path", "content_type", "body"),
    [
        ("POST", "/flights", "application/json", TWO_MB_JSON),
        ("PUT", "/flights/1", "application/json", b'{"flight_no": "AA12'),  # not JSON
        ("POST", "/flights", "text/plain", b"flight_no=AA1238"),
        ("PATCH", "/flights/1/seat_map", "application/x-www-form-urlencoded", b"row=1&seat=A"),
    ],
    ids=["2mb-json", "invalid-json", "text-plain", "form"],
)
def test_bodies_sent_to_the_read_only_api_are_a_405_naming_get(
    client: TestClient, method: str, path: str, content_type: str, body: bytes
) -> None:
    response = client.request(method, path, content=body, headers={"Content-Type": content_type})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert_problem(405, response.headers["content-type"], response.content)


def test_a_get_ignores_a_2_mb_body(client: TestClient) -> None:
    response = client.request(
        "GET", "/flights?limit=1", content=TWO_MB_JSON, headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 200
    assert len(response.json()["items"]) == 1


# --- parameters are read strictly -------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/flights/1_0",  # flight 10
        "/flights/1%0A",
        "/flights/%2B1/seat_map",
        "/flights/1.0",
        "/flights?departure_date=0",  # 1970-01-01
        "/flights?departure_date=1767225600",  # 2026-01-01
        "/flights?departure_date=2026-12-01T00:00:00",
        "/flights?limit=1_0",
    ],
)
def test_parameters_are_not_parsed_leniently(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 422, response.text


# Starlette's redirect_slashes answered these with an empty 307 to the path without the "/".
@pytest.mark.parametrize("path", ["/flights/1/", "/flights/%2e%2e%2f"])
def test_a_trailing_slash_is_not_redirected(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 404, response.headers


@pytest.mark.parametrize(("method", "path"), [("GET", "/flights/1/seats"), ("POST", "/flights")])
def test_router_problems_have_a_detail(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code in (404, 405)
    assert_problem(response.status_code, response.headers["content-type"], response.content)
