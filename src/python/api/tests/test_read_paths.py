"""The read paths through the whole app, over real HTTP, with the fake services: seat
availability with held-seat reads coalesced (a write that completed before a read was asked
for is always in its answer), and search pages kept while the flights service says they are
fresh."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.app import create_app
from api.clients.http import ClientConfig
from api.tests.conftest import Fakes, api_settings, bearer
from testsupport.serving import serving_asgi


def seats_of(document: dict[str, Any]) -> dict[str, bool]:
    return {
        seat["number"]: seat["available"]
        for cabin in document["cabins"]
        for row in cabin["rows"]
        for seat in row["seats"]
    }


@contextmanager
def served_api(fakes: Fakes) -> Iterator[tuple[str, FastAPI]]:
    # A held-back read must stay in flight until the test lets it go: no timeout, no retry.
    upstream = ClientConfig(read_timeout=30, retries=0)
    settings = replace(api_settings(fakes.flights_url, fakes.reservations_url), upstream=upstream)
    app = create_app(settings)
    with serving_asgi(app) as url:
        yield url, app


def until(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


class HeldRead:
    """Holds the reservations service's first read of held seats of flight 1 until
    released, answering with the holds as they were when it arrived."""

    def __init__(self, fakes: Fakes) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.held_back = False
        service = fakes.reservations

        async def hook(request: Request) -> Response | None:
            if request.url.path != "/reservations" or self.held_back:
                return None
            self.held_back = True
            snapshot = {seat: c for (flight, seat), c in service.held.items() if flight == "1"}
            self.arrived.set()
            await asyncio.to_thread(self.release.wait, 10)
            return JSONResponse(snapshot)

        service.hook = hook


def get_seats(url: str) -> Future[httpx.Response]:
    pool = ThreadPoolExecutor(1)
    future = pool.submit(httpx.get, f"{url}/flights/1/seats", timeout=10)
    pool.shutdown(wait=False)
    return future


def reads_waiting(app: FastAPI) -> int:
    waited: int = app.state.services.reservations.holder_reads.waited
    return waited


@pytest.mark.parametrize("write", ["cancel", "book"])
def test_a_write_that_completed_is_in_every_seat_read_asked_for_after_it(
    fakes: Fakes, write: str
) -> None:
    # A read of held seats that began before the write completed is still in flight when
    # the next seat map request arrives: that request must not get the old read's answer.
    booking = fakes.reservations.booked("1", "cust-1", "12A")
    held = HeldRead(fakes)
    with served_api(fakes) as (url, app):
        before = get_seats(url)
        assert held.arrived.wait(5)
        if write == "cancel":
            done = httpx.delete(
                f"{url}/bookings/{booking['id']}", headers=bearer("cust-1"), timeout=10
            )
            assert done.status_code == 204
        else:
            done = httpx.post(
                f"{url}/bookings",
                json={"flight_id": 1, "seats": ["12B"]},
                headers=bearer("cust-2"),
                timeout=10,
            )
            assert done.status_code == 201
        after = get_seats(url)
        until(lambda: reads_waiting(app) == 1, "the second request to wait for a read")
        held.release.set()
        first, second = before.result(10), after.result(10)

    assert (first.status_code, second.status_code) == (200, 200)
    assert seats_of(first.json())["12A"] is False  # asked before the write completed
    expected = {"cancel": ("12A", True), "book": ("12B", False)}[write]
    assert seats_of(second.json())[expected[0]] is expected[1]
    assert len(fakes.reservations.requests("GET")) == 2  # not the first read's answer


def test_a_503_of_a_shared_read_is_not_served_to_later_requests(fakes: Fakes) -> None:
    failures = {"left": 1}

    async def fail_once(request: Request) -> Response | None:
        if request.url.path == "/reservations" and failures["left"]:
            failures["left"] -= 1
            return JSONResponse({"status": "fail"}, 503, headers={"Retry-After": "3"})
        return None

    fakes.reservations.hook = fail_once
    with served_api(fakes) as (url, _):
        failed = httpx.get(f"{url}/flights/1/seats", timeout=10)
        recovered = httpx.get(f"{url}/flights/1/seats", timeout=10)

    assert (failed.status_code, failed.headers["Retry-After"]) == (503, "3")
    assert recovered.status_code == 200


def test_a_booking_of_a_taken_seat_is_still_a_409(fakes: Fakes) -> None:
    fakes.reservations.booked("1", "cust-2", "12A")
    with served_api(fakes) as (url, _):
        seats = httpx.get(f"{url}/flights/1/seats", timeout=10)
        refused = httpx.post(
            f"{url}/bookings",
            json={"flight_id": 1, "seats": ["12A", "12B"]},
            headers=bearer("cust-1"),
            timeout=10,
        )

    assert seats_of(seats.json())["12A"] is False
    assert refused.status_code == 409
    assert refused.json()["seats"] == ["12A"]


# --- search pages -------------------------------------------------------------------------


def test_a_search_page_the_flights_service_lets_us_keep_is_not_asked_for_again(
    fakes: Fakes,
) -> None:
    fakes.flights.search_headers = {"Cache-Control": "public, max-age=30", "Age": "0"}
    with served_api(fakes) as (url, _):
        answers = [
            httpx.get(f"{url}/flights?origin=JFK&departure_date=2026-12-01", timeout=10)
            for _ in range(3)
        ]
        other = httpx.get(f"{url}/flights?origin=LHR&departure_date=2026-12-01", timeout=10)

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[2].json() == fakes.flights.page
    assert other.status_code == 200
    assert [r.query for r in fakes.flights.requests("GET")] == [
        "origin=JFK&departure_date=2026-12-01",
        "origin=LHR&departure_date=2026-12-01",
    ]


def test_search_pages_without_freshness_are_asked_for_every_time(fakes: Fakes) -> None:
    with served_api(fakes) as (url, _):
        for _ in range(2):
            httpx.get(f"{url}/flights?origin=JFK", timeout=10)

    assert len(fakes.flights.requests("GET")) == 2
