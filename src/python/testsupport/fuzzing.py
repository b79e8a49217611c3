"""What the fuzz tests of every service share (``<service>/tests/test_fuzz.py``): one
schemathesis configuration (a fixed seed, derandomized, so a run sends the same requests every
time), the rule every error answer must follow (RFC 9457 problem+json with a ``detail``), and
a raw ASGI call for request targets HTTP clients would tidy up first."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import hypothesis
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.specs.openapi.schemas import OpenApiSchema
from starlette.types import Message, Scope

PROBLEM = "application/problem+json"
SEED = 20261201
MAX_EXAMPLES = 30  # per operation, fuzzing phase; the coverage phase adds its own cases

# For ``@schema.parametrize()`` tests whose app is a function-scoped fixture on purpose: shared
# by the examples of one operation, new for the next (hence the suppressed health checks).
SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=False,
    suppress_health_check=list(hypothesis.HealthCheck),
)


def schema(spec: dict[str, Any]) -> OpenApiSchema:
    """The schemathesis schema for SPEC: valid and schema-violating requests, every phase but
    the stateful one (the specs declare no links). A schema-valid request may still be refused
    (a made-up id is a 404, an opaque cursor a 422), so positive_data_acceptance is off."""
    return schemathesis.openapi.from_dict(
        spec,
        config=schemathesis.Config.from_dict(
            {
                "seed": SEED,
                "generation": {
                    "mode": "all",
                    "max-examples": MAX_EXAMPLES,
                    "deterministic": True,
                    "database": "none",  # no replay of earlier runs' failures
                },
                "phases": {"stateful": {"enabled": False}},
                "checks": {"positive_data_acceptance": {"enabled": False}},
            }
        ),
    )


def assert_problem(status: int, content_type: str, body: bytes) -> None:
    """RFC 9457 problem+json with this status and a ``detail`` saying what was wrong."""
    media_type = content_type.split(";")[0].strip()
    assert media_type == PROBLEM, f"{status} answered as {media_type!r}, not {PROBLEM}"
    problem = json.loads(body)
    assert problem["status"] == status, problem
    assert isinstance(problem.get("title"), str), problem
    detail = problem.get("detail")
    assert isinstance(detail, str), f"{status} problem without a detail: {problem}"
    assert detail.strip(), f"{status} problem with an empty detail: {problem}"


def problem_fields(body: bytes) -> list[str]:
    """The ``field`` of each entry in a problem's ``errors``."""
    return [error["field"] for error in json.loads(body)["errors"]]


def assert_invalid_field(content_type: str, body: bytes, field: str) -> None:
    """A 422 problem about ``field`` alone: its one entry in ``errors``, named in ``detail``."""
    assert_problem(422, content_type, body)
    assert problem_fields(body) == [field]
    assert field in json.loads(body)["detail"]


def problem_details(
    ctx: schemathesis.CheckContext,
    response: schemathesis.Response,
    case: schemathesis.Case[Any],
) -> None:
    """A schemathesis check: every 4xx/5xx is problem+json with a detail (/health answers in
    health+json)."""
    if response.status_code < 400 or case.path == "/health":
        return
    content_type = (response.headers.get("content-type") or [""])[0]
    assert_problem(response.status_code, content_type, response.content)


def raw_request(client: TestClient, method: str, target: str) -> tuple[int, str, bytes]:
    """Call the app with the request target exactly as given (dot segments too), as uvicorn
    hands on what a raw client sent; HTTP clients, httpx included, remove them first. The
    client's default headers go along (e.g. its Authorization)."""
    assert client.portal is not None, "enter the client first (lifespan)"
    path, _, query = target.partition("?")
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(path),
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [
            (b"host", b"testserver"),
            *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in client.headers.items()
              if k.lower() != "host"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    client.portal.call(client.app, scope, receive, send)
    [start] = [m for m in sent if m["type"] == "http.response.start"]
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start["headers"]}
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers.get("content-type", ""), content
