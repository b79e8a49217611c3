"""Bad input, from the spec and by hand, to the API layer in front of the REAL services: the
flights service (MySQL, migrated and seeded by its own code) and the reservations service
(Redis), each served over HTTP on 127.0.0.1 as in test_integration.py. Nothing a client sends
may get a 5xx, an answer the spec does not document, or an error that is not problem+json
saying what was wrong.

* ``test_no_input_breaks_the_api``: schemathesis generates requests from the committed
  openapi.yaml (valid and invalid: every phase but stateful, a fixed seed, derandomized, so a
  run sends the same requests every time), calls the API app in-process and checks every
  response against the spec.
* The parametrized tests below send what generators rarely produce and test_app.py does not
  cover: 2 MB bodies, wrong media types, malformed JSON, JSON type confusion, look-alike
  digits, emoji, NUL and newlines in ids, encoded and literal path traversal, query
  injection. The client checks every response against the spec too (``spec_checked``).

A known bug would be pinned by an ``xfail(strict=True)`` test, so that fixing it turns the test
red until the marker is removed; there are none at the moment.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.python import asgi

from api.app import create_app
from api.settings import Settings
from api.tests.conftest import AUTH, SPEC, bearer, spec_checked
from api.tests.flights_service import serving_flights
from flights.settings import DatabaseConfig
from reservations.app import create_app as create_reservations_app
from reservations.settings import Settings as ReservationsSettings
from testsupport import fuzzing
from testsupport.fuzzing import assert_invalid_field, assert_problem, problem_fields, raw_request
from testsupport.servers import MysqlServer, RedisServer
from testsupport.serving import serving_wsgi

DAY = date(2026, 12, 1)  # flight 1 is JFK-LAX on this day, an A320 (rows 1-3, 7-32)
schema = fuzzing.schema(SPEC.document)


# --- the real services, over HTTP ------------------------------------------------------------


@pytest.fixture(scope="module")
def flights_url(mysql_server: MysqlServer) -> Iterator[str]:
    """The flights service on one migrated and seeded database for the module (made like
    ``mysql_url`` makes one, but once: the service is read-only), served by uvicorn."""
    name = f"t_api_fuzz_{secrets.token_hex(4)}"
    with (
        mysql_server.temporary_database(name) as database_url,
        serving_flights(DatabaseConfig.from_url(database_url), DAY) as url,
    ):
        yield url


@pytest.fixture(scope="module")
def reservations_url(redis_server: RedisServer) -> Iterator[str]:
    """The reservations service on the session's Redis, served by werkzeug for the module;
    the tests' ``redis_url`` empties that Redis before each one."""
    settings = ReservationsSettings(redis_url=str(redis_server.url))
    with serving_wsgi(create_reservations_app(settings)) as url:
        yield url


def api_settings(flights_url: str, reservations_url: str) -> Settings:
    # The production timeouts, not conftest's short ones: a slow moment of a shared machine
    # must not turn into a 503 the fuzzing would report as a server error.
    return Settings(flights_url=flights_url, reservations_url=reservations_url, auth=AUTH)


@pytest.fixture()
def app(flights_url: str, reservations_url: str, redis_url: str) -> Iterator[FastAPI]:
    """A new API app for each operation, on an empty Redis. schemathesis calls it in-process
    and runs its lifespan (the service clients) on first use; stop that with the test."""
    application = create_app(api_settings(flights_url, reservations_url))
    try:
        yield application
    finally:
        asgi.shutdown_lifespans()


@pytest.fixture()
def api(flights_url: str, reservations_url: str, redis_url: str) -> Iterator[TestClient]:
    app = create_app(api_settings(flights_url, reservations_url))
    client = TestClient(app, raise_server_exceptions=False, headers=bearer("cust-1"))
    with spec_checked(client):
        yield client


# --- the fuzzing ---------------------------------------------------------------------------


@schema.parametrize()
@fuzzing.SETTINGS
def test_no_input_breaks_the_api(case: schemathesis.Case[Any], app: FastAPI) -> None:
    # Default checks: not_a_server_error, status code / content type / headers / body schema
    # conformance, negative_data_rejection (schema-violating input is a 4xx), and the
    # coverage phase's unsupported methods (405 with Allow), and for the operations the spec
    # secures, that a request without the token is refused (ignored_auth).
    # A token for the operations that need one, unless the case is about leaving it out. The
    # ignored_auth check sends its probe (the request without the token) through the
    # schema's transport, not through call_and_validate's arguments: make it this app's.
    schema_ = case.operation.schema
    token = None if schema_.is_security_param_negated(case) else bearer("cust-1")
    schema_.app = app
    case.call_and_validate(app=app, headers=token, additional_checks=[fuzzing.problem_details])


# --- bad input by hand ---------------------------------------------------------------------


