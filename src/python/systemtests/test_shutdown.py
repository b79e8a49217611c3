"""Graceful shutdown: on SIGTERM a service finishes the requests it has accepted, takes no new
ones and exits on its own within its grace period (what Kubernetes and `docker stop` expect)."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import pytest

from systemtests.stack import Stack
from systemtests.system import flights_today, health, wait_for

# uvicorn's timeout_graceful_shutdown (api, flights) is 10 s, gunicorn's graceful_timeout 20 s.
GRACE = {"api": 10, "reservations": 20}


def get(url: str) -> int:
    """The status of a GET, 0 when no HTTP answer came (refused, reset, cut off)."""
    try:
        return httpx.get(url, timeout=20).status_code
    except httpx.HTTPError:
        return 0


def test_the_api_layer_finishes_in_flight_requests_on_sigterm(stack: Stack) -> None:
    api, flights = stack.container("api"), stack.container("flights")
    api_url = stack.api_url
    uncached = flights_today(stack)[13:18]  # seat maps the API has not cached: it asks flights
    pool = ThreadPoolExecutor(max_workers=len(uncached))
    flights.pause()  # requests to flights hang, so the API's requests stay in flight
    try:
        in_flight: list[Future[int]] = [
            pool.submit(get, f"{api_url}/flights/{flight_id}/seats") for flight_id in uncached
        ]
        time.sleep(0.5)
        api.kill(signal="SIGTERM")
        sent_at = time.monotonic()
        time.sleep(0.5)
        assert get(f"{api_url}/ping") == 0  # no new requests once shutting down
    finally:
        flights.unpause()
    assert [future.result() for future in in_flight] == [200] * len(uncached)
    exit_status = api.wait(timeout=GRACE["api"] + 5)
    assert time.monotonic() - sent_at <= GRACE["api"]
    assert exit_status["StatusCode"] == 0
    api.start()
    wait_for(lambda: health(stack) == (200, "pass"), 30, "the API after its restart")


@pytest.mark.xfail(
    strict=False,
    reason="KNOWN BUG (open): in the container, on SIGTERM, gunicorn (gthread) answers the "
    "requests its workers are handling, but requests sent ~0.3 s earlier that never reached "
    "the app are cut off ('Server disconnected without sending a response'); seen in 3 of 4 "
    "runs. The same PEX outside a container finished all four in 3 of 3 runs: suspect the "
    "published port's proxy or PID 1. See the closing note of the reliability issue.",
)
def test_reservations_finishes_in_flight_requests_on_sigterm(stack: Stack) -> None:
    reservations, redis = stack.container("reservations"), stack.container("redis")
    url = stack.url("reservations")
    flight_id = flights_today(stack)[18]

    def reserve(seat: str) -> int | str:
        body = {"flight_id": str(flight_id), "seat_num": seat, "customer_id": f"term-{seat}"}
        try:
            return httpx.put(f"{url}/reservations", json=body, timeout=20).status_code
        except httpx.HTTPError as exc:
            return repr(exc)

    seats = ["40A", "40B", "40C", "40D"]
    pool = ThreadPoolExecutor(max_workers=len(seats))
    redis.pause()  # reservations' requests wait on Redis (up to its 1 s timeout)
    try:
        in_flight = [pool.submit(reserve, seat) for seat in seats]
        time.sleep(0.3)
        reservations.kill(signal="SIGTERM")
        sent_at = time.monotonic()
    finally:
        time.sleep(0.2)
        redis.unpause()
    # Each accepted request is answered: reserved if Redis came back within its timeout,
    # else a clean 503; never a dropped connection.
    results = [future.result() for future in in_flight]
    assert set(results) <= {201, 503}, (results, reservations.logs(tail=30))
    exit_status = reservations.wait(timeout=GRACE["reservations"] + 5)
    assert time.monotonic() - sent_at <= GRACE["reservations"]
    assert exit_status["StatusCode"] == 0
    reservations.start()
    wait_for(lambda: health(stack) == (200, "pass"), 30, "reservations after its restart")
