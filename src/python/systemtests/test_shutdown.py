"""Graceful shutdown: on SIGTERM a service finishes the requests it has accepted, takes no new
ones and exits on its own within its grace period (what Kubernetes and `docker stop` expect)."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx

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


def connected_clients(url: str, count: int) -> list[httpx.Client]:
    """Clients with a connection already open, one per request to send concurrently.

    A client made in the request's own thread (TLS context, connect) can take longer than the
    tests' head start on a busy machine; its request then goes out after SIGTERM and is
    rightly refused, which is not what these tests are about."""
    clients = [httpx.Client(base_url=url, timeout=20) for _ in range(count)]
    for client in clients:
        assert client.get("/ping").status_code == 200
    return clients


def status(client: httpx.Client, method: str, path: str, **kwargs: Any) -> int | str:
    """The status code, or what went wrong when no HTTP answer came."""
    try:
        return client.request(method, path, **kwargs).status_code
    except httpx.HTTPError as exc:
        return repr(exc)


def test_the_api_layer_finishes_in_flight_requests_on_sigterm(stack: Stack) -> None:
    api, flights = stack.container("api"), stack.container("flights")
    api_url = stack.api_url
    uncached = flights_today(stack)[13:18]  # seat maps the API has not cached: it asks flights
    clients = connected_clients(api_url, len(uncached))
    pool = ThreadPoolExecutor(max_workers=len(uncached))
    flights.pause()  # requests to flights hang, so the API's requests stay in flight
    try:
        in_flight: list[Future[int | str]] = [
            pool.submit(status, client, "GET", f"/flights/{flight_id}/seats")
            for client, flight_id in zip(clients, uncached, strict=True)
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


def test_reservations_finishes_in_flight_requests_on_sigterm(stack: Stack) -> None:
    reservations, redis = stack.container("reservations"), stack.container("redis")
    url = stack.url("reservations")
    flight_id = flights_today(stack)[18]
    seats = ["40A", "40B", "40C", "40D"]
    clients = connected_clients(url, len(seats))

    def reserve(client: httpx.Client, seat: str) -> int | str:
        body = {"flight_id": str(flight_id), "seat_num": seat, "customer_id": f"term-{seat}"}
        return status(client, "PUT", "/reservations", json=body)

    pool = ThreadPoolExecutor(max_workers=len(seats))
    redis.pause()  # reservations' requests wait on Redis (up to its 1 s timeout)
    try:
        in_flight = [
            pool.submit(reserve, client, seat) for client, seat in zip(clients, seats, strict=True)
        ]
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