def held_seats(api: TestClient) -> list[str]:
    response = api.get("/flights/1/seats")
    assert response.status_code == 200
    return [
        seat["number"]
        for cabin in response.json()["cabins"]
        for row in cabin["rows"]
        for seat in row["seats"]
        if not seat["available"]
    ]


JSON = "application/json"
VALID = {"flight_id": 1, "seats": ["12A"]}
TWO_MB = 2 * 1024 * 1024


@pytest.mark.parametrize(
    ("body", "content_type", "status", "field"),
    [
        pytest.param(
            json.dumps({**VALID, "note": "c" * TWO_MB}), JSON, 413, None, id="2mb-field"
        ),
        pytest.param(
            json.dumps({**VALID, "seats": ["12A"] * (TWO_MB // 8)}), JSON, 413, None, id="2mb-seats"
        ),
        pytest.param(
            json.dumps({**VALID, "customer_id": "c" * 8000}),
            JSON,
            422,
            "body.customer_id",
            id="8kb-customer-id",
        ),
        pytest.param(
            json.dumps({**VALID, "seats": ["12A"] * 1000}), JSON, 422, "body.seats", id="1000-seats"
        ),
        pytest.param(json.dumps(VALID), "text/plain", 422, "body", id="text-plain"),
        pytest.param(
            "flight_id=1&seats=12A",
            "application/x-www-form-urlencoded",
            422,
            "body",
            id="form",
        ),
        pytest.param(
            json.dumps(VALID), "multipart/form-data; boundary=x", 422, "body", id="multipart"
        ),
        pytest.param(b"\xff\xfe{}", JSON, 400, None, id="not-utf8"),
        pytest.param("{}x", JSON, 400, None, id="trailing-garbage"),
        pytest.param("[" * 5000 + "]" * 5000, JSON, 400, None, id="nested-5000-deep"),
        pytest.param("NaN", JSON, 422, "body", id="nan"),
        pytest.param(
            '{"flight_id": 1e400, "seats": ["12A"]}',
            JSON,
            422,
            "body.flight_id",
            id="infinite-flight",
        ),
    ],
)
def test_bodies_that_are_not_a_booking_are_a_4xx_problem(
    api: TestClient, body: str | bytes, content_type: str, status: int, field: str | None
) -> None:
    response = api.post("/bookings", content=body, headers={"Content-Type": content_type})
    assert response.status_code == status, response.text[:500]
    assert_problem(status, response.headers["content-type"], response.content)
    if field is not None:
        assert field in problem_fields(response.content)
    assert held_seats(api) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"seats": ["\uff11\uff12A"]}, "body.seats.0"),  # fullwidth 12
        ({"seats": ["\u0661\u0662A"]}, "body.seats.0"),  # Arabic-Indic 12
        ({"seats": ["\U0001f4ba"]}, "body.seats.0"),  # 💺
        ({"seats": ["../12A"]}, "body.seats.0"),
    ],
)
def test_unicode_and_control_characters_in_a_booking_are_a_422(
    api: TestClient, change: dict[str, Any], field: str
) -> None:
    response = api.post("/bookings", json={**VALID, **change})
    assert response.status_code == 422, response.text
    assert_invalid_field(response.headers["content-type"], response.content, field)
    assert held_seats(api) == []


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("DELETE", "/bookings/1/%E2%9C%88", "path.seat_num"),
        ("DELETE", "/bookings/1/12A%0A", "path.seat_num"),
        ("DELETE", "/bookings/%F0%9F%9B%AB/12A", "path.flight_id"),
        ("DELETE", "/bookings/%EF%BC%91/12A", "path.flight_id"),  # fullwidth 1
        ("GET", "/flights/%D9%A1/seats", "path.flight_id"),  # Arabic-Indic 1
        ("GET", "/flights/%E2%9C%88%EF%B8%8F/seats", "path.flight_id"),
        # Passed on to the flights service, whose 422 comes back unchanged.
        ("GET", "/flights?flight_no=%E2%9C%88", "query.flight_no"),
        ("GET", "/flights?origin=%F0%9F%9B%AB", "query.origin"),
        ("GET", "/flights?limit=%EF%BC%91%EF%BC%90", "query.limit"),
    ],
)
def test_unicode_and_control_characters_in_parameters_are_a_422(
    api: TestClient, method: str, path: str, field: str
) -> None:
    response = api.request(method, path)
    assert response.status_code == 422, response.text
    assert_invalid_field(response.headers["content-type"], response.content, field)


