"""The service clients against scripted transports: retries, error mapping, request ids,
seat map revalidation with ETags and freshness, search pages kept while fresh, concurrent
reads of held seats coalesced; then the aiohttp transport over real HTTP on 127.0.0.1: what
it sends, and how it classifies each failure."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest

from api.clients import freshness
from api.clients.cache import SearchPageCache
from api.clients.flights import FlightsClient
from api.clients.http import AiohttpTransport, ClientConfig, Reply, Transport, TransportFailure
from api.clients.reservations import ReservationsClient
from api.model import (
    Booking,
    BookingNotFound,
    FlightNotFound,
    NotYourBooking,
    Released,
    SeatsUnavailable,
)
from api.ports import BadUpstreamResponse, UpstreamRejected, UpstreamUnavailable
from api.tests.fakes import SEAT_MAP
from api.tests.servers import refusing
from api.tests.upstreams import Seen
from chassis import Outcome, Status
from chassis.requestid import bind, unbind

T = TypeVar("T")
CONFIG = ClientConfig(retries=2, retry_backoff=0.001)


@dataclass(frozen=True)
class Canned:
    """An answer for Script to give."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


def answer(
    status: int,
    *,
    json_body: Any = None,
    text: str = "",
    headers: Mapping[str, str] | None = None,
) -> Canned:
    body = json.dumps(json_body).encode() if json_body is not None else text.encode()
    return Canned(status, body, headers or {})


NOT_CONNECTED = TransportFailure("unreachable (connection failed)")
LOST = TransportFailure("no answer within 3s")  # it may have landed
Step = Canned | TransportFailure


