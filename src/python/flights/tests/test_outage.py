"""MySQL going away mid-test: fast 503s, then recovery without restarting the service."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from testsupport.servers import MysqlServer

# Settings in conftest: connect timeout 1 s, read timeout 2 s.
FAST = 3.0


def timed_get(client: TestClient, url: str, **kwargs: Any) -> tuple[Any, float]:
    started = time.monotonic()
    response = client.get(url, **kwargs)
    return response, time.monotonic() - started


def test_a_stopped_database_gives_fast_503s_and_the_service_recovers_by_itself(
    client: TestClient, mysql_server: MysqlServer
) -> None:
    flight = client.get("/flights", params={"origin": "JFK", "limit": 1}).json()["items"][0]
    url = f"/flights/{flight['id']}"
    assert client.get(url).status_code == 200  # the pool now holds a live connection

    mysql_server.stop()
    try:
        for path in (url, "/flights?origin=JFK"):
            response, elapsed = timed_get(client, path)
            assert response.status_code == 503, response.text
            assert elapsed < FAST
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["retry-after"] == "1"
            assert "mysql" in response.json()["detail"]
        health, elapsed = timed_get(client, "/health")
        assert health.status_code == 503
        assert elapsed < FAST
        assert health.json()["checks"]["mysql:responseTime"][0]["status"] == "fail"
        assert client.get("/ping").status_code == 200  # liveness does not depend on MySQL
    finally:
        mysql_server.start()

    # The pool's connections died with the server; the first request after it returns
    # must already succeed, not fail once on a stale connection.
    response = client.get(url)
    assert response.status_code == 200
    assert response.json() == flight
    assert client.get("/health").status_code == 200


def test_connections_that_died_with_the_server_are_replaced_on_first_use(
    client: TestClient, mysql_server: MysqlServer
) -> None:
    # Warm several pooled connections, restart MySQL with no request in between, then
    # expect every request to succeed: none may surface a dead pooled connection as a 503.
    flights = client.get("/flights", params={"origin": "DEN", "limit": 4}).json()["items"]
    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(lambda f: client.get(f"/flights/{f['id']}").status_code, flights)) == {
            200
        }
    mysql_server.stop()
    mysql_server.start()
    with ThreadPoolExecutor(4) as pool:
        statuses = list(
            pool.map(lambda f: client.get(f"/flights/{f['id']}").status_code, flights * 2)
        )
    assert statuses == [200] * 8


def test_cached_seat_maps_are_served_while_the_database_is_down(
    client: TestClient, mysql_server: MysqlServer
) -> None:
    flight = client.get("/flights", params={"origin": "SFO", "limit": 1}).json()["items"][0]
    url = f"/flights/{flight['id']}/seat_map"
    warm = client.get(url)
    assert warm.status_code == 200
    with mysql_server.stopped():
        # No MySQL round trip for a warm seat map, full response or 304 alike.
        assert client.get(url).content == warm.content
        revalidated = client.get(url, headers={"If-None-Match": warm.headers["etag"]})
        assert revalidated.status_code == 304
        assert client.get(f"/flights/{flight['id']}").status_code == 503


def test_an_unresponsive_database_gives_a_503_within_the_timeouts(
    client: TestClient, mysql_server: MysqlServer
) -> None:
    flight = client.get("/flights", params={"origin": "ATL", "limit": 1}).json()["items"][0]
    url = f"/flights/{flight['id']}"
    with mysql_server.paused():
        response, elapsed = timed_get(client, url)
        assert response.status_code == 503
        # read timeout (2 s) on the pooled connection, then connect timeout (1 s) on a new one
        assert elapsed < 2 + 1 + 1.5
    assert client.get(url).status_code == 200
