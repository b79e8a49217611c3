"""Bad input, from the spec and by hand: nothing a client sends may get a 5xx, an answer the
spec does not document, or an error that is not problem+json saying what was wrong.

* ``test_no_input_breaks_the_service``: schemathesis generates requests from the committed
  openapi.yaml (valid and invalid: every phase but stateful, a fixed seed, derandomized, so a
  run sends the same requests every time) against the real app on a real Redis, called
  in-process as a WSGI app, and checks every response against the spec.
* The parametrized tests below send what generators rarely produce and test_app.py does not
  cover yet: 2 MB and deeply nested JSON, more media types, look-alike digits, emoji, NUL and
  newlines in ids, encoded and literal path traversal. The client checks every response
  against the spec too (``SpecCheckingClient``).

A known bug would be pinned by an ``xfail(strict=True)`` test, so that fixing it turns the test
red until the marker is removed; there are none at the moment.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse  # pants: no-infer-dep - comes with flask

from reservations.app import create_app
from reservations.settings import Settings
from reservations.store import RedisStore
from reservations.tests.conftest import SPEC
from testsupport import fuzzing
from testsupport.fuzzing import assert_invalid_field, assert_problem, problem_fields

schema = fuzzing.schema(SPEC.document)


# --- what every error must look like --------------------------------------------------------


def assert_problem_response(response: TestResponse, status: int) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert_problem(status, response.content_type, response.data)


# --- the fuzzing ---------------------------------------------------------------------------


@pytest.fixture()
def app(store: RedisStore, redis_url: str) -> Flask:
    """The app on a real Redis, empty when each operation's examples start."""
    return create_app(Settings(redis_url=redis_url), store)


@schema.parametrize()
@fuzzing.SETTINGS
def test_no_input_breaks_the_service(case: schemathesis.Case[Any], app: Flask) -> None:
    # Default checks: not_a_server_error, status code / content type / headers / body schema
    # conformance, negative_data_rejection (schema-violating input is a 4xx), and the
    # coverage phase's unsupported methods (405 with Allow).
    case.call_and_validate(app=app, additional_checks=[fuzzing.problem_details])


# --- bad input by hand ---------------------------------------------------------------------


def events(client: FlaskClient) -> list[Any]:
    page: list[Any] = json.loads(client.get("/events").data)["events"]
    return page


JSON = "application/json"
VALID = {"flight_id": "FL1", "seat_num": "1A", "customer_id": "c"}
TWO_MB = 2 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        pytest.param(json.dumps({**VALID, "customer_id": "c" * TWO_MB}), JSON, 413, id="2mb"),
        pytest.param(json.dumps(VALID) + " " * TWO_MB, JSON, 413, id="2mb-of-spaces"),  # valid
        pytest.param(b"\xff\xfe{}", JSON, 400, id="not-utf8"),
        pytest.param("{}x", JSON, 400, id="trailing-garbage"),
        pytest.param("NaN", JSON, 400, id="nan"),  # parses, but not to an object
        pytest.param(json.dumps(VALID), None, 415, id="no-content-type"),
        pytest.param(json.dumps(VALID), "multipart/form-data; boundary=x", 415, id="multipart"),
        pytest.param(json.dumps(VALID), "application/xml", 415, id="xml"),
        pytest.param(
            "[" * 1500 + "]" * 1500,  # 3 KB: under the 4 KiB limit
            JSON,
            400,
            id="nested-1500-deep",  # RecursionError in json.loads: was a 500
        ),
    ],
)
def test_bodies_that_are_not_a_small_json_object_are_refused(
    client: FlaskClient, data: str | bytes, content_type: str | None, status: int
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = client.put("/reservations", data=data, headers=headers)
    assert_problem_response(response, status)
    assert events(client) == []


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({**VALID, "flight_id": "\u2708\ufe0f"}, "body.flight_id"),  # ✈️
        ({**VALID, "flight_id": "FL1\n"}, "body.flight_id"),
        ({**VALID, "flight_id": "\ud800"}, "body.flight_id"),  # a lone surrogate
        ({**VALID, "flight_id": float("nan")}, "body.flight_id"),
        ({**VALID, "seat_num": "\uff11A"}, "body.seat_num"),  # fullwidth 1
        ({**VALID, "seat_num": "\u0661A"}, "body.seat_num"),  # Arabic-Indic 1
        ({**VALID, "seat_num": "\U0001f4ba"}, "body.seat_num"),  # 💺
        ({**VALID, "customer_id": "c\u0000"}, "body.customer_id"),
        ({**VALID, "customer_id": "../../etc/passwd"}, "body.customer_id"),
    ],
)
def test_unicode_and_control_characters_in_the_body_are_a_422(
    client: FlaskClient, sent: dict[str, Any], field: str
) -> None:
    response = client.put(
        "/reservations", data=json.dumps(sent), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert_invalid_field(response.content_type, response.data, field)
    assert events(client) == []


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("DELETE", "/reservations/%E2%9C%88%EF%B8%8F/1A?customer_id=c", "path.flight_id"),
        ("DELETE", "/reservations/FL1%0A/1A?customer_id=c", "path.flight_id"),
        ("DELETE", "/reservations/FL1/%F0%9F%92%BA?customer_id=c", "path.seat_num"),
        ("DELETE", "/reservations/FL1/%EF%BC%91A?customer_id=c", "path.seat_num"),
        ("DELETE", "/reservations/FL1/1A%00?customer_id=c", "path.seat_num"),
        ("DELETE", "/reservations/FL1/1A?customer_id=%F0%9F%98%80", "query.customer_id"),
        ("DELETE", "/reservations/FL1/1A?customer_id=c%0A", "query.customer_id"),
        ("GET", "/reservations?flight_id=%E2%9C%88", "query.flight_id"),
        ("GET", "/reservations?flight_id=FL1%0A", "query.flight_id"),
        ("GET", "/events?count=%EF%BC%91%EF%BC%90", "query.count"),  # fullwidth 10
        ("GET", "/events?count=1%0A", "query.count"),
        ("GET", "/events?since=%D9%A1-0", "query.since"),  # Arabic-Indic 1
    ],
)
def test_unicode_and_control_characters_in_parameters_are_a_422(
    client: FlaskClient, method: str, path: str, field: str
) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert_invalid_field(response.content_type, response.data, field)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/reservations/%2e%2e/1A", 422),  # the flight id ".."
        ("/reservations/FL1/%2e%2e", 422),
        ("/reservations/FL1/..%2F..%2F", 404),
        ("/reservations/../reservations/FL1/1A", 404),  # literal: the test client sends it so
        ("/reservations/FL1/../FL2/1A", 404),
        ("/reservations/../../etc/passwd", 404),
        # werkzeug's merge_slashes answered these two with a 308 HTML redirect.
        pytest.param("/reservations/%2e%2e%2f/1A", 404, id="encoded-dot-dot-slash"),
        pytest.param("/reservations/FL1//1A", 404, id="double-slash"),
    ],
)
def test_path_traversal_reaches_nothing(client: FlaskClient, path: str, status: int) -> None:
    client.put("/reservations", json=VALID)
    response = client.delete(f"{path}?customer_id=c")
    assert_problem_response(response, status)
    if status == 422:
        assert len(problem_fields(response.data)) == 1
    assert json.loads(client.get("/reservations?flight_id=FL1").data) == {"1A": "c"}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/reservations/FL1", 404),
        ("POST", "/reservations", 405),
        ("PUT", "/reservations", 413),
    ],
)
def test_framework_problems_have_a_detail(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = client.open(path, method=method, data="x" * 5000, content_type="application/json")
    assert_problem_response(response, status)
