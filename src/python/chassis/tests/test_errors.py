"""Every error, whoever raises it, leaves as RFC 9457 problem+json (both adapters)."""

from __future__ import annotations

import json
from typing import Any

import fastapi
import pytest
from fastapi.testclient import TestClient

import chassis.fastapi
from chassis.problems import Problem, validation_problem
from chassis.tests.apps import Client, Reply, Seat, capture_logs

JSON = {"Content-Type": "application/json"}


def assert_problem(reply_status: int, content_type: str | None, body: dict[str, object]) -> None:
    assert content_type == "application/problem+json"
    assert body["status"] == reply_status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["type"], str)


def problem_of(reply: Reply, status: int) -> dict[str, Any]:
    """The body of ``reply``, checked to be a problem+json document for ``status``."""
    assert reply.status == status
    body: dict[str, Any] = reply.json()
    assert_problem(status, reply.header("Content-Type"), body)
    return body


def test_invalid_json_is_400(client: Client) -> None:
    reply = client("POST", "/seats", body=b'{"seat_num": ', headers=JSON)
    body = problem_of(reply, 400)
    assert body["detail"] == "Request body is not valid JSON"
    assert body["instance"] == "/seats"


def test_validation_error_names_each_field_and_why(client: Client) -> None:
    payload = json.dumps({"seat_num": 999}).encode()
    reply = client("POST", "/seats", body=payload, headers=JSON)
    body = problem_of(reply, 422)
    errors = {error["field"]: error["message"] for error in body["errors"]}
    assert set(errors) == {"body.seat_num", "body.passenger"}
    assert "300" in errors["body.seat_num"]  # says why: the upper bound
    assert errors["body.passenger"] == "Field required"
    assert "body.seat_num" in body["detail"]


def test_valid_request_passes_through(client: Client) -> None:
    payload = json.dumps({"seat_num": 12, "passenger": "Ada"}).encode()
    reply = client("POST", "/seats", body=payload, headers=JSON)
    assert reply.status == 200
    assert reply.json() == {"seat_num": 12}


def test_unknown_route_is_404_problem(client: Client) -> None:
    reply = client("GET", "/no/such/route")
    body = problem_of(reply, 404)
    assert body["title"] == "Not Found"
    assert body["instance"] == "/no/such/route"
    # The same shape from both frameworks, with a detail of ours, not framework boilerplate.
    assert set(body) == {"type", "title", "status", "detail", "instance", "request_id"}
    assert body["detail"] == "There is no resource at /no/such/route"


def test_wrong_method_is_405_problem_with_allow(client: Client) -> None:
    reply = client("DELETE", "/taken")
    body = problem_of(reply, 405)
    assert "GET" in (reply.header("Allow") or "")
    assert body["detail"].startswith("DELETE is not allowed on /taken; allowed: ")
    assert "GET" in body["detail"]


def test_a_405_allows_what_every_route_of_the_path_allows(client: Client) -> None:
    reply = client("DELETE", "/seats")
    assert reply.status == 405
    allowed = {method.strip() for method in (reply.header("Allow") or "").split(",")}
    assert {"GET", "POST"} <= allowed
    assert "DELETE" not in allowed


def test_unhandled_exception_is_generic_500_and_trace_is_logged(client: Client) -> None:
    read_logs = capture_logs()
    reply = client("GET", "/boom", headers={"X-Request-ID": "trace-me-1"})
    body = problem_of(reply, 500)
    assert body["request_id"] == "trace-me-1"
    assert reply.header("X-Request-ID") == "trace-me-1"
    text = reply.body.decode()
    assert "hunter2" not in text
    assert "Traceback" not in text
    errors = [line for line in read_logs() if line["level"] == "ERROR"]
    assert len(errors) == 1  # logged once, not again by the server
    assert errors[0]["request_id"] == "trace-me-1"
    assert "Traceback" in errors[0]["exc_info"]
    assert "hunter2" in errors[0]["exc_info"]


def test_problem_raised_by_service_code(client: Client) -> None:
    reply = client("GET", "/taken")
    body = problem_of(reply, 409)
    assert body["type"] == "https://problems.example/seat-taken"
    assert body["title"] == "Seat already taken"
    assert body["detail"] == "Seat 12A on flight 7 is reserved"
    assert body["seat"] == "12A"
    assert body["request_id"] == reply.header("X-Request-ID")


def test_dependency_unavailable_is_503_with_retry_after(client: Client) -> None:
    reply = client("GET", "/mysql-down")
    body = problem_of(reply, 503)
    assert reply.header("Retry-After") == "7"
    assert "mysql" in body["detail"]


def test_problem_defaults_title_to_reason_phrase() -> None:
    problem = Problem(404)
    body = json.loads(problem.to_json(instance="/x"))
    assert body == {"type": "about:blank", "title": "Not Found", "status": 404, "instance": "/x"}


def test_problem_rejects_non_error_status_and_clashing_extensions() -> None:
    with pytest.raises(ValueError, match="200"):
        Problem(200)
    clash: dict[str, Any] = {"status": 401}
    with pytest.raises(TypeError, match="status"):
        Problem(400, **clash)


def test_validation_problem_prefixes_locations() -> None:
    errors = [{"loc": ("legs", 0, "seat"), "msg": "bad seat", "type": "x"}]
    problem = validation_problem(errors, loc_prefix=("body",))
    assert problem.status == 422
    assert problem.extensions["errors"] == [{"field": "body.legs.0.seat", "message": "bad seat"}]


def limited_fastapi_app(max_body_bytes: int) -> TestClient:
    app = fastapi.FastAPI()

    @app.post("/seats")
    def seats(seat: Seat) -> dict[str, int]:
        return {"seat_num": seat.seat_num}

    chassis.fastapi.install(app, service="api", max_body_bytes=max_body_bytes)
    return TestClient(app)


def test_a_body_over_the_limit_is_refused_with_413() -> None:
    client = limited_fastapi_app(max_body_bytes=40)
    fits = json.dumps({"seat_num": 12, "passenger": "Ada"}).encode()
    assert client.post("/seats", content=fits, headers=JSON).status_code == 200

    declared = client.post("/seats", content=fits + b" " * 20, headers=JSON)
    # Sent in chunks, with no Content-Length to judge by: counted as it arrives.
    chunked = client.post("/seats", content=iter([fits, b" " * 20]), headers=JSON)
    for reply in (declared, chunked):
        assert reply.status_code == 413
        body = reply.json()
        assert_problem(413, reply.headers["Content-Type"], body)
        assert body["detail"] == "The request body is larger than this endpoint's limit of 40 bytes"
    assert "content-length" not in chunked.request.headers
