"""The service clients against scripted transports: retries, error mapping, request ids,
and seat map revalidation with ETags."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest

from api.clients.flights import FlightsClient
from api.clients.http import ClientConfig
from api.clients.reservations import ReservationsClient
from api.ports import (
    BadUpstreamResponse,
    FlightNotFound,
    Released,
    Reserved,
    UpstreamRejected,
    UpstreamUnavailable,
)
from api.tests.fakes import SEAT_MAP
from chassis import Outcome, Status
from chassis.requestid import bind, unbind

T = TypeVar("T")
CONFIG = ClientConfig(retries=2, retry_backoff=0.001)
Step = httpx.Response | type[httpx.TransportError]


class Script:
    """A transport answering with ``steps`` in order (a response, or an exception class to
    raise) and recording every request."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0)
        if isinstance(step, httpx.Response):
            return step
        raise step("scripted failure", request=request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(make())


def flights(script: Script, config: ClientConfig = CONFIG) -> FlightsClient:
    return FlightsClient("http://flights.test", config, transport=script.transport)


def reservations(script: Script, config: ClientConfig = CONFIG) -> ReservationsClient:
    return ReservationsClient("http://reservations.test", config, transport=script.transport)


def problem(status: int, **members: Any) -> httpx.Response:
    body = {"type": "about:blank", "title": "x", "status": status, **members}
    return httpx.Response(status, json=body, headers={"Content-Type": "application/problem+json"})


# --- retries ------------------------------------------------------------------------------


def test_a_failed_connection_is_retried() -> None:
    script = Script(httpx.ConnectError, httpx.Response(200, json={}))
    assert run(lambda: reservations(script).holders(1)) == {}
    assert len(script.requests) == 2


def test_retries_are_bounded_and_then_the_service_is_unavailable() -> None:
    script = Script(httpx.ConnectError, httpx.ReadTimeout, httpx.ConnectError)
    with pytest.raises(UpstreamUnavailable, match="unreachable"):
        run(lambda: reservations(script).holders(1))
    assert len(script.requests) == 3  # one attempt and CONFIG.retries retries


def test_a_timeout_names_the_timeout() -> None:
    script = Script(httpx.ReadTimeout)
    config = ClientConfig(retries=0, read_timeout=1.5)
    with pytest.raises(UpstreamUnavailable, match=r"no answer within 1.5s"):
        run(lambda: reservations(script, config).holders(1))


def test_a_503_is_not_retried_and_keeps_its_retry_after() -> None:
    script = Script(httpx.Response(503, headers={"Retry-After": "7"}))
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
    script = Script(httpx.Response(502), httpx.Response(200, json={"12A": "bob"}))
    assert run(lambda: reservations(script).holders(1)) == {"12A": "bob"}


def test_health_probes_are_never_retried() -> None:
    script = Script(httpx.ConnectError, httpx.Response(200, json={"status": "pass"}))
    with pytest.raises(UpstreamUnavailable):
        run(lambda: flights(script).health())
    assert len(script.requests) == 1


# --- reservations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(201, Reserved.NEWLY), (200, Reserved.ALREADY), (409, Reserved.TAKEN)],
)
def test_reserve_outcomes(status: int, outcome: Reserved) -> None:
    script = Script(httpx.Response(status, json={}))
    assert run(lambda: reservations(script).reserve(5, "12C", "cust-42")) is outcome
    request = script.requests[0]
    assert (request.method, request.url.path) == ("PUT", "/reservations")
    assert json.loads(request.content) == {
        "flight_id": "5",
        "seat_num": "12C",
        "customer_id": "cust-42",
    }


def test_a_200_after_a_timed_out_put_may_be_our_own_reservation() -> None:
    script = Script(httpx.ReadTimeout, httpx.Response(200, json={}))
    assert run(lambda: reservations(script).reserve(5, "12C", "c")) is Reserved.AFTER_RETRY


