"""HTTP layer: turn requests into use-case calls and outcomes into responses, nothing else.

The routes are the ones in ``openapi.yaml`` (a test holds them together). The chassis adds
``/ping``, ``/health``, ``/metrics``, request ids, JSON logs and problem+json errors.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, request

from chassis import Check, DependencyUnavailable, Problem, validation_problem
from chassis.flask import install
from reservations import services
from reservations.model import Event, InvalidInput, Released, Reserved
from reservations.services import ReservationStore, StoreUnavailable
from reservations.settings import Settings
from reservations.store import RedisStore

log = logging.getLogger(__name__)

# A reservation is three short ids; anything bigger is a mistake or an attack (413).
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
    install(app, service="reservations", checks=[Check("redis", "datastore", store.ping)])

    @app.put("/reservations")
    def reserve_seat() -> Response:
        body = request.get_json()  # the chassis answers 415 / 400 for non-JSON bodies
        if not isinstance(body, dict):
            raise Problem(400, detail="Request body must be a JSON object")
        with _translated("body"):
            reservation, outcome = services.reserve(store, body)
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
        with _translated("query", in_path=("flight_id", "seat_num")):
            outcome = services.release(store, fields)
        if outcome is Released.NOT_HELD:
            raise Problem(404, detail=f"Nobody holds seat {seat_num} on flight {flight_id}")
        if outcome is Released.HELD_BY_OTHER:
            raise Problem(
                409, detail=f"Seat {seat_num} on flight {flight_id} is held by another customer"
            )
        return _no_content()

    @app.get("/events")
    def read_events() -> Response:
        with _translated("query"):
            page = services.read_events(
                store, since=request.args.get("since"), count=request.args.get("count")
            )
        return _json({"events": [_event(e) for e in page.events], "next": page.next})

    return app


@contextmanager
def _translated(location: str, *, in_path: Collection[str] = ()) -> Iterator[None]:
    """Use-case failures to problems: bad input → 422 naming each field where the client put
    it (``body.seat_num``, ``path.seat_num``, ``query.count``), store down → 503."""
    try:
        yield
    except InvalidInput as exc:
        errors = [
            {"loc": ("path" if e.field in in_path else location, e.field), "msg": e.message}
            for e in exc.errors
        ]
        raise validation_problem(errors) from exc
    except StoreUnavailable as exc:
        log.warning("answering 503: %s", exc)  # the cause; the client only hears "retry"
        raise DependencyUnavailable("redis") from exc


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


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")
