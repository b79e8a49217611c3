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
    """A request as a stand-in received it (here, or in a scripted transport)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes | None  # None: sent without a body


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
        # Sent with every search page; the real service sends "public, max-age=30" and Age.
        self.search_headers: dict[str, str] = {}

    async def answer(self, request: Request, body: bytes) -> Response:
        if request.url.path == "/flights" and request.method == "GET":
            flight_no = request.query_params.get("flight_no")
            if flight_no is not None and not re.fullmatch(
                r"[A-Z0-9]{2}[0-9]{1,4}[A-Z]?", flight_no
            ):
                error = {"field": "query.flight_no", "message": "String should match pattern"}
                return problem(422, "Invalid request fields: query.flight_no", errors=[error])
            return JSONResponse(self.page, headers=self.search_headers)
        one = re.fullmatch(r"/flights/(\d+)", request.url.path)
        if one and request.method == "GET":
            found = [f for f in self.page["items"] if f["id"] == int(one[1])]
            return JSONResponse(found[0]) if found else problem(404, f"no flight with id {one[1]}")
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
    """Bookings all-or-nothing, keys replaying their booking, ids in creation order."""

    def reset(self) -> None:
        super().reset()
        self.held: dict[tuple[str, str], str] = {}
        self.bookings: dict[str, dict[str, Any]] = {}
        self.keys: dict[tuple[str, str], str] = {}  # (customer, key) -> booking id

    def booked(self, flight_id: str, customer_id: str, *seats: str) -> dict[str, Any]:
        """Make a booking as the service would, and return its document."""
        booking_id = f"01JE5Z8Q4W6V0G2X9R3M7T{len(self.bookings):04d}"
        booking = {
            "id": booking_id,
            "flight_id": flight_id,
            "customer_id": customer_id,
            "seats": list(seats),
            "status": "confirmed",
            "created_at": "2026-12-03T12:00:00.123Z",
        }
        self.bookings[booking_id] = booking
        self.held.update({(flight_id, seat): customer_id for seat in seats})
        return booking

    async def answer(self, request: Request, body: bytes) -> Response:
        path, method, query = request.url.path, request.method, request.query_params
        if path == "/bookings" and method == "POST":
            return self._book(json.loads(body), request.headers["idempotency-key"])
        if path == "/bookings" and method == "GET":
            mine = [b for b in self.bookings.values() if b["customer_id"] == query["customer_id"]]
            mine.sort(key=lambda b: str(b["id"]), reverse=True)
            if "cursor" in query:
                mine = [b for b in mine if b["id"] < query["cursor"]]
            limit = int(query["limit"])
            next_cursor = mine[limit - 1]["id"] if len(mine) > limit else None
            return JSONResponse({"items": mine[:limit], "next_cursor": next_cursor})
        match = re.fullmatch(r"/bookings/([^/]+)", path)
        if match:
            booking = self.bookings.get(match[1])
            if booking is None:
                return problem(404, "no such booking")
            if method == "GET":
                return JSONResponse(booking)
            if booking["customer_id"] != query["customer_id"]:
                return problem(409, "another customer's booking")
            for seat in booking["seats"]:
                self.held.pop((booking["flight_id"], seat), None)
            booking.update(status="cancelled", cancelled_at="2026-12-03T13:00:00.000Z")
            return Response(status_code=204)
        if path == "/reservations" and method == "GET":
            flight_id = query["flight_id"]
            return JSONResponse({s: c for (f, s), c in self.held.items() if f == flight_id})
        match = re.fullmatch(r"/reservations/([^/]+)/([^/]+)", path)
        if match and method == "DELETE":
            key = (match[1], match[2])
            holder = self.held.get(key)
            if holder is None:
                return problem(404, "nobody holds the seat")
            if holder != query["customer_id"]:
                return problem(409, "held by another customer")
            del self.held[key]
            return Response(status_code=204)
        return problem(404)

    def _book(self, fields: dict[str, Any], key: str) -> Response:
        flight_id, customer_id, seats = fields["flight_id"], fields["customer_id"], fields["seats"]
        earlier = self.keys.get((customer_id, key))
        if earlier is not None:
            booking = self.bookings[earlier]
            if (booking["flight_id"], booking["seats"]) != (flight_id, seats):
                error = {"field": "header.Idempotency-Key", "message": "used for another booking"}
                return problem(422, "Idempotency-Key reused", errors=[error])
            return JSONResponse(booking, 200, {"Location": f"/bookings/{earlier}"})
        taken = [seat for seat in seats if (flight_id, seat) in self.held]
        if taken:
            return problem(409, f"Nothing was booked: {', '.join(taken)} held", seats=taken)
        booking = self.booked(flight_id, customer_id, *seats)
        self.keys[customer_id, key] = booking["id"]
        return JSONResponse(booking, 201, {"Location": f"/bookings/{booking['id']}"})
