"""The committed OpenAPI document is valid and says what the app does."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from reservations.app import create_app
from reservations.model import ID_PATTERN, SEAT_PATTERN
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


def test_the_spec_validates_ids_and_seats_like_the_code() -> None:
    schemas = spec()["components"]["schemas"]
    assert schemas["Id"]["pattern"] == f"^{ID_PATTERN}$"
    assert schemas["SeatNum"]["pattern"] == f"^{SEAT_PATTERN}$"


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
