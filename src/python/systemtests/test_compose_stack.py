"""The stack `make start` runs, for real: docker-compose.yml with its defaults, as a Compose
project of its own (its two published ports moved to free ones, secrets generated here, the
images Pants built for this test), so it never meets a developer's running stack.

Only the web front end, the API layer and the dev issuer are on the host, and the web front end
reaches only the API layer and the issuer; Redis wants its password; a customer
books with a token from the dev issuer, and another customer's token can neither see nor cancel
that booking or its seats (docs/adr/0015)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from docker.models.containers import Container

from systemtests.stack import ONE_OFF_JOBS, PORTS, Stack, running_stack

PUBLISHED = ("web", "api", "devissuer")
PRIVATE = ("flights", "reservations", "mysql", "redis")


@pytest.fixture(scope="module")
def compose_stack() -> Iterator[Stack]:
    """docker-compose.yml alone: no debugging override (the shared ``stack`` has it)."""
    with running_stack(publish_all=False) as running:
        yield running
        print(running.all_logs())  # shown by pytest only when a test of the module failed


def services(stack: Stack) -> dict[str, Container]:
    """Service -> its container, fresh from the engine; the one-off jobs left out."""
    found = {}
    for name, container in stack.containers.items():
        if name not in ONE_OFF_JOBS:
            container.reload()
            found[name] = container
    return found


def host_ports(container: Container) -> list[tuple[str, str]]:
    """(host ip, host port) of every port the container publishes."""
    bindings = container.attrs["NetworkSettings"]["Ports"] or {}
    return [
        (binding["HostIp"], binding["HostPort"])
        for published in bindings.values()
        if published
        for binding in published
    ]


def test_only_the_web_the_api_and_the_dev_issuer_are_published(compose_stack: Stack) -> None:
    containers, env = services(compose_stack), compose_stack.env
    assert set(containers) == {*PUBLISHED, *PRIVATE}
    for name in PUBLISHED:
        port, variable = PORTS[name]
        assert host_ports(containers[name]) == [("127.0.0.1", env[variable])], name
        assert compose_stack.url(name) == f"http://127.0.0.1:{env[variable]}"
    for name in PRIVATE:
        assert host_ports(containers[name]) == [], name
        assert not containers[name].attrs["HostConfig"]["PortBindings"], name
        answer = compose_stack.compose("port", name, str(PORTS[name][0]), timeout=60)
        assert answer.stdout.strip() in ("", ":0"), (name, answer.stdout)


def test_the_databases_are_out_of_the_api_layers_reach(compose_stack: Stack) -> None:
    """The API container cannot even resolve the databases' names: they share a network
    only with the service that owns them."""
    api = services(compose_stack)["api"]
    for name in ("mysql", "redis"):
        code, output = api.exec_run(
            ["/opt/api/bin/python", "-c", f"import socket; socket.getaddrinfo({name!r}, 80)"]
        )
        assert code != 0, (name, output)
    for name in ("flights", "reservations", "devissuer"):
        code, output = api.exec_run(
            ["/opt/api/bin/python", "-c", f"import socket; socket.getaddrinfo({name!r}, 80)"]
        )
        assert code == 0, (name, output)


def test_the_web_front_end_reaches_only_the_api_layer_and_the_issuer(
    compose_stack: Stack,
) -> None:
    web = services(compose_stack)["web"]
    for name, reachable in {"api": True, "devissuer": True, "flights": False,
                            "reservations": False, "mysql": False, "redis": False}.items():
        code, output = web.exec_run(
            ["/opt/web/bin/python", "-c", f"import socket; socket.getaddrinfo({name!r}, 80)"]
        )
        assert (code == 0) is reachable, (name, output)


def test_redis_wants_its_password(compose_stack: Stack) -> None:
    redis = services(compose_stack)["redis"]
    code, output = redis.exec_run(["redis-cli", "ping"])
    assert b"NOAUTH" in output, (code, output)
    password = compose_stack.env["REDIS_PASSWORD"]
    code, output = redis.exec_run(["redis-cli", "ping"], environment={"REDISCLI_AUTH": password})
    assert output.strip() == b"PONG", (code, output)


def seat_map(api: httpx.Client, flight_id: int) -> dict[str, bool]:
    response = api.get(f"/flights/{flight_id}/seats")
    assert response.status_code == 200, response.text
    return {
        seat["number"]: seat["available"]
        for cabin in response.json()["cabins"]
        for row in cabin["rows"]
        for seat in row["seats"]
    }


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def test_a_customer_books_with_a_token_and_no_other_customer_can_touch_it(
    compose_stack: Stack,
) -> None:
    api = httpx.Client(base_url=compose_stack.api_url, timeout=15)
    today = datetime.now(UTC).date()
    search = api.get("/flights", params={"origin": "JFK", "departure_date": str(today)})
    assert search.status_code == 200, search.text  # public: no token
    flight_id = search.json()["items"][0]["id"]
    first, second = [seat for seat, free in seat_map(api, flight_id).items() if free][:2]
    booking = {"flight_id": flight_id, "seats": [first, second]}

    anonymous = api.post("/bookings", json=booking)
    assert_problem(anonymous, 401)
    assert anonymous.headers["www-authenticate"].startswith("Bearer")

    alice, bob = compose_stack.auth("alice"), compose_stack.auth("bob")
    booked = api.post("/bookings", json=booking, headers=alice)
    assert booked.status_code == 201, booked.text
    made = booked.json()
    assert made["seats"] == [first, second]
    booking_id = made["id"]

    # Bob: as if the booking and its seats did not exist, and nothing changes.
    assert_problem(api.get(f"/bookings/{booking_id}", headers=bob), 404)
    assert_problem(api.delete(f"/bookings/{booking_id}", headers=bob), 404)
    assert_problem(api.delete(f"/bookings/{flight_id}/{first}", headers=bob), 404)
    assert api.get("/bookings", headers=bob).json()["items"] == []
    seats = seat_map(api, flight_id)
    assert (seats[first], seats[second]) == (False, False)
    mine = api.get(f"/bookings/{booking_id}", headers=alice)
    assert mine.status_code == 200, mine.text
    unchanged = ("id", "flight_id", "seats", "status")
    assert {k: mine.json()[k] for k in unchanged} == {k: made[k] for k in unchanged}

    cancelled = api.delete(f"/bookings/{booking_id}", headers=alice)
    assert cancelled.status_code == 204, cancelled.text
    seats = seat_map(api, flight_id)
    assert (seats[first], seats[second]) == (True, True)
