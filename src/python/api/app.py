"""HTTP layer: requests to use-case calls, results and failures to responses (spec:
openapi.yaml, design-first; the tests check every response against it).

Nothing connects at import time: ``create_app`` wires the chassis, and the lifespan creates
the two service clients (unless the caller passes its own, which it then owns) and closes
them on shutdown. Nothing else lives in the process: no booking state (docs/adr/0014).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response
from prometheus_client import CollectorRegistry, ProcessCollector
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

import chassis.fastapi
from api import booking
from api.auth import Authenticator, Jwks, KeyFile, NotAuthenticated, Verifier
from api.availability import seat_availability
from api.clients.flights import FlightsClient
from api.clients.reservations import ReservationsClient
from api.model import (
    Booking,
    BookingNotFound,
    BookingRequest,
    FlightNotFound,
    NotYourBooking,
    Released,
    SeatsNotOnSeatMap,
    SeatsUnavailable,
)
from api.ports import BadUpstreamResponse, UpstreamError, UpstreamRejected, UpstreamUnavailable
from api.seatmap import SEAT_PATTERN
from api.settings import Settings
from chassis import Check, DependencyUnavailable, Problem
from chassis.openapi import committed
from chassis.params import CANONICAL_INT

SERVICE = "api"
VERSION = "1.0.0"  # of the API, as in openapi.yaml
MAX_FLIGHT_ID = 2**63 - 1
BOOKING_ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"  # a ULID, as the reservations service makes them
# A UUID, a ULID or base64 of 16-96 random bytes fits; a key ends up in a Redis key name.
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9+/=_.:-]{1,128}$"
MAX_SEATS = 9
MAX_PAGE = 100
MAX_FLIGHTS_CURSOR = 200  # as the flights service takes them
SEARCH_PARAMETERS = frozenset(
    {"flight_no", "departure_date", "origin", "destination", "limit", "cursor"}
)
PROBLEMS = "https://api.flightres.example/problems/"
REALM = "flightres"
JSON = "application/json"

# A booking of MAX_SEATS seats is well under 1 KiB; more is a mistake or an attack.
MAX_BODY_BYTES = 16 * 1024

FlightId = Annotated[int, Path(ge=1, le=MAX_FLIGHT_ID), CANONICAL_INT]
SeatNum = Annotated[str, StringConstraints(pattern=f"^{SEAT_PATTERN}$")]
BookingId = Annotated[str, Path(pattern=BOOKING_ID_PATTERN)]


class BookingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flight_id: int = Field(ge=1, le=MAX_FLIGHT_ID, strict=True)  # no "1", no true
    seats: list[SeatNum] = Field(min_length=1, max_length=MAX_SEATS)

    @field_validator("seats")
    @classmethod
    def _distinct(cls, seats: list[str]) -> list[str]:
        repeated = sorted({seat for seat in seats if seats.count(seat) > 1})
        if repeated:
            raise ValueError(f"seats must be distinct; repeated: {', '.join(repeated)}")
        return seats


@dataclass(frozen=True)
class Services:
    flights: FlightsClient
    reservations: ReservationsClient


async def _services(request: Request) -> Services:
    # async: FastAPI would run a plain def dependency in its thread pool, a hop per request.
    services = request.app.state.services
    assert isinstance(services, Services)
    return services


ServicesDep = Annotated[Services, Depends(_services)]


async def _customer(request: Request) -> str:
    """The customer the request's bearer token speaks for (docs/adr/0015)."""
    verifier: Authenticator = request.app.state.verifier
    try:
        return await verifier.customer(request.headers.get("authorization"))
    except NotAuthenticated as exc:
        challenge = f'Bearer realm="{REALM}"'
        if exc.error is not None:  # RFC 6750: no error code when no token was sent
            challenge += f', error="{exc.error}", error_description="{exc.description}"'
        headers = {"WWW-Authenticate": challenge}
        raise Problem(401, detail=exc.description, headers=headers) from None
    except UpstreamError as exc:
        raise _upstream_problem(exc) from exc


CustomerDep = Annotated[str, Depends(_customer)]