def test_a_200_after_a_put_that_never_connected_is_a_plain_200() -> None:
    script = Script(httpx.ConnectError, httpx.Response(200, json={}))
    assert run(lambda: reservations(script).reserve(5, "12C", "c")) is Reserved.ALREADY


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(204, Released.RELEASED), (404, Released.NOT_HELD), (409, Released.HELD_BY_OTHER)],
)
def test_release_outcomes(status: int, outcome: Released) -> None:
    script = Script(httpx.Response(status))
    assert run(lambda: reservations(script).release(5, "12C", "cust-42")) is outcome
    request = script.requests[0]
    assert request.method == "DELETE"
    assert str(request.url) == "http://reservations.test/reservations/5/12C?customer_id=cust-42"


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>oops</html>"),
        httpx.Response(200, json=["12A"]),
        httpx.Response(200, json={"12A": 42}),
    ],
    ids=["not-json", "not-an-object", "not-strings"],
)
def test_holders_that_are_not_a_seat_map_are_a_bad_response(response: httpx.Response) -> None:
    with pytest.raises(BadUpstreamResponse):
        run(lambda: reservations(Script(response)).holders(1))


def test_an_undocumented_status_is_a_bad_response() -> None:
    with pytest.raises(BadUpstreamResponse, match="PUT /reservations answered 422"):
        run(lambda: reservations(Script(problem(422))).reserve(1, "1A", "c"))


# --- request ids --------------------------------------------------------------------------


def test_the_request_id_is_forwarded() -> None:
    script = Script(httpx.Response(200, json={}), httpx.Response(200, json={}))

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


def seat_map_response(etag: str | None = '"v1"') -> httpx.Response:
    headers = {"ETag": etag} if etag else {}
    return httpx.Response(200, json=SEAT_MAP, headers=headers)


def test_a_seat_map_is_revalidated_with_its_etag() -> None:
    script = Script(seat_map_response(), httpx.Response(304, headers={"ETag": '"v1"'}))

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
        seat_map_response(), httpx.Response(200, json=changed, headers={"ETag": '"v2"'})
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
        run(lambda: flights(Script(httpx.Response(304))).seat_map(3))


def test_a_malformed_seat_map_is_a_bad_response() -> None:
    broken = {**SEAT_MAP, "cabins": [{"cabin_class": "steerage"}]}
    with pytest.raises(BadUpstreamResponse, match="no seat map"):
        run(lambda: flights(Script(httpx.Response(200, json=broken))).seat_map(3))


def test_search_passes_the_query_and_returns_the_page_as_sent() -> None:
    page = b'{"items": [], "next_cursor": null}'
    script = Script(httpx.Response(200, content=page))
    query = [("origin", "JFK"), ("departure_date", "2026-12-01")]
    assert run(lambda: flights(script).search(query)) == page
    assert script.requests[0].url.query == b"origin=JFK&departure_date=2026-12-01"


def test_search_rejections_carry_the_problem() -> None:
    errors = [{"field": "query.flight_no", "message": "String should match pattern"}]
    with pytest.raises(UpstreamRejected) as failure:
        run(lambda: flights(Script(problem(422, errors=errors))).search([("flight_no", "x")]))
    assert failure.value.status == 422
    assert failure.value.problem["errors"] == errors


def test_a_search_answer_that_is_no_page_is_a_bad_response() -> None:
    with pytest.raises(BadUpstreamResponse, match="no page"):
        run(lambda: flights(Script(httpx.Response(200, json={"flights": []}))).search([]))


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx.Response(200, json={"status": "pass"}), None),
        (
            httpx.Response(200, json={"status": "warn"}),
            Outcome(Status.WARN, "flights reports warn"),
        ),
    ],
)
def test_health_relays_pass_and_warn(response: httpx.Response, expected: Outcome | None) -> None:
    assert run(lambda: flights(Script(response)).health()) == expected


def test_health_fails_when_the_service_fails() -> None:
    script = Script(httpx.Response(503, json={"status": "fail"}))
    with pytest.raises(UpstreamUnavailable, match="503 with status 'fail'"):
        run(lambda: flights(script).health())