class Script:
    """A transport answering with ``steps`` in order and recording every request."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[Seen] = []

    async def request(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes | None
    ) -> Reply:
        self.requests.append(Seen(method, path, query, dict(headers), body))
        step = self.steps.pop(0)
        if isinstance(step, TransportFailure):
            raise step
        headers = {name.lower(): value for name, value in step.headers.items()}
        return Reply(method, path, step.status, headers, step.body)

    async def aclose(self) -> None:
        pass


def run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(make())


def flights(script: Script, config: ClientConfig = CONFIG, **options: Any) -> FlightsClient:
    return FlightsClient("http://flights.test", config, transport=script, **options)


def reservations(transport: Transport, config: ClientConfig = CONFIG) -> ReservationsClient:
    return ReservationsClient("http://reservations.test", config, transport=transport)


def problem(status: int, **members: Any) -> Canned:
    body = {"type": "about:blank", "title": "x", "status": status, **members}
    return answer(status, json_body=body, headers={"Content-Type": "application/problem+json"})


# --- retries ------------------------------------------------------------------------------


def test_a_failed_connection_is_retried() -> None:
    script = Script(NOT_CONNECTED, answer(200, json_body={}))
    assert run(lambda: reservations(script).holders(1)) == {}
    assert len(script.requests) == 2


def test_retries_are_bounded_and_then_the_service_is_unavailable() -> None:
    script = Script(NOT_CONNECTED, LOST, NOT_CONNECTED)
    with pytest.raises(UpstreamUnavailable, match="unreachable"):
        run(lambda: reservations(script).holders(1))
    assert len(script.requests) == 3  # one attempt and CONFIG.retries retries


def test_the_last_failure_is_named() -> None:
    script = Script(LOST)
    config = ClientConfig(retries=0)
    with pytest.raises(UpstreamUnavailable, match=r"GET /reservations: no answer within 3s"):
        run(lambda: reservations(script, config).holders(1))


def test_a_503_is_not_retried_and_keeps_its_retry_after() -> None:
    script = Script(answer(503, headers={"retry-after": "7"}))
    with pytest.raises(UpstreamUnavailable) as failure:
        run(lambda: reservations(script).holders(1))
    assert failure.value.retry_after == 7
    assert len(script.requests) == 1


def test_a_500_is_a_bad_response_and_not_retried() -> None:
    script = Script(problem(500))
    with pytest.raises(BadUpstreamResponse, match="answered 500"):
        run(lambda: reservations(script).holders(1))
    assert len(script.requests) == 1


def test_a_gateway_error_is_retried() -> None:
    script = Script(answer(502), answer(200, json_body={"12A": "bob"}))
    assert run(lambda: reservations(script).holders(1)) == {"12A": "bob"}


def test_health_probes_are_never_retried() -> None:
    script = Script(NOT_CONNECTED, answer(200, json_body={"status": "pass"}))
    with pytest.raises(UpstreamUnavailable):
        run(lambda: flights(script).health())
    assert len(script.requests) == 1


# --- reservations -------------------------------------------------------------------------


BOOKING_ID = "01JE5Z8Q4W6V0G2X9R3M7T1B5K"
BOOKING_DOCUMENT = {
    "id": BOOKING_ID,
    "flight_id": "5",
    "customer_id": "cust-42",
    "seats": ["12C", "12D"],
    "status": "confirmed",
    "created_at": "2026-12-03T12:00:00.123Z",
}
BOOKING = Booking(
    BOOKING_ID, 5, "cust-42", ("12C", "12D"), "confirmed", "2026-12-03T12:00:00.123Z"
)


def booking_of(script: Script) -> Any:
    return reservations(script).book(5, "cust-42", ("12C", "12D"), "key-1")


@pytest.mark.parametrize(("status", "replayed"), [(201, False), (200, True)])
def test_a_booking_is_one_post_with_its_key(status: int, replayed: bool) -> None:
    script = Script(answer(status, json_body=BOOKING_DOCUMENT))

    booked = run(lambda: booking_of(script))

    assert (booked.booking, booked.replayed) == (BOOKING, replayed)
    request = script.requests[0]
    assert (request.method, request.path) == ("POST", "/bookings")
    assert request.headers["Idempotency-Key"] == "key-1"
    assert request.body is not None
    assert json.loads(request.body) == {
        "flight_id": "5",
        "customer_id": "cust-42",
        "seats": ["12C", "12D"],
    }


def test_a_booking_whose_answer_was_lost_is_sent_again_with_the_same_key() -> None:
    script = Script(LOST, answer(200, json_body=BOOKING_DOCUMENT))

    assert run(lambda: booking_of(script)).booking == BOOKING

    assert [r.headers["Idempotency-Key"] for r in script.requests] == ["key-1", "key-1"]


def test_held_seats_are_a_seats_unavailable_listing_them() -> None:
    script = Script(problem(409, seats=["12D"]))
    with pytest.raises(SeatsUnavailable) as refused:
        run(lambda: booking_of(script))
    assert refused.value.seats == ["12D"]


def test_a_key_used_for_another_booking_is_passed_on() -> None:
    error = {"field": "header.Idempotency-Key", "message": "used for another booking"}
    script = Script(problem(422, detail="Idempotency-Key reused", errors=[error]))
    with pytest.raises(UpstreamRejected) as rejected:
        run(lambda: booking_of(script))
    assert rejected.value.problem["errors"] == [error]


@pytest.mark.parametrize(
    "response",
    [
        problem(409),
        answer(201, json_body={**BOOKING_DOCUMENT, "flight_id": 5}),
        answer(201, json_body={**BOOKING_DOCUMENT, "seats": "12C"}),
        answer(201, text="<html>"),
    ],
    ids=["409-without-seats", "int-flight", "seats-not-a-list", "not-json"],
)
def test_a_booking_answer_outside_the_contract_is_a_bad_response(response: Canned) -> None:
    with pytest.raises(BadUpstreamResponse):
        run(lambda: booking_of(Script(response)))


def test_reading_a_booking() -> None:
    script = Script(answer(200, json_body=BOOKING_DOCUMENT), problem(404))
    client = reservations(script)

    assert run(lambda: client.booking(BOOKING_ID)) == BOOKING
    with pytest.raises(BookingNotFound):
        run(lambda: client.booking(BOOKING_ID))
    assert script.requests[0].path == f"/bookings/{BOOKING_ID}"


def test_a_customers_bookings_page_by_page() -> None:
    cancelled = {**BOOKING_DOCUMENT, "status": "cancelled", "cancelled_at": "2026-12-03T13:00:00Z"}
    page = {"items": [cancelled], "next_cursor": BOOKING_ID}
    script = Script(answer(200, json_body=page))

    found = run(lambda: reservations(script).bookings("cust-42", 1, "01JE5Z8Q4W6V0G2X9R3M7T1B5Z"))

    assert found.next_cursor == BOOKING_ID
    assert [(b.status, b.cancelled_at) for b in found.items] == [
        ("cancelled", "2026-12-03T13:00:00Z")
    ]
    assert script.requests[0].query == (
        "customer_id=cust-42&limit=1&cursor=01JE5Z8Q4W6V0G2X9R3M7T1B5Z"
    )


@pytest.mark.parametrize(
    ("response", "error"),
    [(problem(404), BookingNotFound), (problem(409), NotYourBooking)],
)
def test_cancelling_a_booking(response: Canned, error: type[Exception]) -> None:
    script = Script(answer(204), response)
    client = reservations(script)

    run(lambda: client.cancel(BOOKING_ID, "cust-42"))
    with pytest.raises(error):
        run(lambda: client.cancel(BOOKING_ID, "cust-42"))
    request = script.requests[0]
    assert (request.method, request.path, request.query) == (
        "DELETE",
        f"/bookings/{BOOKING_ID}",
        "customer_id=cust-42",
    )


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(204, Released.RELEASED), (404, Released.NOT_HELD), (409, Released.HELD_BY_OTHER)],
)
def test_release_outcomes(status: int, outcome: Released) -> None:
    script = Script(answer(status))
    assert run(lambda: reservations(script).release(5, "12C", "cust-42")) is outcome
    request = script.requests[0]
    assert request.method == "DELETE"
    assert (request.path, request.query) == ("/reservations/5/12C", "customer_id=cust-42")


@pytest.mark.parametrize(
    "response",
    [
        answer(200, text="<html>oops</html>"),
        answer(200, json_body=["12A"]),
        answer(200, json_body={"12A": 42}),
    ],
    ids=["not-json", "not-an-object", "not-strings"],
)
def test_holders_that_are_not_a_seat_map_are_a_bad_response(response: Canned) -> None:
    with pytest.raises(BadUpstreamResponse):
        run(lambda: reservations(Script(response)).holders(1))


def test_an_undocumented_status_is_a_bad_response() -> None:
    with pytest.raises(BadUpstreamResponse, match="GET /bookings/X answered 401"):
        run(lambda: reservations(Script(problem(401))).booking("X"))


# --- request ids --------------------------------------------------------------------------


def test_the_request_id_is_forwarded() -> None:
    script = Script(answer(200, json_body={}), answer(200, json_body={}))

    async def calls() -> None:
        client = reservations(script)
        await client.holders(1)  # outside a request: none to forward
        token = bind("req-7")
        try:
            await client.holders(1)
        finally:
            unbind(token)

    run(calls)
    assert [r.headers.get("X-Request-ID") for r in script.requests] == [None, "req-7"]


# --- flights ------------------------------------------------------------------------------


def seat_map_response(etag: str | None = '"v1"') -> Canned:
    headers = {"ETag": etag} if etag else {}
    return answer(200, json_body=SEAT_MAP, headers=headers)


def test_a_seat_map_is_revalidated_with_its_etag() -> None:
    script = Script(seat_map_response(), answer(304, headers={"ETag": '"v1"'}))

    async def twice() -> None:
        client = flights(script)
        first = await client.seat_map(3)
        second = await client.seat_map(3)
        assert second is first  # from the cache, not parsed again
        assert first.seat_numbers == {"1A"}

    run(twice)
    assert "If-None-Match" not in script.requests[0].headers
    assert script.requests[1].headers["If-None-Match"] == '"v1"'


def test_a_changed_seat_map_replaces_the_cached_one() -> None:
    changed = {**SEAT_MAP, "configuration": "E175-F8Y70"}
    script = Script(
        seat_map_response(), answer(200, json_body=changed, headers={"ETag": '"v2"'})
    )

    async def twice() -> str:
        client = flights(script)
        await client.seat_map(3)
        configuration = (await client.seat_map(3)).configuration
        cached = client.cache.get(3)
        assert cached is not None
        assert cached[0] == '"v2"'
        return configuration

    assert run(twice) == "E175-F8Y70"


def test_a_seat_map_without_etag_is_not_cached() -> None:
    script = Script(seat_map_response(etag=None), seat_map_response(etag=None))

    async def twice() -> None:
        client = flights(script)
        await client.seat_map(3)
        await client.seat_map(3)
        assert len(client.cache) == 0

    run(twice)
    assert "If-None-Match" not in script.requests[1].headers


def test_an_unknown_flight_is_not_found_and_forgotten() -> None:
    script = Script(seat_map_response(), problem(404))

    async def twice() -> None:
        client = flights(script)
        await client.seat_map(3)
        with pytest.raises(FlightNotFound):
            await client.seat_map(3)
        assert client.cache.get(3) is None

    run(twice)


def test_a_304_to_an_unconditional_request_is_a_bad_response() -> None:
    with pytest.raises(BadUpstreamResponse, match="304"):
        run(lambda: flights(Script(answer(304))).seat_map(3))


def test_a_malformed_seat_map_is_a_bad_response() -> None:
    broken = {**SEAT_MAP, "cabins": [{"cabin_class": "steerage"}]}
    with pytest.raises(BadUpstreamResponse, match="no seat map"):
        run(lambda: flights(Script(answer(200, json_body=broken))).seat_map(3))


def test_search_passes_the_query_and_returns_the_page_as_sent() -> None:
    page = b'{"items": [], "next_cursor": null}'
    script = Script(Canned(200, page))
    query = [("origin", "JFK"), ("departure_date", "2026-12-01")]
    assert run(lambda: flights(script).search(query)) == page
    assert script.requests[0].query == "origin=JFK&departure_date=2026-12-01"


def test_search_rejections_carry_the_problem() -> None:
    errors = [{"field": "query.flight_no", "message": "String should match pattern"}]
    with pytest.raises(UpstreamRejected) as failure:
        run(lambda: flights(Script(problem(422, errors=errors))).search([("flight_no", "x")]))
    assert failure.value.status == 422
    assert failure.value.problem["errors"] == errors


def test_a_search_answer_that_is_no_page_is_a_bad_response() -> None:
    with pytest.raises(BadUpstreamResponse, match="no page"):
        run(lambda: flights(Script(answer(200, json_body={"flights": []}))).search([]))


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (answer(200, json_body={"status": "pass"}), None),
        (
            answer(200, json_body={"status": "warn"}),
            Outcome(Status.WARN, "flights reports warn"),
        ),
    ],
)
def test_health_relays_pass_and_warn(response: Canned, expected: Outcome | None) -> None:
    assert run(lambda: flights(Script(response)).health()) == expected


def test_health_fails_when_the_service_fails() -> None:
    script = Script(answer(503, json_body={"status": "fail"}))
    with pytest.raises(UpstreamUnavailable, match="503 with status 'fail'"):
        run(lambda: flights(script).health())


# --- seat map freshness -------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


FRESH_FOR_300 = {"ETag": '"v1"', "Cache-Control": "public, max-age=300, must-revalidate"}


def test_a_fresh_seat_map_is_used_without_asking() -> None:
    clock = Clock()
    script = Script(answer(200, json_body=SEAT_MAP, headers=FRESH_FOR_300))

    async def calls() -> None:
        client = flights(script, clock=clock)
        first = await client.seat_map(3)
        clock.now += 299
        assert await client.seat_map(3) is first

    run(calls)
    assert len(script.requests) == 1


def test_a_stale_seat_map_is_revalidated_and_a_304_makes_it_fresh_again() -> None:
    clock = Clock()
    script = Script(
        answer(200, json_body=SEAT_MAP, headers=FRESH_FOR_300),
        answer(304, headers=FRESH_FOR_300),
    )

    async def calls() -> None:
        client = flights(script, clock=clock)
        first = await client.seat_map(3)
        clock.now += 300
        assert await client.seat_map(3) is first  # revalidated: 304
        clock.now += 299
        assert await client.seat_map(3) is first  # fresh again, from the 304 on

    run(calls)
    assert len(script.requests) == 2
    assert script.requests[1].headers["If-None-Match"] == '"v1"'


def test_a_stale_seat_map_is_not_used_when_the_service_is_down() -> None:
    # must-revalidate: a layout that may have changed is no answer.
    clock = Clock()
    script = Script(answer(200, json_body=SEAT_MAP, headers=FRESH_FOR_300), NOT_CONNECTED)

    async def calls() -> None:
        client = flights(script, ClientConfig(retries=0), clock=clock)
        await client.seat_map(3)
        clock.now += 301
        with pytest.raises(UpstreamUnavailable):
            await client.seat_map(3)

    run(calls)


def test_max_age_caps_the_services_freshness() -> None:
    clock = Clock()
    script = Script(
        answer(200, json_body=SEAT_MAP, headers=FRESH_FOR_300), answer(304, headers=FRESH_FOR_300)
    )

    async def calls() -> None:
        client = flights(script, clock=clock, max_age=0)
        await client.seat_map(3)
        await client.seat_map(3)  # revalidated at once, as with no freshness at all

    run(calls)
    assert len(script.requests) == 2


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"cache-control": "public, max-age=300, must-revalidate"}, 300),
        ({"cache-control": "max-age=300", "age": "100"}, 200),
        ({"cache-control": "max-age=300", "age": "400"}, 0),
        ({"cache-control": "max-age=9999"}, 600),  # the cap
        ({"cache-control": "max-age=300, s-maxage=60"}, 60),
        ({"cache-control": "max-age=300, s-maxage=0"}, 0),
        ({"cache-control": "no-cache, max-age=300"}, 0),
        ({"cache-control": "no-store"}, 0),
        ({"cache-control": "private, max-age=300"}, 0),  # not for a shared cache like ours
        ({"cache-control": "max-age=soon"}, 0),
        ({}, 0),
    ],
)
def test_freshness_lifetime(headers: dict[str, str], seconds: float) -> None:
    assert freshness.lifetime(headers, cap=600) == seconds


# --- search pages kept while fresh --------------------------------------------------------

PAGE = b'{"items":[],"next_cursor":null}'
QUERY = [("origin", "JFK"), ("destination", "LHR"), ("departure_date", "2026-12-04")]


def search_page(cache_control: str | None = "public, max-age=30", age: int = 0) -> Canned:
    headers = {"Age": str(age)}
    if cache_control is not None:
        headers["Cache-Control"] = cache_control
    return Canned(200, PAGE, headers)


def test_a_search_page_is_kept_while_the_service_says_it_is_fresh() -> None:
    clock = Clock()
    script = Script(search_page(age=10), search_page(age=0))

    async def calls() -> None:
        client = flights(script, clock=clock)
        assert await client.search(QUERY) == PAGE
        clock.now += 19.9  # max-age 30 less the 10 s it had already been kept by flights
        assert await client.search(QUERY) == PAGE
        assert len(script.requests) == 1
        clock.now += 0.1
        assert await client.search(QUERY) == PAGE  # stale: asked again
        assert len(script.requests) == 2

    run(calls)


def test_search_pages_are_kept_by_query() -> None:
    script = Script(search_page(), search_page())

    async def calls() -> None:
        client = flights(script)
        await client.search(QUERY)
        await client.search([*QUERY, ("limit", "5")])
        await client.search(QUERY)
        await client.search([*QUERY, ("limit", "5")])

    run(calls)
    assert [r.query for r in script.requests] == [
        "origin=JFK&destination=LHR&departure_date=2026-12-04",
        "origin=JFK&destination=LHR&departure_date=2026-12-04&limit=5",
    ]


@pytest.mark.parametrize(
    "cache_control",
    [None, "no-store", "no-cache, max-age=30", "private, max-age=30", "max-age=0"],
)
def test_a_search_page_the_service_does_not_let_us_reuse_is_asked_for_every_time(
    cache_control: str | None,
) -> None:
    script = Script(search_page(cache_control), search_page(cache_control))

    async def calls() -> None:
        client = flights(script)
        await client.search(QUERY)
        await client.search(QUERY)
        assert len(client.pages) == 0

    run(calls)
    assert len(script.requests) == 2


def test_search_max_age_caps_how_long_a_page_is_kept() -> None:
    clock = Clock()
    script = Script(search_page("max-age=600"), search_page("max-age=600"))

    async def calls() -> None:
        client = flights(script, clock=clock, search_max_age=60)
        await client.search(QUERY)
        clock.now += 60
        await client.search(QUERY)

    run(calls)
    assert len(script.requests) == 2


def test_search_rejections_and_failures_are_not_kept() -> None:
    errors = [{"field": "query.flight_no", "message": "String should match pattern"}]
    script = Script(
        problem(422, errors=errors),
        problem(422, errors=errors),
        answer(503, headers={"Cache-Control": "max-age=30"}),
        search_page(),
    )

    async def calls() -> None:
        client = flights(script, ClientConfig(retries=0))
        for _ in range(2):
            with pytest.raises(UpstreamRejected):
                await client.search([("flight_no", "x")])
        with pytest.raises(UpstreamUnavailable):
            await client.search(QUERY)
        assert await client.search(QUERY) == PAGE  # recovered at once: nothing kept

    run(calls)
    assert len(script.requests) == 4


def test_a_search_answer_that_is_no_page_is_not_kept() -> None:
    script = Script(
        answer(200, json_body={"flights": []}, headers={"Cache-Control": "max-age=30"}),
        search_page(),
    )

    async def calls() -> None:
        client = flights(script)
        with pytest.raises(BadUpstreamResponse):
            await client.search(QUERY)
        assert await client.search(QUERY) == PAGE

    run(calls)


def test_the_search_page_cache_is_bounded_by_bytes_least_recently_used_first() -> None:
    cache = SearchPageCache(max_bytes=30)
    cache.put("a", b"x" * 9, fresh_until=10, now=0)  # 10 bytes with its key
    cache.put("b", b"x" * 9, fresh_until=10, now=0)
    cache.put("c", b"x" * 9, fresh_until=10, now=0)
    assert cache.get("a", now=1) is not None  # "b" is now the least recently used
    cache.put("d", b"x" * 9, fresh_until=10, now=1)
    assert [cache.get(k, now=1) is not None for k in "abcd"] == [True, False, True, True]
    assert (len(cache), cache.size) == (3, 30)
    cache.put("e", b"x" * 30, fresh_until=10, now=1)  # bigger than the whole cache
    assert cache.get("e", now=1) is None
    assert cache.size == 30


def test_the_search_page_cache_drops_a_page_once_it_is_stale() -> None:
    cache = SearchPageCache(max_bytes=100)
    cache.put("a", b"page", fresh_until=10, now=0)
    assert cache.get("a", now=9.9) == b"page"
    assert cache.get("a", now=10) is None
    assert (len(cache), cache.size) == (0, 0)
    cache.put("a", b"page", fresh_until=10, now=10)  # already stale: not kept
    assert len(cache) == 0
    with pytest.raises(ValueError, match="at least 1"):
        SearchPageCache(0)


# --- held seats: concurrent reads coalesced -----------------------------------------------


class Gated:
    """A transport whose answers wait until the test releases them, one gate per request,
    each answering with ``holders`` as they were when the request was sent."""

    def __init__(self) -> None:
        self.holders: dict[str, str] = {}
        self.requests: list[Seen] = []
        self.gates: list[asyncio.Future[Step]] = []

    async def request(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes | None
    ) -> Reply:
        self.requests.append(Seen(method, path, query, dict(headers), body))
        snapshot = dict(self.holders)
        gate: asyncio.Future[Step] = asyncio.get_running_loop().create_future()
        self.gates.append(gate)
        step = await gate
        if isinstance(step, TransportFailure):
            raise step
        if step.status == 200 and not step.body:
            step = answer(200, json_body=snapshot)
        return Reply(method, path, step.status, dict(step.headers), step.body)

    def release(self, index: int, step: Step | None = None) -> None:
        self.gates[index].set_result(step or Canned(200))

    async def aclose(self) -> None:
        pass


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def ask(client: ReservationsClient) -> asyncio.Task[dict[str, str]]:
    """A caller of ``holders(7)`` that has asked: its request is sent, or it waits for the
    next one."""
    caller = asyncio.ensure_future(client.holders(7))
    await settle()
    return caller


def test_concurrent_reads_of_held_seats_share_requests() -> None:
    transport = Gated()
    transport.holders = {"12A": "bob"}

    async def calls() -> None:
        client = reservations(transport)
        first = await ask(client)
        others = [asyncio.ensure_future(client.holders(7)) for _ in range(9)]
        await settle()
        assert len(transport.requests) == 1  # the rest wait for the next read
        transport.release(0)
        await settle()
        assert len(transport.requests) == 2
        transport.release(1)
        answers = [await first, *await asyncio.gather(*others)]
        assert answers == [{"12A": "bob"}] * 10
        answers[1]["12B"] = "mallory"  # each caller's own copy
        assert answers[2] == {"12A": "bob"}
        assert transport.requests[1].query == "flight_id=7"

    run(calls)


def test_a_cancellation_completed_before_a_read_was_asked_for_is_in_it() -> None:
    # A read that began before bob's cancellation completed is still in flight when the
    # next caller asks: that caller must get a read that began after it asked.
    transport = Gated()
    transport.holders = {"12A": "bob"}

    async def calls() -> None:
        client = reservations(transport)
        before = await ask(client)
        transport.holders = {}  # the cancellation completes
        after = await ask(client)
        transport.release(0)
        await settle()
        transport.release(1)
        assert await before == {"12A": "bob"}
        assert await after == {}

    run(calls)


def test_a_503_fails_only_the_callers_that_shared_it() -> None:
    transport = Gated()

    async def calls() -> None:
        client = reservations(transport)
        failing = [asyncio.ensure_future(client.holders(7)) for _ in range(3)]
        await settle()
        unavailable = answer(503, headers={"retry-after": "2"})
        transport.release(0, unavailable)
        await settle()
        transport.release(1, unavailable)
        results = await asyncio.gather(*failing, return_exceptions=True)
        assert all(isinstance(r, UpstreamUnavailable) for r in results), results
        recovered = await ask(client)
        transport.release(2)
        assert await recovered == {}

    run(calls)
    # The first caller's read, then one shared by the other two, then the recovery.
    assert len(transport.requests) == 3


# --- the aiohttp transport, over real HTTP ------------------------------------------------


class Upstream:
    """A minimal HTTP/1.1 server on 127.0.0.1 that records each request (request line,
    headers, body) and answers with ``respond``; ``None`` drops the connection unanswered."""

    def __init__(self, respond: Callable[[bytes], bytes | None]) -> None:
        self.respond = respond
        self.requests: list[bytes] = []

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                response = self.respond(request)
                if response is None:
                    break
                writer.write(response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def http_answer(status: int, body: bytes = b"{}", extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{extra}"
    return head.encode() + b"Content-Length: %d\r\n\r\n" % len(body) + body


async def one_request(
    upstream: Upstream,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes | None,
) -> Reply:
    """One request through a fresh aiohttp transport to UPSTREAM while it serves."""
    async with upstream.serving() as url:
        transport = AiohttpTransport(url, CONFIG)
        try:
            return await transport.request(method, path, query, headers, body)
        finally:
            await transport.aclose()


def test_the_transport_sends_the_request_as_built() -> None:
    upstream = Upstream(lambda _: http_answer(201, b'{"ok":true}', "ETag: \"x\"\r\n"))

    reply = run(
        lambda: one_request(
            upstream, "PUT", "/reservations", "a=b%20c", {"X-Request-ID": "r1"}, b'{"k":1}'
        )
    )
    assert (reply.status, reply.body, reply.headers["etag"]) == (201, b'{"ok":true}', '"x"')
    sent = upstream.requests[0]
    assert sent.startswith(b"PUT /reservations?a=b%20c HTTP/1.1\r\n")
    assert b"\r\nX-Request-ID: r1\r\n" in sent
    assert b"\r\nUser-Agent: flightres-api/1.0\r\n" in sent
    assert sent.endswith(b'\r\n\r\n{"k":1}')


def test_a_redirect_is_an_answer_not_followed() -> None:
    upstream = Upstream(lambda _: http_answer(307, b"", "Location: /elsewhere\r\n"))

    assert run(lambda: one_request(upstream, "PUT", "/reservations", "", {}, b"{}")).status == 307
    assert len(upstream.requests) == 1


def test_a_refused_connection_is_named() -> None:
    async def call() -> None:
        with refusing() as nowhere:
            transport = AiohttpTransport(nowhere, CONFIG)
            try:
                await transport.request("PUT", "/reservations", "", {}, b"{}")
            finally:
                await transport.aclose()

    with pytest.raises(TransportFailure, match="unreachable"):
        run(call)


def test_no_answer_in_time_names_the_timeout() -> None:
    async def call() -> None:
        async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            await asyncio.sleep(5)
            writer.close()

        server = await asyncio.start_server(hang, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        transport = AiohttpTransport(f"http://127.0.0.1:{port}", ClientConfig(read_timeout=0.2))
        try:
            await transport.request("GET", "/reservations", "", {}, None)
        finally:
            await transport.aclose()
            server.close()

    with pytest.raises(TransportFailure, match=r"no answer within 0.2s"):
        run(call)


def test_a_dropped_delete_is_attempted_once_per_retry() -> None:
    # aiohttp would resend an idempotent request on its own when the connection breaks,
    # doubling the attempts, and with them the worst-case wait, behind ServiceClient's back.
    answers: list[bytes | None] = [None, None, http_answer(204)]
    upstream = Upstream(lambda _: answers.pop(0))

    async def release() -> Released:
        async with upstream.serving() as url:
            client = ReservationsClient(url, ClientConfig(retries=1, retry_backoff=0.001))
            try:
                return await client.release(5, "12C", "c")
            finally:
                await client.aclose()

    with pytest.raises(UpstreamUnavailable):
        run(release)
    assert len(upstream.requests) == 2
