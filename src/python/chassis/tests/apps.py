"""The same small service on FastAPI and on Flask, behind one test-client shape,
so every HTTP scenario runs against both adapters."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol

import fastapi
import flask
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, ValidationError

import chassis.fastapi
import chassis.flask
from chassis import Check, DependencyUnavailable, Problem, current_request_id, logs
from chassis.problems import validation_problem

FRAMEWORKS = ("fastapi", "flask")


class Seat(BaseModel):
    seat_num: int = Field(ge=1, le=300)
    passenger: str


def taken() -> Problem:
    return Problem(
        409,
        "Seat already taken",
        "Seat 12A on flight 7 is reserved",
        type_="https://problems.example/seat-taken",
        seat="12A",
    )


def boom() -> NoReturn:
    raise RuntimeError("database password is hunter2")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body)


class Client(Protocol):
    def __call__(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply: ...


def _lower(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


def fastapi_client(checks: Sequence[Check]) -> Client:
    app = fastapi.FastAPI()

    @app.get("/flights/{flight_id}")
    async def flight(flight_id: int) -> dict[str, Any]:
        return {"flight_id": flight_id, "request_id": current_request_id()}

    @app.post("/seats")
    def seats(seat: Seat) -> dict[str, int]:
        return {"seat_num": seat.seat_num}

    @app.get("/seats")  # a second route on the path: FastAPI makes one per operation
    async def all_seats() -> list[int]:
        return []

    @app.get("/boom")
    def fail() -> None:
        boom()

    @app.get("/taken")
    async def conflict() -> None:
        raise taken()

    @app.get("/mysql-down")
    async def down() -> None:
        raise DependencyUnavailable("mysql", retry_after=7)

    chassis.fastapi.install(app, service="flights", checks=checks, version="1.2.3")
    # The default raise_server_exceptions=True makes any exception the chassis lets escape
    # fail the test, which is what we want.
    client = TestClient(app)

    def call(
        method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        response = client.request(method, path, content=body, headers=headers)
        return Reply(response.status_code, _lower(response.headers.items()), response.content)

    return call


def flask_client(checks: Sequence[Check]) -> Client:
    app = flask.Flask(__name__)

    @app.get("/flights/<int:flight_id>")
    def flight(flight_id: int) -> dict[str, Any]:
        return {"flight_id": flight_id, "request_id": current_request_id()}

    @app.post("/seats")
    def seats() -> dict[str, int]:
        try:
            seat = Seat.model_validate(flask.request.get_json())
        except ValidationError as exc:
            raise validation_problem(exc.errors(), loc_prefix=("body",)) from exc
        return {"seat_num": seat.seat_num}

    @app.get("/seats")
    def all_seats() -> list[int]:
        return []

    @app.get("/boom")
    def fail() -> NoReturn:
        boom()

    @app.get("/taken")
    def conflict() -> NoReturn:
        raise taken()

    @app.get("/mysql-down")
    def down() -> NoReturn:
        raise DependencyUnavailable("mysql", retry_after=7)

    chassis.flask.install(app, service="reservations", checks=checks, version="1.2.3")
    client = app.test_client()

    def call(
        method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        response = client.open(path, method=method, data=body, headers=headers)
        return Reply(response.status_code, _lower(response.headers.items()), response.data)

    return call


def capture_logs() -> Callable[[], list[dict[str, Any]]]:
    """Point the handler install() set up at memory; call the result to parse lines so far."""
    stream = io.StringIO()
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logs._ChassisHandler):
            handler.setStream(stream)
    return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
