"""Scripted stand-ins for the flights and reservations services, as ASGI apps to serve over
real HTTP: the documented answers of each service, a record of every request received,
and a ``hook`` to answer a request differently (errors, garbage, delays)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.tests.fakes import SEAT_MAP, seat_map_of

FLIGHT_NO = r"[A-Z0-9]{2}[0-9]{1,4}[A-Z]?"
Hook = Callable[[Request], Awaitable[Response | None]]


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


def problem(status: int, detail: str = "", **members: Any) -> Response:
    body = {"type": "about:blank", "title": "x", "status": status, "detail": detail, **members}
    return Response(json.dumps(body), status, media_type="application/problem+json")


class Upstream:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Back to a healthy service with the default data and nothing seen."""
        self.seen: list[Seen] = []
        self.hook: Hook | None = None
        self.health = "pass"

    def requests(self, method: str | None = None) -> list[Seen]:
        return [s for s in self.seen if method is None or s.method == method]

    def app(self) -> Starlette:
        async def dispatch(request: Request) -> Response:
            body = await request.body()
            if request.url.path != "/health":
                self.seen.append(
                    Seen(
                        request.method,
                        request.url.path,
                        request.url.query,
                        dict(request.headers),
                        body,
                    )
                )
            if self.hook is not None and (answer := await self.hook(request)) is not None:
                return answer
            if request.url.path == "/health":
                status = 503 if self.health == "fail" else 200
                return JSONResponse({"status": self.health}, status)
            return await self.answer(request, body)

        methods = ["GET", "PUT", "POST", "DELETE"]
        return Starlette(routes=[Route("/{path:path}", dispatch, methods=methods)])

    async def answer(self, request: Request, body: bytes) -> Response:
        raise NotImplementedError


class FakeFlights(Upstream):
    """Flight 1 has seats 12A, 12B, 12C and 14A; flight 2 the seat map of ``SEAT_MAP``."""

    def reset(self) -> None:
        super().reset()
        self.seat_maps: dict[int, dict[str, Any]] = {
            1: seat_map_of("12A", "12B", "12C", "14A").model_dump(mode="json"),
            2: SEAT_MAP,
        }
        self.page: dict[str, Any] = {"items": [], "next_cursor": None}

    async def answer(self, request: Request, body: bytes) -> Response:
        if request.url.path == "/flights" and request.method == "GET":
            flight_no = request.query_params.get("flight_no")
            if flight_no is not None and not re.fullmatch(
                r"[A-Z0-9]{2}[0-9]{1,4}[A-Z]?", flight_no
            ):
                error = {"field": "query.flight_no", "message": "String should match pattern"}
                return problem(422, "Invalid request fields: query.flight_no", errors=[error])
            return JSONResponse(self.page)
        match = re.fullmatch(r"/flights/(\d+)/seat_map", request.url.path)
        if match and request.method == "GET":
            seat_map = self.seat_maps.get(int(match[1]))
            if seat_map is None:
                return problem(404, f"no flight with id {match[1]}")
            encoded = json.dumps(seat_map).encode()
            etag = f'"{hashlib.sha256(encoded).hexdigest()[:16]}"'
            if request.headers.get("If-None-Match") == etag:
                return Response(status_code=304, headers={"ETag": etag})
            return Response(encoded, media_type="application/json", headers={"ETag": etag})
        return problem(404)


class FakeReservationsService(Upstream):
    def reset(self) -> None:
        super().reset()
        self.held: dict[tuple[str, str], str] = {}

    async def answer(self, request: Request, body: bytes) -> Response:
        path, method = request.url.path, request.method
        if path == "/reservations" and method == "PUT":
            fields = json.loads(body)
            key = (fields["flight_id"], fields["seat_num"])
            holder = self.held.get(key)
            if holder is None:
                self.held[key] = fields["customer_id"]
                return JSONResponse(fields, 201)
            if holder == fields["customer_id"]:
                return JSONResponse(fields, 200)
            return problem(409, "held by another customer")
        if path == "/reservations" and method == "GET":
            flight_id = request.query_params["flight_id"]
            return JSONResponse({s: c for (f, s), c in self.held.items() if f == flight_id})
        match = re.fullmatch(r"/reservations/([^/]+)/([^/]+)", path)
        if match and method == "DELETE":
            key = (match[1], match[2])
            holder = self.held.get(key)
            if holder is None:
                return problem(404, "nobody holds the seat")
            if holder != request.query_params["customer_id"]:
                return problem(409, "held by another customer")
            del self.held[key]
            return Response(status_code=204)
        return problem(404)