def create_app(
    settings: Settings,
    flights: FlightsClient | None = None,
    reservations: ReservationsClient | None = None,
    verifier: Authenticator | None = None,
) -> FastAPI:
    """The ASGI app. Clients passed in are the caller's to close; without a ``verifier``,
    tokens are verified as ``settings.auth`` says."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        flights_client = flights or FlightsClient(
            settings.flights_url,
            settings.upstream,
            cache_size=settings.seat_map_cache_size,
            max_age=settings.seat_map_max_age,
        )
        reservations_client = reservations or ReservationsClient(
            settings.reservations_url, settings.upstream
        )
        app.state.services = Services(flights_client, reservations_client)
        jwks = None
        if verifier is None:
            auth = settings.auth
            keys: Jwks | KeyFile
            if auth.jwks_url is not None:
                keys = jwks = Jwks(
                    auth.jwks_url,
                    settings.upstream,
                    min_refresh=auth.jwks_min_refresh,
                    max_age=auth.jwks_max_age,
                )
            else:
                assert auth.public_key_file is not None  # Settings requires one of the two
                keys = KeyFile(auth.public_key_file)
            app.state.verifier = Verifier(auth, keys)
            if jwks is not None:
                await _fetch_keys(jwks)
        else:
            app.state.verifier = verifier
        try:
            yield
        finally:
            if jwks is not None:
                await jwks.aclose()
            if flights is None:
                await flights_client.aclose()
            if reservations is None:
                await reservations_client.aclose()

    app = FastAPI(
        title="Flight reservations API",
        version=VERSION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        # A path with a trailing "/" (or a decoded %2f) is not in the spec: a 404 problem, not
        # an empty 307 to some other path.
        redirect_slashes=False,
    )

    async def flights_health() -> object:
        return await app.state.services.flights.health()

    async def reservations_health() -> object:
        return await app.state.services.reservations.health()

    # Both are required: no booking works without either.
    probe_timeout = settings.upstream.connect_timeout + settings.upstream.read_timeout
    chassis.fastapi.install(
        app,
        service=SERVICE,
        version=VERSION,
        registry=registry,
        max_body_bytes=MAX_BODY_BYTES,
        spec=committed("api"),
        checks=[
            Check("flights", "component", flights_health, timeout=probe_timeout),
            Check("reservations", "component", reservations_health, timeout=probe_timeout),
        ],
    )
    _routes(app)
    return app


async def _fetch_keys(jwks: Jwks) -> None:
    """The issuer's keys before the first request, so that it does not wait for them; an
    issuer down now is not a reason not to start (requests get 503 until it is back)."""
    with suppress(UpstreamUnavailable):
        await jwks.key_set(refresh=False)


def _routes(app: FastAPI) -> None:
    @app.get("/flights")
    async def search_flights(
        request: Request,
        services: ServicesDep,
        # Checked here as the flights service checks it (the spec says the same); passed on
        # with the other parameters.
        cursor: Annotated[str | None, Query(min_length=1, max_length=MAX_FLIGHTS_CURSOR)] = None,
    ) -> Response:
        """The flights service's search, same parameters, same answers."""
        query = [(k, v) for k, v in request.query_params.multi_items() if k in SEARCH_PARAMETERS]
        with _translated():
            page = await services.flights.search(query)
        return Response(page, media_type=JSON)

    @app.get("/flights/{flight_id}")
    async def flight(flight_id: FlightId, services: ServicesDep) -> Response:
        with _translated():
            document = await services.flights.flight(flight_id)
        return Response(document, media_type=JSON)

    @app.get("/flights/{flight_id}/seats")
    async def seats(flight_id: FlightId, services: ServicesDep) -> Response:
        with _translated():
            document = await seat_availability(flight_id, services.flights, services.reservations)
        return Response(document, media_type=JSON)

    @app.post("/bookings", status_code=201)
    async def book(
        body: BookingBody,
        customer: CustomerDep,
        services: ServicesDep,
        idempotency_key: Annotated[
            str | None, Header(alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY_PATTERN)
        ] = None,
    ) -> Response:
        request = BookingRequest(
            body.flight_id, customer, tuple(body.seats), idempotency_key
        )
        with _translated():
            booked = await booking.book(request, services.flights, services.reservations)
        headers = {"Location": f"/bookings/{booked.booking.id}"}
        if booked.replayed and idempotency_key is not None:  # not after our own retry only
            headers["Idempotent-Replayed"] = "true"
        return _json(_booking(booked.booking), 201, headers)

    @app.get("/bookings")
    async def list_bookings(
        customer: CustomerDep,
        services: ServicesDep,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE), CANONICAL_INT] = 20,
        cursor: Annotated[str | None, Query(pattern=BOOKING_ID_PATTERN)] = None,
    ) -> Response:
        with _translated():
            page = await services.reservations.bookings(customer, limit, cursor)
        items = [_booking(item) for item in page.items]
        return _json({"items": items, "next_cursor": page.next_cursor})

    @app.get("/bookings/{booking_id}")
    async def get_booking(
        booking_id: BookingId, customer: CustomerDep, services: ServicesDep
    ) -> Response:
        with _translated():
            found = await services.reservations.booking(booking_id)
            if found.customer_id != customer:  # as if it did not exist: no id probing
                raise BookingNotFound(booking_id)
        return _json(_booking(found))

    @app.delete("/bookings/{booking_id}", status_code=204)
    async def cancel_booking(
        booking_id: BookingId, customer: CustomerDep, services: ServicesDep
    ) -> Response:
        with _translated():
            await services.reservations.cancel(booking_id, customer)
        return Response(status_code=204)

    @app.delete("/bookings/{flight_id}/{seat_num}", status_code=204)
    async def cancel(
        flight_id: FlightId,
        seat_num: Annotated[str, Path(pattern=f"^{SEAT_PATTERN}$")],
        customer: CustomerDep,
        services: ServicesDep,
    ) -> Response:
        with _translated():
            outcome = await services.reservations.release(flight_id, seat_num, customer)
        if outcome is not Released.RELEASED:  # not held, or held by someone else: alike
            raise Problem(404, detail=f"You hold no seat {seat_num} on flight {flight_id}")
        return Response(status_code=204)


