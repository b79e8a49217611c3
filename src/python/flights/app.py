"""HTTP layer: translates requests into use cases and results into JSON (spec: openapi.yaml,
design-first: ``/openapi.json`` serves it and the tests check every response against it).

The app owns no connections at import time; ``create_app`` wires the chassis and the
lifespan opens the MySQL pool on startup and closes it on shutdown.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import date, datetime
from functools import partial
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Response

import chassis.fastapi
from chassis.health import Check
from chassis.openapi import committed
from chassis.params import CANONICAL_INT, ISO_DATE
from chassis.problems import Problem, validation_problem
from flights.model import (
    AIRPORT_CODE_PATTERN,
    DEFAULT_PAGE_SIZE,
    FLIGHT_NO_PATTERN,
    MAX_PAGE_SIZE,
    Flight,
    InvalidInputError,
    SearchCriteria,
    utc,
)
from flights.repository import MySqlFlightRepository
from flights.services import FlightNotFoundError, FlightRepository, FlightsService, PublishedSeatMap
from flights.settings import Settings

T = TypeVar("T")

SERVICE = "flights"
VERSION = "1.0.0"  # of the API, as in openapi.yaml
# Seat maps change only when a configuration changes, which is rare, and every revalidation
# is a cheap 304 from memory. must-revalidate: once the 5 minutes are up a cache has to ask
# (and fail rather than show a possibly wrong layout if it cannot), which bounds how stale a
# client's seat map can be: max-age plus the server-side cache TTLs (services.py).
SEAT_MAP_CACHE_CONTROL = "public, max-age=300, must-revalidate"
MAX_FLIGHT_ID = 2**63 - 1


class Repository(FlightRepository, Protocol):
    def ping(self) -> None: ...

    def close(self) -> None: ...


# --- routes --------------------------------------------------------------------------------

router = APIRouter()


class Backend:
    """What the routes need: the use cases, and the threads that run their blocking MySQL
    calls. As many threads as pool connections: more would only queue on the pool while
    contending for the GIL (measured: about a third more CPU per lookup)."""

    def __init__(self, service: FlightsService, threads: int) -> None:
        self.service = service
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="mysql")

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        # With the caller's context, so logs from the call keep the request id.
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(context.run, call, *args))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


async def _backend(request: Request) -> Backend:
    # async: FastAPI would run a plain def dependency in its thread pool, a hop per request.
    backend = request.app.state.backend
    assert isinstance(backend, Backend)
    return backend


Flights = Annotated[Backend, Depends(_backend)]
FlightId = Annotated[int, Path(ge=1, le=MAX_FLIGHT_ID), CANONICAL_INT]


@router.get("/flights")
async def search_flights(
    flights: Flights,
    flight_no: Annotated[str | None, Query(pattern=FLIGHT_NO_PATTERN)] = None,
    departure_date: Annotated[date | None, Query(), ISO_DATE] = None,
    origin: Annotated[str | None, Query(pattern=AIRPORT_CODE_PATTERN)] = None,
    destination: Annotated[str | None, Query(pattern=AIRPORT_CODE_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE), CANONICAL_INT] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> Response:
    """Flights matching every given filter, by departure time; ``next_cursor`` fetches the
    next page. ``flight_no`` + ``departure_date`` is the lookup of one flight (0 or 1 item)."""
    try:
        criteria = SearchCriteria(flight_no, departure_date, origin, destination, limit)
        page = await flights.run(flights.service.search, criteria, cursor)
    except InvalidInputError as exc:
        raise validation_problem([{"loc": ("query", exc.field), "msg": exc.message}]) from exc
    items = [_flight(flight) for flight in page.items]
    return _json({"items": items, "next_cursor": page.next_cursor})


@router.get("/flights/{flight_id}")
async def get_flight(flights: Flights, flight_id: FlightId) -> Response:
    try:
        return _json(_flight(await flights.run(flights.service.flight, flight_id)))
    except FlightNotFoundError as exc:
        raise Problem(404, detail=str(exc)) from exc


@router.get("/flights/{flight_id}/seat_map")
async def get_seat_map(
    flights: Flights,
    flight_id: FlightId,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    # A cache hit, the common case, is answered here on the event loop; only a miss goes to
    # a thread for MySQL.
    published = flights.service.cached_seat_map(flight_id)
    if published is None:
        try:
            published = await flights.run(flights.service.seat_map, flight_id)
        except FlightNotFoundError as exc:
            raise Problem(404, detail=str(exc)) from exc
    headers = {"ETag": published.etag, "Cache-Control": SEAT_MAP_CACHE_CONTROL}
    if if_none_match is not None and _matches(if_none_match, published):
        return Response(status_code=304, headers=headers)
    return Response(published.body, media_type="application/json", headers=headers)


def _matches(if_none_match: str, published: PublishedSeatMap) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2): ``W/`` does not matter."""
    if if_none_match.strip() == "*":
        return True
    tags = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return published.etag in tags


def _flight(flight: Flight) -> dict[str, Any]:
    return {
        "id": flight.id,
        "flight_no": flight.flight_no,
        "departure_date": flight.departure_date.isoformat(),
        "origin": flight.origin,
        "destination": flight.destination,
        "departure_time": _utc(flight.departure_time),
        "arrival_time": _utc(flight.arrival_time),
        "aircraft_type": flight.aircraft_type,
    }


def _utc(moment: datetime) -> str:
    return utc(moment).isoformat().replace("+00:00", "Z")


def _json(body: Any) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")


# --- the app ---------------------------------------------------------------------------


def create_app(settings: Settings, repo: Repository | None = None) -> FastAPI:
    """The ASGI app. Given a ``repo``, the caller owns it; otherwise the lifespan opens a
    MySQL pool from ``settings`` (connections are made on first use, so the service starts,
    and reports itself unhealthy, while MySQL is down) and closes it on shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = repo is None
        active = repo or MySqlFlightRepository.create(
            settings.database,
            size=settings.pool_size,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
        )
        app.state.repo = active
        service = FlightsService(
            active,
            seat_map_ttl=settings.seat_map_cache_ttl,
            flight_ttl=settings.flight_cache_ttl,
        )
        app.state.backend = Backend(service, settings.pool_size)
        try:
            yield
        finally:
            app.state.backend.close()
            if owned:
                active.close()

    app = FastAPI(
        title="Flights",
        version=VERSION,
        lifespan=lifespan,
        # The routes themselves: include_router would wrap them in a router of its own, which
        # the chassis (the Allow header of a 405) and the route check cannot see into.
        routes=router.routes,
        redoc_url=None,
        # A path with a trailing "/" (or a decoded %2f) is not in the spec: a 404 problem, not
        # an empty 307 to some other path.
        redirect_slashes=False,
    )

    def mysql_reachable() -> None:
        app.state.repo.ping()

    chassis.fastapi.install(
        app,
        service=SERVICE,
        version=VERSION,
        checks=[Check("mysql", "datastore", mysql_reachable, timeout=settings.connect_timeout + 1)],
        spec=committed("flights"),
    )
    return app
