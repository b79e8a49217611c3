"""HTTP layer: translates requests into use cases and results into JSON (spec: openapi.yaml,
design-first: ``/openapi.json`` serves it and the tests check every response against it).

The app owns no connections at import time; ``create_app`` wires the chassis and the
lifespan opens the MySQL pool on startup and closes it on shutdown.
"""

from __future__ import annotations

import json.encoder
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

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
    Page,
    SearchCriteria,
    utc,
)
from flights.pagecache import PageCache
from flights.repository import MySqlFlightRepository
from flights.services import FlightNotFoundError, FlightRepository, FlightsService, PublishedSeatMap
from flights.settings import Settings
from flights.threads import Threads

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
    """What the routes need: the use cases, the threads that run their blocking MySQL
    calls, and the search pages served lately. As many threads as pool connections: more
    would only queue on the pool while contending for the GIL (measured: about a third more
    CPU per lookup)."""

    def __init__(self, service: FlightsService, threads: int, search_ttl: float) -> None:
        self.service = service
        self._threads = Threads(threads, "mysql")
        self.pages = PageCache(search_ttl)
        # How long a cache (the API layer) may reuse a page: as long as this service does.
        self.search_cache_control = f"public, max-age={int(search_ttl)}" if search_ttl > 0 else None

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        return await self._threads.run(call, *args)

    def close(self) -> None:
        self._threads.close()


def _flights(request: Request) -> Backend:
    backend = request.app.state.backend
    assert isinstance(backend, Backend)
    return backend


async def _backend(request: Request) -> Backend:
    # async: FastAPI would run a plain def dependency in its thread pool, a hop per request.
    return _flights(request)


Flights = Annotated[Backend, Depends(_backend)]
FlightId = Annotated[int, Path(ge=1, le=MAX_FLIGHT_ID), CANONICAL_INT]


class SearchQuery(BaseModel):
    """The search's query parameters, validated in one pass (the spec's rules, as FastAPI
    would check them one by one for ``Query`` parameters: the same errors and messages).

    One model instead of six FastAPI parameters: FastAPI works out each parameter's kind
    and aliases again on every request, which was about a third of a search's CPU outside
    MySQL (py-spy, and A/B runs of the endpoint in process)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    flight_no: Annotated[str | None, Field(pattern=FLIGHT_NO_PATTERN)] = None
    departure_date: Annotated[date | None, ISO_DATE] = None
    origin: Annotated[str | None, Field(pattern=AIRPORT_CODE_PATTERN)] = None
    destination: Annotated[str | None, Field(pattern=AIRPORT_CODE_PATTERN)] = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE), CANONICAL_INT] = DEFAULT_PAGE_SIZE
    cursor: Annotated[str | None, Field(min_length=1, max_length=200)] = None


@router.get("/flights")
async def search_flights(request: Request) -> Response:
    """Flights matching every given filter, by departure time; ``next_cursor`` fetches the
    next page. ``flight_no`` + ``departure_date`` is the lookup of one flight (0 or 1 item).

    The same query string within ``FLIGHTS_SEARCH_CACHE_TTL`` (30 s) gets the same page
    from memory, on the event loop (pagecache.py): a page reflects the database as of at
    most that long ago, as an equipment swap takes that long to show in seat maps."""
    flights = _flights(request)
    query_string: bytes = request.scope["query_string"]
    cached = flights.pages.get(query_string)
    if cached is not None:
        return _search_page(flights, cached[1], age=cached[0])
    try:
        # As FastAPI reads a query parameter: the last value of a repeated one.
        query = SearchQuery.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise RequestValidationError(_in_query(exc.errors())) from exc
    try:
        criteria = SearchCriteria(
            query.flight_no, query.departure_date, query.origin, query.destination, query.limit
        )
        page = await flights.run(flights.service.search, criteria, query.cursor)
    except InvalidInputError as exc:
        raise validation_problem([{"loc": ("query", exc.field), "msg": exc.message}]) from exc
    body = _page_json(page).encode()
    flights.pages.put(query_string, body)
    return _search_page(flights, body, age=0.0)


def _search_page(flights: Backend, body: bytes, age: float) -> Response:
    """The page, with how long a cache may reuse it: what is left of the time this service
    keeps it (``Age`` counts against ``max-age``, RFC 9111 4.2.3)."""
    control = flights.search_cache_control
    if control is None:
        return Response(body, media_type="application/json")
    headers = {"Cache-Control": control, "Age": str(int(age))}
    return Response(body, media_type="application/json", headers=headers)


def _in_query(errors: list[Any]) -> list[dict[str, Any]]:
    return [{**error, "loc": ("query", *error["loc"])} for error in errors]


@router.get("/flights/{flight_id}")
async def get_flight(flights: Flights, flight_id: FlightId) -> Response:
    try:
        flight = await flights.run(flights.service.flight, flight_id)
    except FlightNotFoundError as exc:
        raise Problem(404, detail=str(exc)) from exc
    return Response(_flight_json(flight), media_type="application/json")


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


def _utc(moment: datetime) -> str:
    return utc(moment).isoformat().replace("+00:00", "Z")


# json.dumps' own string escaping (ASCII only, as json.dumps writes by default).
_quote: Callable[[str], str] = json.encoder.encode_basestring_ascii


def _flight_json(flight: Flight) -> str:
    """The flight as ``json.dumps`` of its fields would write it (compact), without building
    the dict and walking it with the generic encoder: a search page is mostly this."""
    return (
        f'{{"id":{flight.id:d},"flight_no":{_quote(flight.flight_no)},'
        f'"departure_date":"{flight.departure_date.isoformat()}",'
        f'"origin":{_quote(flight.origin)},"destination":{_quote(flight.destination)},'
        f'"departure_time":"{_utc(flight.departure_time)}",'
        f'"arrival_time":"{_utc(flight.arrival_time)}",'
        f'"aircraft_type":{_quote(flight.aircraft_type)}}}'
    )


def _page_json(page: Page) -> str:
    """``{"items": [...], "next_cursor": ...}`` as json.dumps writes it (compact)."""
    cursor = "null" if page.next_cursor is None else _quote(page.next_cursor)
    items = ",".join(_flight_json(flight) for flight in page.items)
    return f'{{"items":[{items}],"next_cursor":{cursor}}}'


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
            aircraft_types_ttl=settings.seat_map_cache_ttl,
        )
        app.state.repo = active
        service = FlightsService(
            active,
            seat_map_ttl=settings.seat_map_cache_ttl,
            flight_ttl=settings.flight_cache_ttl,
        )
        app.state.backend = Backend(service, settings.pool_size, settings.search_cache_ttl)
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
