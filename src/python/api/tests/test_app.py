"""The HTTP layer in front of fake services served over real HTTP: routes, problems, the
mapping of upstream failures to 502/503, timeouts and request ids. Every response is
checked against openapi.yaml (conftest.spec_checked)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response

from api.app import MAX_FLIGHTS_CURSOR, create_app
from api.seatmap import SEAT_PATTERN
from api.tests.conftest import SPEC, Fakes, api_settings, bearer, spec_checked
from api.tests.servers import refusing, silent
from api.tests.upstreams import problem
from testsupport.openapi import routes


def seats_of(document: dict[str, object]) -> dict[str, bool]:
    cabins = document["cabins"]
    assert isinstance(cabins, list)
    return {
        seat["number"]: seat["available"]
        for cabin in cabins
        for row in cabin["rows"]
        for seat in row["seats"]
    }


# --- routes -------------------------------------------------------------------------------


def test_the_app_serves_its_committed_spec_and_exactly_its_operations(api: TestClient) -> None:
    SPEC.validate()
    response = api.get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == SPEC.document
    assert "swagger" in api.get("/docs").text.lower()
    assert routes(api.app) == SPEC.operations()


def test_the_spec_validates_seats_and_search_cursors_like_the_code() -> None:
    schemas = SPEC.document["components"]["schemas"]
    assert schemas["SeatNum"]["pattern"] == f"^{SEAT_PATTERN}$"
    search = SPEC.document["paths"]["/flights"]["get"]["parameters"]
    [cursor] = [parameter["schema"] for parameter in search if parameter["name"] == "cursor"]
    assert cursor == {"type": "string", "minLength": 1, "maxLength": MAX_FLIGHTS_CURSOR}


# --- search -------------------------------------------------------------------------------


FLIGHT = {
    "id": 1,
    "flight_no": "AA1238",
    "departure_date": "2026-12-01",
    "origin": "JFK",
    "destination": "LAX",
    "departure_time": "2026-12-01T12:45:00Z",
    "arrival_time": "2026-12-01T19:10:00Z",
    "aircraft_type": "Airbus A320-200",
}


def test_search_is_passed_through(api: TestClient, fakes: Fakes) -> None:
    fakes.flights.page = {"items": [FLIGHT], "next_cursor": "abc"}

    response = api.get("/flights?origin=JFK&departure_date=2026-12-01&utm_source=x&limit=5")

    assert response.status_code == 200
    assert response.json() == fakes.flights.page
    # Known parameters only, in the order given.
    assert fakes.flights.requests()[-1].query == "origin=JFK&departure_date=2026-12-01&limit=5"


@pytest.mark.parametrize("cursor", ["", "c" * (MAX_FLIGHTS_CURSOR + 1)], ids=["empty", "201"])
def test_a_cursor_the_flights_service_would_refuse_is_a_422_here(
    api: TestClient, fakes: Fakes, cursor: str
) -> None:
    response = api.get("/flights", params={"cursor": cursor})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["query.cursor"]
    assert fakes.flights.requests() == []


def test_search_validation_problems_come_back_unchanged(api: TestClient) -> None:
    response = api.get("/flights?flight_no=not-a-flight", headers={"X-Request-ID": "req-s1"})

    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == [
        {"field": "query.flight_no", "message": "String should match pattern"}
    ]
    assert body["detail"] == "Invalid request fields: query.flight_no"
    assert (body["instance"], body["request_id"]) == ("/flights", "req-s1")


def test_one_flight_is_passed_through_and_an_unknown_one_is_not_found(
    api: TestClient, fakes: Fakes
) -> None:
    fakes.flights.page = {"items": [FLIGHT], "next_cursor": None}

    assert api.get("/flights/1").json() == FLIGHT
    missing = api.get("/flights/99")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No flight with id 99"


# --- seats --------------------------------------------------------------------------------


def test_seats_show_availability_but_not_who_holds_them(api: TestClient, fakes: Fakes) -> None:
    fakes.reservations.held[("1", "12B")] = "cust-secret"

    response = api.get("/flights/1/seats")

    assert response.status_code == 200
    assert seats_of(response.json()) == {"12A": True, "12B": False, "12C": True, "14A": True}
    assert "cust-secret" not in response.text


def test_seats_of_an_unknown_flight_are_not_found(api: TestClient) -> None:
    response = api.get("/flights/99/seats")
    assert response.status_code == 404
    assert response.json()["detail"] == "No flight with id 99"


def test_the_seat_map_is_revalidated_not_downloaded_again(api: TestClient, fakes: Fakes) -> None:
    api.get("/flights/1/seats")
    api.get("/flights/1/seats")

    first, second = fakes.flights.requests()[-2:]
    assert "if-none-match" not in first.headers
    assert second.headers["if-none-match"].startswith('"')


# --- upstream failures --------------------------------------------------------------------


def answer_seat_maps_with(fakes: Fakes, response: Response) -> None:
    async def hook(request: Request) -> Response | None:
        return response if request.url.path.endswith("/seat_map") else None

    fakes.flights.hook = hook


@pytest.mark.parametrize(
    "response",
    [
        problem(500, "boom"),
        Response(b"<html>proxy error</html>", 200, media_type="text/html"),
        Response(b'{"cabins": "none"}', 200, media_type="application/json"),
        Response(b"", 418),
    ],
    ids=["500", "html", "wrong-shape", "undocumented-status"],
)
def test_an_upstream_answer_outside_its_contract_is_a_502(
    api: TestClient, fakes: Fakes, response: Response
) -> None:
    answer_seat_maps_with(fakes, response)

    answered = api.get("/flights/1/seats")

    assert answered.status_code == 502
    assert answered.json()["detail"] == "The flights service answered unexpectedly"


def test_an_upstream_503_is_a_503_with_its_retry_after(api: TestClient, fakes: Fakes) -> None:
    answer_seat_maps_with(
        fakes, Response(b"{}", 503, headers={"Retry-After": "9"}, media_type="application/json")
    )

    response = api.get("/flights/1/seats")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "9"
    assert response.json()["detail"] == "The flights service is unavailable, please retry later"


def test_a_service_refusing_connections_is_a_503(fakes: Fakes) -> None:
    with (
        refusing() as nowhere,
        TestClient(create_app(api_settings(fakes.flights_url, nowhere))) as client,
    ):
        response = spec_checked(client).get("/flights/1/seats")

    assert response.status_code == 503
    assert "reservations service is unavailable" in response.json()["detail"]


def test_a_hung_service_is_a_503_within_the_timeouts(fakes: Fakes) -> None:
    # read_timeout 0.5 s, one retry: about 1 s, and nowhere near "forever".
    with (
        silent() as hung,
        TestClient(create_app(api_settings(hung, fakes.reservations_url))) as client,
    ):
        started = time.monotonic()
        response = spec_checked(client).get("/flights/1/seats")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert 0.9 < elapsed < 3.0


def test_a_slow_answer_times_out(api: TestClient, fakes: Fakes) -> None:
    async def slow(request: Request) -> Response | None:
        await asyncio.sleep(2)
        return None

    fakes.reservations.hook = slow
    response = api.get("/flights/1/seats")
    assert response.status_code == 503


# --- request ids --------------------------------------------------------------------------


def test_the_request_id_reaches_both_services_and_comes_back(api: TestClient, fakes: Fakes) -> None:
    response = api.post(
        "/bookings",
        json={"flight_id": 1, "seats": ["12A"]},
        headers={"X-Request-ID": "trace-me-1"},
    )

    assert response.status_code == 201
    assert response.headers["X-Request-ID"] == "trace-me-1"
    upstream_ids = {
        seen.headers.get("x-request-id") for seen in fakes.flights.seen + fakes.reservations.seen
    }
    assert upstream_ids == {"trace-me-1"}


# --- bookings -----------------------------------------------------------------------------


def book(
    api: TestClient, *seats: str, customer: str = "cust-1", flight: int = 1, key: str | None = None
) -> httpx.Response:
    body = {"flight_id": flight, "seats": list(seats)}
    headers = bearer(customer) | ({"Idempotency-Key": key} if key else {})
    response: httpx.Response = api.post("/bookings", json=body, headers=headers)
    return response


def test_a_booking_takes_every_seat_in_one_command(api: TestClient, fakes: Fakes) -> None:
    response = book(api, "12B", "12A")

    assert response.status_code == 201
    booking = response.json()
    assert response.headers["location"] == f"/bookings/{booking['id']}"
    assert "idempotent-replayed" not in response.headers
    assert booking == {
        "id": booking["id"],
        "flight_id": 1,
        "customer_id": "cust-1",
        "seats": ["12B", "12A"],
        "status": "confirmed",
        "created_at": "2026-12-03T12:00:00.123Z",
    }
    assert fakes.reservations.held == {("1", "12A"): "cust-1", ("1", "12B"): "cust-1"}
    [command] = fakes.reservations.requests("POST")
    assert command.headers["idempotency-key"]  # one of the API layer's own
    assert [s.method for s in fakes.reservations.seen] == ["POST"]  # nothing else


def test_the_same_key_returns_the_same_booking(api: TestClient, fakes: Fakes) -> None:
    first = book(api, "12A", "12B", key="k-1")

    again = book(api, "12A", "12B", key="k-1")

    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(fakes.reservations.bookings) == 1
    assert {s.headers["idempotency-key"] for s in fakes.reservations.requests("POST")} == {"k-1"}


def test_a_key_reused_with_another_body_is_a_422(api: TestClient, fakes: Fakes) -> None:
    assert book(api, "12A", key="k-1").status_code == 201

    response = book(api, "12B", key="k-1")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert fakes.reservations.held == {("1", "12A"): "cust-1"}


def test_a_malformed_key_is_a_422(api: TestClient, fakes: Fakes) -> None:
    response = book(api, "12A", key="no spaces")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert fakes.reservations.seen == []


def test_a_seat_held_by_someone_else_is_a_409_listing_it(api: TestClient, fakes: Fakes) -> None:
    fakes.reservations.held[("1", "12C")] = "cust-2"

    response = book(api, "12A", "12C")

    assert response.status_code == 409
    body = response.json()
    assert body["seats"] == ["12C"]
    assert body["type"] == "https://api.flightres.example/problems/seats-unavailable"
    assert body["detail"] == "Nothing was booked: 12C already taken"
    assert fakes.reservations.held == {("1", "12C"): "cust-2"}


def test_seats_not_on_the_seat_map_are_a_422_listing_them(api: TestClient, fakes: Fakes) -> None:
    response = book(api, "12A", "99K", "30F")

    assert response.status_code == 422
    body = response.json()
    assert body["seats"] == ["99K", "30F"]
    assert body["detail"] == "Not on the seat map of flight 1: 99K, 30F"
    assert [e["field"] for e in body["errors"]] == ["body.seats", "body.seats"]
    assert fakes.reservations.seen == []


def test_booking_an_unknown_flight_is_a_404(api: TestClient) -> None:
    assert book(api, "12A", flight=99).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"flight_id": 1, "seats": ["12A", "12A"]}, "body.seats"),
        ({"flight_id": 1, "seats": []}, "body.seats"),
        ({"flight_id": 1, "seats": [f"{n}A" for n in range(1, 11)]}, "body.seats"),
        ({"flight_id": 1, "seats": ["12a"]}, "body.seats.0"),
        ({"flight_id": 0, "seats": ["12A"]}, "body.flight_id"),
        # The customer is the token's: a body cannot name one.
        ({"flight_id": 1, "customer_id": "cust-2", "seats": ["12A"]}, "body.customer_id"),
        ({"flight_id": 1, "seats": ["12A"], "extra": 1}, "body.extra"),
    ],
    ids=["duplicate", "none", "ten", "lower-case", "flight-0", "customer-id", "unknown-field"],
)
def test_invalid_bookings_are_422_naming_the_field(
    api: TestClient, fakes: Fakes, body: dict[str, object], field: str
) -> None:
    response = api.post("/bookings", json=body)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert fakes.reservations.seen == []


def test_a_body_that_is_not_json_is_a_400(api: TestClient) -> None:
    response = api.post("/bookings", content=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_reservations_failing_is_a_503_that_keeps_no_state(api: TestClient, fakes: Fakes) -> None:
    async def down(request: Request) -> Response | None:
        return problem(503, "redis down")

    fakes.reservations.hook = down

    response = book(api, "12A", "12B", key="k-1")

    assert response.status_code == 503
    assert response.json()["detail"] == (
        "The reservations service is unavailable, please retry later"
    )
    fakes.reservations.hook = None  # back: the retry with the same key books
    assert book(api, "12A", "12B", key="k-1").status_code == 201
    assert [s.method for s in fakes.reservations.seen] == ["POST", "POST"]


def test_a_lost_answer_is_retried_with_the_same_key(api: TestClient, fakes: Fakes) -> None:
    lost = {"first": True}

    async def lose_the_first_answer(request: Request) -> Response | None:
        if lost.pop("first", False):
            await fakes.reservations.answer(request, await request.body())  # it landed...
            await asyncio.sleep(2)  # ...and the answer never came
        return None

    fakes.reservations.hook = lose_the_first_answer

    response = book(api, "12A")

    assert response.status_code == 201
    assert "idempotent-replayed" not in response.headers  # the client asked only once
    assert len(fakes.reservations.bookings) == 1
    first, second = fakes.reservations.requests("POST")
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]


# --- reading and cancelling bookings ------------------------------------------------------


def test_reading_a_booking(api: TestClient, fakes: Fakes) -> None:
    booking = fakes.reservations.booked("1", "cust-1", "12A")

    response = api.get(f"/bookings/{booking['id']}")

    assert response.status_code == 200
    assert response.json() == {**booking, "flight_id": 1}


def test_another_customers_booking_is_not_found(api: TestClient, fakes: Fakes) -> None:
    theirs = fakes.reservations.booked("1", "cust-2", "12A")
    unknown = api.get("/bookings/01JE5Z8Q4W6V0G2X9R3M7T1B5K")

    response = api.get(f"/bookings/{theirs['id']}")

    assert response.status_code == unknown.status_code == 404
    assert response.json()["detail"] == f"You have no booking with id {theirs['id']}"


@pytest.mark.parametrize(
    ("booking_id", "status"),
    [("01JE5Z8Q4W6V0G2X9R3M7T1B5K", 404), ("01je5z8q4w6v0g2x9r3m7t1b5k", 422), ("x", 422)],
    ids=["unknown", "lower-case", "short"],
)
def test_a_booking_id_that_is_unknown_or_malformed(
    api: TestClient, booking_id: str, status: int
) -> None:
    response = api.get(f"/bookings/{booking_id}")
    assert response.status_code == status
    assert response.json()["detail"]


def test_a_customers_bookings_newest_first_page_by_page(api: TestClient, fakes: Fakes) -> None:
    ids = [fakes.reservations.booked("1", "cust-1", seat)["id"] for seat in ("12A", "12B", "12C")]
    fakes.reservations.booked("1", "cust-2", "14A")

    first = api.get("/bookings?limit=2").json()
    second = api.get(f"/bookings?limit=2&cursor={first['next_cursor']}").json()

    assert [b["id"] for b in first["items"]] == ids[:0:-1]
    assert [b["id"] for b in second["items"]] == ids[:1]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "query.limit"),
        ("limit=101", "query.limit"),
        ("cursor=abc", "query.cursor"),
    ],
)
def test_listing_bookings_validates_its_query(api: TestClient, query: str, field: str) -> None:
    response = api.get(f"/bookings?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("customer", "status"), [("cust-1", 204), ("cust-2", 404)], ids=["own", "another's"]
)
def test_cancelling_a_booking(api: TestClient, fakes: Fakes, customer: str, status: int) -> None:
    booking = fakes.reservations.booked("1", "cust-1", "12A", "12B")

    response = api.delete(f"/bookings/{booking['id']}", headers=bearer(customer))

    assert response.status_code == status
    held = {("1", "12A"): "cust-1", ("1", "12B"): "cust-1"}
    assert fakes.reservations.held == ({} if status == 204 else held)


def test_cancelling_an_unknown_booking_is_a_404(api: TestClient) -> None:
    response = api.delete("/bookings/01JE5Z8Q4W6V0G2X9R3M7T1B5K")
    assert response.status_code == 404
    assert response.json()["detail"] == "You have no booking with id 01JE5Z8Q4W6V0G2X9R3M7T1B5K"


# --- cancelling a seat -------------------------------------------------------------------


@pytest.mark.parametrize(("holder", "status"), [("cust-1", 204), (None, 404), ("cust-2", 404)])
def test_cancelling_a_seat(api: TestClient, fakes: Fakes, holder: str | None, status: int) -> None:
    if holder is not None:
        fakes.reservations.held[("1", "12A")] = holder

    response = api.delete("/bookings/1/12A")

    assert response.status_code == status
    assert fakes.reservations.held.get(("1", "12A")) == (None if status == 204 else holder)
    if status == 404:  # nobody's and someone else's alike
        assert response.json()["detail"] == "You hold no seat 12A on flight 1"


# --- operations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flights", "reservations", "status", "overall"),
    [
        ("pass", "pass", 200, "pass"),
        ("warn", "pass", 200, "warn"),
        ("pass", "fail", 503, "fail"),
    ],
)
def test_health_aggregates_both_services(
    api: TestClient, fakes: Fakes, flights: str, reservations: str, status: int, overall: str
) -> None:
    fakes.flights.health, fakes.reservations.health = flights, reservations

    response = api.get("/health")

    assert response.status_code == status
    body = response.json()
    assert body["status"] == overall
    assert body["checks"]["flights:responseTime"][0]["status"] == flights
    assert body["checks"]["reservations:responseTime"][0]["status"] == reservations


def test_health_fails_when_a_service_is_unreachable(fakes: Fakes) -> None:
    with (
        refusing() as nowhere,
        TestClient(create_app(api_settings(nowhere, fakes.reservations_url))) as client,
    ):
        response = spec_checked(client).get("/health")
    assert response.status_code == 503
    assert response.json()["checks"]["flights:responseTime"][0]["status"] == "fail"


def test_ping_needs_no_service() -> None:
    with refusing() as nowhere, TestClient(create_app(api_settings(nowhere, nowhere))) as client:
        assert spec_checked(client).get("/ping").json() == {"status": "pass"}


def test_metrics_count_requests(api: TestClient) -> None:
    api.get("/flights/1/seats")
    text = api.get("/metrics").text
    assert (
        'http_requests_total{method="GET",route="/flights/{flight_id}/seats",status="200"}' in text
    )
