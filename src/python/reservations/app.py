"""HTTP layer: turn requests into use-case calls and outcomes into responses, nothing else.

The routes are the ones in ``openapi.yaml`` (a test holds them together). The chassis adds
``/ping``, ``/health``, ``/metrics``, ``/openapi.json`` (that file), request ids, JSON logs and
problem+json errors.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, request

from chassis import Check, DependencyUnavailable, Problem, validation_problem
from chassis.flask import install
from chassis.openapi import committed
from reservations import services
from reservations.model import (
    IDEMPOTENCY_KEY,
    Booked,
    Booking,
    BookingRequest,
    Cancelled,
    Event,
    InvalidInput,
    KeyReused,
    Released,
    Reserved,
    SeatsHeld,
)
from reservations.services import ReservationStore, StoreUnavailable
from reservations.settings import Settings
from reservations.store import RedisStore

log = logging.getLogger(__name__)

# A reservation is three short ids, a booking two ids and up to nine seat numbers; anything
# bigger is a mistake or an attack (413).
MAX_BODY_BYTES = 4096


def create_app(settings: Settings, store: ReservationStore | None = None) -> Flask:
    """The WSGI app. Creating it opens no connection; the store connects on first use."""
    if store is None:
        store = RedisStore.from_url(
            settings.redis_url,
            pool_size=settings.redis_pool_size,
            pool_timeout=settings.redis_pool_timeout,
            connect_timeout=settings.redis_connect_timeout,
            timeout=settings.redis_timeout,
            events_maxlen=settings.events_maxlen,
        )
    app = Flask(__name__, static_folder=None)
    # "//" in a path (also from a decoded %2f) is not in the spec: a 404 problem, not werkzeug's
    # 308 HTML redirect to a merged path. Set before any route is added.
    app.url_map.merge_slashes = False
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    install(
        app,
        service="reservations",
        checks=[Check("redis", "datastore", store.ping)],
        spec=committed("reservations"),
    )

    @app.put("/reservations")
    def reserve_seat() -> Response:
        with _translated("body"):
            reservation, outcome = services.reserve(store, _json_object())
        if outcome is Reserved.TAKEN:
            raise Problem(
                409,
                detail=f"Seat {reservation.seat_num} on flight {reservation.flight_id} "
                "is held by another customer",
            )
        return _json(
            {
                "flight_id": reservation.flight_id,
                "seat_num": reservation.seat_num,
                "customer_id": reservation.customer_id,
            },
            201 if outcome is Reserved.NEWLY else 200,
        )

    @app.get("/reservations")
    def list_reservations() -> Response:
        with _translated("query"):
            holders = services.seat_holders(store, request.args.get("flight_id"))
        return _json(holders)

    @app.delete("/reservations/<flight_id>/<seat_num>")
    def release_seat(flight_id: str, seat_num: str) -> Response:
        fields = {
            "flight_id": flight_id,
            "seat_num": seat_num,
            "customer_id": request.args.get("customer_id"),
        }
        with _translated("query", {"flight_id": "path", "seat_num": "path"}):
            outcome = services.release(store, fields)
        if outcome is Released.NOT_HELD:
            raise Problem(404, detail=f"Nobody holds seat {seat_num} on flight {flight_id}")
        if outcome is Released.HELD_BY_OTHER:
            raise Problem(
                409, detail=f"Seat {seat_num} on flight {flight_id} is held by another customer"
            )
        return _no_content()

    @app.post("/bookings")
    def book_seats() -> Response:
        with _translated("body", {IDEMPOTENCY_KEY: "header"}):
            booking_request, outcome = services.book(
                store, _json_object(), request.headers.get(IDEMPOTENCY_KEY)
            )
        match outcome:
            case Booked(booking, replayed):
                return _json(
                    _booking(booking),
                    200 if replayed else 201,
                    headers={"Location": f"/bookings/{booking.id}"},
                )
            case SeatsHeld(seats):
                raise _seats_held(booking_request, seats)
            case KeyReused():
                raise _key_reused(booking_request)

    @app.get("/bookings/<booking_id>")
    def get_booking(booking_id: str) -> Response:
        with _translated("path"):
            booking = services.booking(store, booking_id)
        if booking is None:
            raise Problem(404, detail=f"There is no booking {booking_id}")
        return _json(_booking(booking))

    @app.get("/bookings")
    def list_bookings() -> Response:
        with _translated("query"):
            page = services.customer_bookings(
                store,
                customer_id=request.args.get("customer_id"),
                limit=request.args.get("limit"),
                cursor=request.args.get("cursor"),
            )
        return _json({"items": [_booking(b) for b in page.items], "next_cursor": page.next_cursor})

    @app.delete("/bookings/<booking_id>")
    def cancel_booking(booking_id: str) -> Response:
        with _translated("query", {"booking_id": "path"}):
            outcome = services.cancel(store, booking_id, request.args.get("customer_id"))
        if outcome is Cancelled.NOT_FOUND:
            raise Problem(404, detail=f"There is no booking {booking_id}")
        if outcome is Cancelled.OTHER_CUSTOMER:
            raise Problem(409, detail=f"Booking {booking_id} is another customer's")
        return _no_content()  # cancelled now or before: a retry after a lost 204 gets 204

    @app.get("/events")
    def read_events() -> Response:
        with _translated("query"):
            page = services.read_events(
                store, since=request.args.get("since"), count=request.args.get("count")
            )
        return _json({"events": [_event(e) for e in page.events], "next": page.next})

    return app


def _json_object() -> dict[str, Any]:
    body = request.get_json()  # the chassis answers 415 / 400 for non-JSON bodies
    if not isinstance(body, dict):
        raise Problem(400, detail="Request body must be a JSON object")
    return body


@contextmanager
def _translated(location: str, elsewhere: Mapping[str, str] | None = None) -> Iterator[None]:
    """Use-case failures to problems: bad input → 422 naming each field where the client put
    it (``body.seat_num``, ``path.seat_num``, ``query.count``, ``header.Idempotency-Key``),
    store down → 503. Fields are in LOCATION unless ELSEWHERE maps them to theirs."""
    try:
        yield
    except InvalidInput as exc:
        places = elsewhere or {}
        errors = [
            {"loc": (places.get(e.field, location), e.field), "msg": e.message}
            for e in exc.errors
        ]
        raise validation_problem(errors) from exc
    except StoreUnavailable as exc:
        log.warning("answering 503: %s", exc)  # the cause; the client only hears "retry"
        raise DependencyUnavailable("redis") from exc


def _seats_held(booking_request: BookingRequest, seats: tuple[str, ...]) -> Problem:
    verb = "is" if len(seats) == 1 else "are"
    return Problem(
        409,
        detail=f"Nothing was booked: {', '.join(seats)} on flight {booking_request.flight_id} "
        f"{verb} already held",
        seats=list(seats),
    )


def _key_reused(booking_request: BookingRequest) -> Problem:
    message = "was already used for a different booking"
    return Problem(
        422,
        detail=f"{IDEMPOTENCY_KEY} {booking_request.idempotency_key} {message}",
        errors=[{"field": f"header.{IDEMPOTENCY_KEY}", "message": message}],
    )


def _booking(booking: Booking) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": booking.id,
        "flight_id": booking.flight_id,
        "customer_id": booking.customer_id,
        "seats": list(booking.seats),
        "status": booking.status.value,
        "created_at": booking.created_at,
    }
    if booking.cancelled_at is not None:
        body["cancelled_at"] = booking.cancelled_at
    return body


def _event(event: Event) -> dict[str, str]:
    return {
        "id": event.id,
        "type": event.type.value,
        "time": event.time,
        "flight_id": event.flight_id,
        "seat_num": event.seat_num,
        "customer_id": event.customer_id,
    }


def _no_content() -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]  # Flask's default text/html says there is a body
    return response


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status, headers=headers, mimetype="application/json")
