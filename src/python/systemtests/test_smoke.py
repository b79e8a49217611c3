"""Smoke test of the images: the stack of containers answers a booking session through the
API container's published port, exactly as a client would use it, with customers' bearer
tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from systemtests.stack import Stack


@pytest.fixture()
def api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.api_url, timeout=10) as client:
        yield client


def test_a_booking_session_through_the_containers(stack: Stack, api: httpx.Client) -> None:
    today = datetime.now(UTC).date()
    search = api.get("/flights", params={"origin": "JFK", "departure_date": str(today)})
    assert search.status_code == 200, search.text
    flights = search.json()["items"]
    assert flights
    assert {f["origin"] for f in flights} == {"JFK"}
    flight_id = flights[0]["id"]

    seats = api.get(f"/flights/{flight_id}/seats")
    assert seats.status_code == 200, seats.text
    free = [
        seat["number"]
        for cabin in seats.json()["cabins"]
        for row in cabin["rows"]
        for seat in row["seats"]
        if seat["available"]
    ]
    first, second = free[:2]

    booking = {"flight_id": flight_id, "seats": [first, second]}
    anonymous = api.post("/bookings", json=booking)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["www-authenticate"].startswith("Bearer")

    booked = api.post("/bookings", json=booking, headers=stack.auth("smoke-1"))
    assert booked.status_code == 201, booked.text
    assert booked.json()["seats"] == [first, second]

    again = {"flight_id": flight_id, "seats": [second]}
    taken = api.post("/bookings", json=again, headers=stack.auth("smoke-2"))
    assert taken.status_code == 409
    assert taken.headers["content-type"].startswith("application/problem+json")
    assert taken.json()["seats"] == [second]

    not_theirs = api.delete(f"/bookings/{flight_id}/{first}", headers=stack.auth("smoke-2"))
    assert not_theirs.status_code == 404, not_theirs.text
    cancelled = api.delete(f"/bookings/{flight_id}/{first}", headers=stack.auth("smoke-1"))
    assert cancelled.status_code == 204
    after = api.get(f"/flights/{flight_id}/seats").json()
    availability = {
        seat["number"]: seat["available"]
        for cabin in after["cabins"]
        for row in cabin["rows"]
        for seat in row["seats"]
    }
    assert availability[first] is True
    assert availability[second] is False


def test_health_passes_for_every_part(api: httpx.Client) -> None:
    health = api.get("/health")
    assert health.status_code == 200, health.text
    body = health.json()
    assert body["status"] == "pass"
    statuses = [check["status"] for checks in body["checks"].values() for check in checks]
    assert len(statuses) == 2  # flights and reservations
    assert set(statuses) == {"pass"}


def test_the_images_run_as_a_non_root_user_and_carry_the_revision(stack: Stack) -> None:
    for service in ("flights", "reservations", "api", "devissuer"):
        container = stack.container(service)
        assert container.attrs["Config"]["User"] == "10001:10001"
        assert "org.opencontainers.image.revision" in container.image.labels