@contextmanager
def _translated() -> Iterator[None]:
    """Use-case and upstream failures to problems. Upstream trouble is 502 (an answer
    outside the contract) or 503 (down, slow, or overloaded: retry), never a 500."""
    try:
        yield
    except FlightNotFound as exc:
        raise Problem(404, detail=f"No flight with id {exc.flight_id}") from exc
    except SeatsNotOnSeatMap as exc:
        raise Problem(
            422,
            "Seats not on the seat map",
            str(exc),
            type_=PROBLEMS + "seats-not-on-seat-map",
            errors=[
                {"field": "body.seats", "message": f"seat {seat} is not on the seat map"}
                for seat in exc.seats
            ],
            seats=exc.seats,
        ) from exc
    except SeatsUnavailable as exc:
        raise Problem(
            409,
            "Seats unavailable",
            f"Nothing was booked: {', '.join(exc.seats)} already taken",
            type_=PROBLEMS + "seats-unavailable",
            seats=exc.seats,
        ) from exc
    except (BookingNotFound, NotYourBooking) as exc:  # alike: no probing for others' ids
        raise Problem(404, detail=f"You have no booking with id {exc.booking_id}") from exc
    except UpstreamRejected as exc:
        raise _passed_on(exc) from exc
    except UpstreamError as exc:
        raise _upstream_problem(exc) from exc


def _upstream_problem(error: UpstreamError) -> Problem:
    if isinstance(error, UpstreamUnavailable):
        return DependencyUnavailable(
            error.service,
            f"The {error.service} service is unavailable, please retry later",
            retry_after=error.retry_after,
        )
    assert isinstance(error, BadUpstreamResponse)
    return Problem(502, detail=f"The {error.service} service answered unexpectedly")


# Members the chassis sets itself on every problem it renders.
_OWN_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "request_id"})


def _passed_on(rejected: UpstreamRejected) -> Problem:
    """The service's problem as ours: same status, type, title, detail and extension
    members (e.g. ``errors``); ``instance`` and ``request_id`` become this request's."""
    upstream = rejected.problem
    return Problem(
        rejected.status,
        _str_or_none(upstream.get("title")),
        _str_or_none(upstream.get("detail")),
        type_=_str_or_none(upstream.get("type")) or "about:blank",
        **{k: v for k, v in upstream.items() if k not in _OWN_MEMBERS},
    )


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _booking(found: Booking) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": found.id,
        "flight_id": found.flight_id,
        "customer_id": found.customer_id,
        "seats": list(found.seats),
        "status": found.status,
        "created_at": found.created_at,
    }
    if found.cancelled_at is not None:
        document["cancelled_at"] = found.cancelled_at
    return document


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")), status, headers=headers, media_type=JSON
    )