@pytest.mark.parametrize(
    ("method", "target", "status", "field"),
    [
        ("DELETE", "/bookings/1/..%2F..%2Fetc%2Fpasswd", 404, None),
        ("DELETE", "/bookings/1/12A%2F..%2F..", 404, None),
        ("DELETE", "/bookings/1/%2e%2e", 422, "path.seat_num"),
        ("GET", "/flights/%2e%2e%2fseats", 422, "path.flight_id"),
        ("GET", "/flights/1%2F..%2F2/seats", 404, None),
        # Literal dot segments, as a raw client sends them: nothing resolves them.
        ("DELETE", "/bookings/1/../../etc/passwd", 404, None),
        ("GET", "/flights/1/../2/seats", 404, None),
        ("GET", "/flights/../../reservations?flight_id=1", 404, None),
        # The query goes to the flights service as values, never as more parameters.
        ("GET", "/flights?cursor=..%2F..%2Fetc%2Fpasswd", 422, "query.cursor"),
        ("GET", "/flights?flight_no=AA1%26limit%3D500", 422, "query.flight_no"),
    ],
)
def test_path_traversal_and_query_injection_reach_nothing(
    api: TestClient, method: str, target: str, status: int, field: str | None
) -> None:
    assert api.post("/bookings", json=VALID).status_code == 201
    got, content_type, body = raw_request(api, method, target)
    assert got == status, body
    assert_problem(got, content_type, body)
    if field is not None:
        assert problem_fields(body) == [field]
    assert held_seats(api) == ["12A"]


# --- parameters are read strictly, bodies are bounded ------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/bookings", {**VALID, "flight_id": True}),
        ("POST", "/bookings", {**VALID, "flight_id": "1"}),
        ("GET", "/flights/1_0/seats", None),
        ("DELETE", "/bookings/%2B1/12A", None),
        ("GET", "/flights?departure_date=0", None),
    ],
    ids=["flight-true", "flight-string", "underscore", "plus", "unix-time-date"],
)
def test_parameters_are_not_parsed_leniently(
    api: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = api.request(method, path, json=body)
    assert response.status_code == 422, response.text


# The API's seat pattern (1-999, A-Z) is wider than the reservations service's (1-99, A-K):
# the service's 422 for such a seat was a 502.
@pytest.mark.parametrize("seat", ["9T", "100A"])
def test_cancelling_a_seat_no_one_can_hold_is_not_a_502(api: TestClient, seat: str) -> None:
    response = api.delete(f"/bookings/1/{seat}")
    assert response.status_code == 404, response.text


def test_a_2_mb_body_is_refused(api: TestClient) -> None:
    padded = json.dumps(VALID) + " " * TWO_MB
    response = api.post("/bookings", content=padded, headers={"Content-Type": JSON})
    assert response.status_code == 413, response.text
    assert_problem(413, response.headers["content-type"], response.content)
    assert held_seats(api) == []


# Starlette's redirect_slashes answered these with an empty 307 to the path without the "/".
@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/bookings/1/%2e%2e%2f"), ("GET", "/flights/1/seats/")],
)
def test_a_trailing_slash_is_not_redirected(api: TestClient, method: str, path: str) -> None:
    response = api.request(method, path, follow_redirects=False)
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "path"), [("GET", "/bookings/1/12A/x"), ("PUT", "/bookings")])
def test_router_problems_have_a_detail(api: TestClient, method: str, path: str) -> None:
    response = api.request(method, path)
    assert response.status_code in (404, 405)
    assert_problem(response.status_code, response.headers["content-type"], response.content)


# --- bookings: every refusal is a problem with a detail, and changes nothing ---------------

BOOKING_ID = "01JE5Z8Q4W6V0G2X9R3M7T1B5K"


@pytest.mark.parametrize(
    ("method", "target", "body", "status"),
    [
        ("GET", f"/bookings/{BOOKING_ID}", None, 404),
        ("DELETE", f"/bookings/{BOOKING_ID}", None, 404),
        ("GET", "/bookings/01JE5Z8Q4W6V0G2X9R3M7T1B5", None, 422),  # 25 characters
        ("GET", "/bookings/01JE5Z8Q4W6V0G2X9R3M7T1B5U", None, 422),  # U is not Crockford's
        ("POST", "/bookings", {**VALID, "seats": [f"{row}A" for row in range(7, 17)]}, 422),
        ("POST", "/bookings", {**VALID, "seats": ["12A", "12B", "12A"]}, 422),
        ("GET", "/bookings?cursor=%00", None, 422),
    ],
    ids=["unknown", "cancel-unknown", "short", "not-crockford", "ten", "duplicate", "nul"],
)
def test_bad_booking_requests_are_problems(
    api: TestClient, method: str, target: str, body: dict[str, Any] | None, status: int
) -> None:
    response = api.request(method, target, json=body)
    assert response.status_code == status, response.text
    assert_problem(status, response.headers["content-type"], response.content)
    assert held_seats(api) == []


def test_a_key_reused_for_another_booking_is_a_422_and_books_nothing(api: TestClient) -> None:
    key = {"Idempotency-Key": "fuzz-1"}
    assert api.post("/bookings", json=VALID, headers=key).status_code == 201

    response = api.post("/bookings", json={**VALID, "seats": ["12B"]}, headers=key)

    assert response.status_code == 422, response.text
    assert_problem(422, response.headers["content-type"], response.content)
    assert problem_fields(response.content) == ["header.Idempotency-Key"]
    assert held_seats(api) == ["12A"]
