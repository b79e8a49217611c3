"""End to end: the API app in front of the REAL flights service (MySQL, migrated and seeded
by its own code) and the REAL reservations service (Redis), each served over HTTP on
127.0.0.1; every response is checked against openapi.yaml."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.clients.flights import FlightsClient
from api.tests.conftest import api_settings, bearer, spec_checked
from api.tests.flights_service import serving_flights
from flights.settings import DatabaseConfig
from reservations.app import create_app as create_reservations_app
from reservations.settings import Settings as ReservationsSettings
from testsupport.servers import RedisServer
from testsupport.serving import serving_wsgi

DAY = date(2026, 12, 1)
A320_SEATS = 12 + 25 * 6  # business rows 1-3 (4 abreast), economy rows 7-32 without 13


@pytest.fixture()
def flights_url(mysql_url: str) -> Iterator[str]:
    with serving_flights(DatabaseConfig.from_url(mysql_url), DAY) as url:
        yield url


@pytest.fixture()
def reservations_url(redis_url: str) -> Iterator[str]:
    with serving_wsgi(create_reservations_app(ReservationsSettings(redis_url=redis_url))) as url:
        yield url


@pytest.fixture()
def api(flights_url: str, reservations_url: str) -> Iterator[TestClient]:
    app = create_app(api_settings(flights_url, reservations_url))
    client = TestClient(app, raise_server_exceptions=False, headers=bearer("cust-1"))
    with spec_checked(client):
        yield client


def jfk_lax_flight(api: TestClient) -> int:
    response = api.get(f"/flights?origin=JFK&destination=LAX&departure_date={DAY}")
    assert response.status_code == 200
    items = response.json()["items"]
    assert items
    assert {(f["origin"], f["destination"]) for f in items} == {("JFK", "LAX")}
    flight_id: int = items[0]["id"]
    return flight_id


def available(api: TestClient, flight_id: int) -> dict[str, bool]:
    response = api.get(f"/flights/{flight_id}/seats")
    assert response.status_code == 200
    return {
        seat["number"]: seat["available"]
        for cabin in response.json()["cabins"]
        for row in cabin["rows"]
        for seat in row["seats"]
    }


def test_a_booking_session(api: TestClient) -> None:
    flight_id = jfk_lax_flight(api)
    seats = available(api, flight_id)
    assert len(seats) == A320_SEATS
    assert all(seats.values())

    booking = {"flight_id": flight_id, "seats": ["12A", "12B"]}
    key = {"Idempotency-Key": "session-1"}
    booked = api.post("/bookings", json=booking, headers=key)
    assert booked.status_code == 201
    assert booked.json()["seats"] == ["12A", "12B"]
    again = api.post("/bookings", json=booking, headers=key)  # a retry is safe
    assert (again.status_code, again.json()) == (201, booked.json())
    assert again.headers["Idempotent-Replayed"] == "true"

    other = {"flight_id": flight_id, "seats": ["12C", "12B"]}
    taken = api.post("/bookings", json=other, headers=bearer("cust-2"))
    assert taken.status_code == 409
    assert taken.json()["seats"] == ["12B"]

    seats = available(api, flight_id)
    assert [n for n, free in seats.items() if not free] == ["12A", "12B"]  # 12C stayed free

    # cust-2 can neither cancel nor see cust-1's seat or booking: 404, nothing changed.
    assert api.delete(f"/bookings/{flight_id}/12A", headers=bearer("cust-2")).status_code == 404
    assert available(api, flight_id)["12A"] is False
    assert api.delete(f"/bookings/{flight_id}/12A").status_code == 204
    assert api.delete(f"/bookings/{flight_id}/12A").status_code == 404
    assert available(api, flight_id)["12A"] is True

    location = booked.headers["Location"]
    assert api.get(location).json()["seats"] == ["12B"]  # 12A left the booking
    mine = api.get("/bookings").json()
    assert [b["id"] for b in mine["items"]] == [booked.json()["id"]]
    assert api.get("/bookings", headers=bearer("cust-2")).json()["items"] == []
    assert api.get(location, headers=bearer("cust-2")).status_code == 404
    assert api.delete(location, headers=bearer("cust-2")).status_code == 404
    assert api.get(location).json()["status"] == "confirmed"
    assert api.delete(location).status_code == 204
    assert api.get(location).json()["status"] == "cancelled"
    assert all(available(api, flight_id).values())


def test_seats_not_on_the_real_seat_map_are_refused(api: TestClient) -> None:
    flight_id = jfk_lax_flight(api)
    response = api.post(
        "/bookings", json={"flight_id": flight_id, "seats": ["13A", "4A"]}
    )
    assert response.status_code == 422  # no row 13, no row 4 on this A320
    assert response.json()["seats"] == ["13A", "4A"]
    assert api.get("/flights/999999/seats").status_code == 404


def test_search_problems_of_the_flights_service_come_through(api: TestClient) -> None:
    response = api.get("/flights?flight_no=nope&limit=500")
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"query.flight_no", "query.limit"}


def test_the_seat_map_is_revalidated_with_the_real_etag(flights_url: str, api: TestClient) -> None:
    flight_id = jfk_lax_flight(api)

    async def twice() -> bool:
        client = FlightsClient(flights_url, max_age=0)  # revalidate on every use
        try:
            first = await client.seat_map(flight_id)
            # A 200 would be parsed into a new object; a 304 returns the one held.
            return await client.seat_map(flight_id) is first
        finally:
            await client.aclose()

    assert asyncio.run(twice())


def test_the_real_seat_map_is_fresh_for_its_max_age(flights_url: str, api: TestClient) -> None:
    flight_id = jfk_lax_flight(api)

    async def fresh_for() -> float:
        client = FlightsClient(flights_url)
        try:
            await client.seat_map(flight_id)
            return client.cache.fresh_until(flight_id) - time.monotonic()
        finally:
            await client.aclose()

    assert 290 < asyncio.run(fresh_for()) <= 300  # the flights service's max-age=300


def test_health_passes_with_both_services_up(api: TestClient) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "pass"


def test_redis_down_is_a_503_and_the_api_recovers(
    api: TestClient, redis_server: RedisServer
) -> None:
    flight_id = jfk_lax_flight(api)
    with redis_server.stopped():
        booking = {"flight_id": flight_id, "seats": ["12A"]}
        response = api.post("/bookings", json=booking)
        assert response.status_code == 503
        assert "Retry-After" in response.headers
        assert api.get("/health").status_code == 503
    assert api.post("/bookings", json=booking).status_code == 201
