"""The committed OpenAPI document is valid, is what the app serves, and says what the code
does; the shared response check (testsupport.openapi) catches drift."""

from __future__ import annotations

import re

import pytest

from reservations.app import create_app
from reservations.model import (
    BOOKING_ID_PATTERN,
    ID_PATTERN,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_PATTERN,
    MAX_SEATS_PER_BOOKING,
    SEAT_PATTERN,
    FieldError,
    check_event_id,
)
from reservations.settings import Settings
from reservations.tests.conftest import SPEC
from testsupport.openapi import routes


def test_the_app_serves_its_committed_spec_and_exactly_its_operations() -> None:
    SPEC.validate()
    app = create_app(Settings(redis_url="redis://127.0.0.1:1/0"))  # connects on first use
    assert app.test_client().get("/openapi.json").json == SPEC.document
    # The chassis' /ping, /health and /metrics are documented too: clients probe them.
    assert routes(app) == SPEC.operations()


def test_the_spec_validates_ids_seats_and_keys_like_the_code() -> None:
    schemas = SPEC.document["components"]["schemas"]
    assert schemas["Id"]["pattern"] == f"^{ID_PATTERN}$"
    assert schemas["SeatNum"]["pattern"] == f"^{SEAT_PATTERN}$"
    assert schemas["BookingId"]["pattern"] == f"^{BOOKING_ID_PATTERN}$"
    assert schemas["BookingCursor"]["pattern"] == f"^{BOOKING_ID_PATTERN}$"
    assert schemas["IdempotencyKey"]["pattern"] == f"^{IDEMPOTENCY_KEY_PATTERN}$"
    assert SPEC.document["components"]["parameters"]["IdempotencyKey"]["name"] == IDEMPOTENCY_KEY
    seats = schemas["BookingRequest"]["properties"]["seats"]
    assert (seats["minItems"], seats["maxItems"]) == (1, MAX_SEATS_PER_BOOKING)


# The pattern allowed "0848", which the code refuses (its bound of 2^64 - 1 per number is in
# the description only: no pattern can say it briefly).
@pytest.mark.parametrize(
    "since", ["0", "0-0", "848", "1714564800123-7", "0848", "00", "1-01", "1-", "-1", "1-2-3"]
)
def test_the_spec_takes_exactly_the_event_cursors_the_code_takes(since: str) -> None:
    errors: list[FieldError] = []
    check_event_id("since", since, errors)
    pattern = SPEC.document["components"]["schemas"]["Cursor"]["pattern"]
    assert (re.search(pattern, since) is not None) == (errors == [])


def test_the_response_check_catches_drift() -> None:
    body = b'{"flight_id": "FL1", "seat_num": "12C", "customer_id": "c1"}'
    json_headers = {"Content-Type": "application/json", "X-Request-ID": "r1"}
    SPEC.check("PUT", "/reservations", 201, json_headers, body)  # the good case passes
    with pytest.raises(AssertionError, match="undocumented 202"):
        SPEC.check("PUT", "/reservations", 202, json_headers, body)
    with pytest.raises(AssertionError, match="12Z"):
        SPEC.check("PUT", "/reservations", 201, json_headers, body.replace(b"12C", b"12Z"))
    with pytest.raises(AssertionError, match="text/html"):
        SPEC.check("PUT", "/reservations", 201, {**json_headers, "Content-Type": "text/html"}, body)
    with pytest.raises(AssertionError, match="X-Request-ID"):
        SPEC.check("PUT", "/reservations", 201, {"Content-Type": "application/json"}, body)
    with pytest.raises(AssertionError, match="not in the spec"):
        SPEC.check("GET", "/reservation", 200, json_headers, body)
    problem = b'{"type": "about:blank", "title": "Service Unavailable", "status": 503}'
    problem_headers = {"Content-Type": "application/problem+json", "X-Request-ID": "r1"}
    with pytest.raises(AssertionError, match="Retry-After"):
        SPEC.check("GET", "/events", 503, problem_headers, problem)
    event = b'{"id": "1-0", "type": "SeatReserved", "time": "yesterday", "flight_id": "F",'
    event += b' "seat_num": "1A", "customer_id": "c"}'
    page = b'{"events": [' + event + b'], "next": "1-0"}'
    with pytest.raises(AssertionError, match="date-time"):
        SPEC.check("GET", "/events", 200, json_headers, page)
    booking = b'{"id": "01KBHZ6Q2TQ5ZPE3M8B1V0C9XW", "flight_id": "F", "customer_id": "c",'
    booking += b' "seats": ["1A"], "status": "cancelled", "created_at": "2026-01-01T12:00:00Z"}'
    with pytest.raises(AssertionError, match="cancelled_at"):  # cancelled, but not when
        SPEC.check("GET", "/bookings/01KBHZ6Q2TQ5ZPE3M8B1V0C9XW", 200, json_headers, booking)
