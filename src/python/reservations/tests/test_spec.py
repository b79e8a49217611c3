"""The committed OpenAPI document is valid and says what the app does."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from reservations.app import create_app
from reservations.model import (
    BOOKING_ID_PATTERN,
    ID_PATTERN,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_PATTERN,
    MAX_SEATS_PER_BOOKING,
    SEAT_PATTERN,
)
from reservations.settings import Settings
from reservations.tests.fakes import FakeStore
from reservations.tests.spec_check import check_response, operations, spec


def test_the_spec_is_valid_openapi_3_1() -> None:
    assert spec()["openapi"].startswith("3.1.")
    validate(spec())  # raises on the first error


def test_every_route_of_the_app_is_in_the_spec_and_nothing_else() -> None:
    app = create_app(Settings(redis_url="redis://127.0.0.1:1/0"), FakeStore())
    routes = {
        (method, re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}  # Flask adds these to every route
    }
    # The chassis' /ping, /health and /metrics are documented too: clients probe them.
    assert routes == operations()


def test_the_spec_validates_ids_seats_and_keys_like_the_code() -> None:
    schemas = spec()["components"]["schemas"]
    assert schemas["Id"]["pattern"] == f"^{ID_PATTERN}$"
    assert schemas["SeatNum"]["pattern"] == f"^{SEAT_PATTERN}$"
    assert schemas["BookingId"]["pattern"] == f"^{BOOKING_ID_PATTERN}$"
    assert schemas["BookingCursor"]["pattern"] == f"^{BOOKING_ID_PATTERN}$"
    assert schemas["IdempotencyKey"]["pattern"] == f"^{IDEMPOTENCY_KEY_PATTERN}$"
    assert spec()["components"]["parameters"]["IdempotencyKey"]["name"] == IDEMPOTENCY_KEY
    seats = schemas["BookingRequest"]["properties"]["seats"]
    assert (seats["minItems"], seats["maxItems"]) == (1, MAX_SEATS_PER_BOOKING)


def test_the_response_check_catches_drift() -> None:
    body = b'{"flight_id": "FL1", "seat_num": "12C", "customer_id": "c1"}'
    json_headers = {"Content-Type": "application/json"}
    check_response("PUT", "/reservations", 201, json_headers, body)  # the good case passes
    with pytest.raises(AssertionError, match="undocumented 202"):
        check_response("PUT", "/reservations", 202, json_headers, body)
    with pytest.raises(AssertionError, match="12Z"):
        check_response("PUT", "/reservations", 201, json_headers, body.replace(b"12C", b"12Z"))
    with pytest.raises(AssertionError, match="text/html"):
        check_response("PUT", "/reservations", 201, {"Content-Type": "text/html"}, body)
    problem = b'{"type": "about:blank", "title": "Service Unavailable", "status": 503}'
    problem_headers = {"Content-Type": "application/problem+json"}
    with pytest.raises(AssertionError, match="Retry-After"):
        check_response("GET", "/events", 503, problem_headers, problem)
    event = b'{"id": "1-0", "type": "SeatReserved", "time": "yesterday", "flight_id": "F",'
    event += b' "seat_num": "1A", "customer_id": "c"}'
    page = b'{"events": [' + event + b'], "next": "1-0"}'
    with pytest.raises(AssertionError, match="date-time"):
        check_response("GET", "/events", 200, json_headers, page)
    booking = b'{"id": "01KBHZ6Q2TQ5ZPE3M8B1V0C9XW", "flight_id": "F", "customer_id": "c",'
    booking += b' "seats": ["1A"], "status": "cancelled", "created_at": "2026-01-01T12:00:00Z"}'
    with pytest.raises(AssertionError, match="cancelled_at"):  # cancelled, but not when
        check_response("GET", "/bookings/01KBHZ6Q2TQ5ZPE3M8B1V0C9XW", 200, json_headers, booking)
