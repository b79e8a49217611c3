"""The HTTP API through Flask's test client, on a real Redis. Every response is also checked
against the committed spec (see ``conftest.SpecCheckingClient``)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse  # pants: no-infer-dep - comes with flask

from reservations.app import create_app
from reservations.settings import Settings
from reservations.tests.conftest import SpecCheckingClient, make_store


def body(flight: str = "FL1", seat: str = "12C", customer: str = "alice") -> dict[str, str]:
    return {"flight_id": flight, "seat_num": seat, "customer_id": customer}


def reserve(client: FlaskClient, **fields: str) -> TestResponse:
    return client.put("/reservations", json=body(**fields))


def book(
    client: FlaskClient, *seats: str, customer: str = "alice", key: str | None = None
) -> TestResponse:
    sent = {"flight_id": "FL1", "customer_id": customer, "seats": list(seats)}
    return client.post("/bookings", json=sent, headers={} if key is None else {KEY: key})


KEY = "Idempotency-Key"
UNKNOWN_BOOKING = "0" * 26


def holders(client: FlaskClient) -> dict[str, str]:
    held: dict[str, str] = payload(client.get("/reservations?flight_id=FL1"))
    return held


def events(client: FlaskClient) -> list[tuple[str, str]]:
    return [(e["type"], e["seat_num"]) for e in payload(client.get("/events"))["events"]]


def bookings_of(client: FlaskClient, customer: str = "alice") -> list[Any]:
    items: list[Any] = payload(client.get(f"/bookings?customer_id={customer}"))["items"]
    return items


def payload(response: TestResponse) -> Any:
    assert response.is_json, response.content_type
    return json.loads(response.data)


def error_fields(response: TestResponse) -> list[str]:
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    return [error["field"] for error in payload(response)["errors"]]


def test_a_free_seat_is_reserved_with_201(client: FlaskClient) -> None:
    response = reserve(client)
    assert response.status_code == 201
    assert payload(response) == body()
    assert payload(client.get("/reservations?flight_id=FL1")) == {"12C": "alice"}


def test_the_holder_retrying_gets_200_and_nothing_changes(client: FlaskClient) -> None:
    reserve(client)
    again = reserve(client)
    assert again.status_code == 200
    assert payload(again) == body()
    assert len(payload(client.get("/events"))["events"]) == 1


def test_another_customer_gets_409_without_learning_who_holds_it(client: FlaskClient) -> None:
    reserve(client, customer="alice")
    response = reserve(client, customer="bob")
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert payload(response)["status"] == 409
    assert "alice" not in response.get_data(as_text=True)
    assert payload(client.get("/reservations?flight_id=FL1")) == {"12C": "alice"}


def test_reserving_a_seat_books_it_alone(client: FlaskClient) -> None:
    reserve(client)
    reserve(client)  # the holder's retry books nothing more
    [booking] = bookings_of(client)
    assert (booking["flight_id"], booking["seats"], booking["status"]) == (
        "FL1",
        ["12C"],
        "confirmed",
    )


def test_a_flight_without_reservations_has_an_empty_map(client: FlaskClient) -> None:
    reserve(client, flight="FL1")
    assert payload(client.get("/reservations?flight_id=FL2")) == {}


def test_the_holder_releases_with_204(client: FlaskClient) -> None:
    reserve(client)
    response = client.delete("/reservations/FL1/12C?customer_id=alice")
    assert response.status_code == 204
    assert payload(client.get("/reservations?flight_id=FL1")) == {}


def test_releasing_someone_elses_seat_is_409_and_keeps_it(client: FlaskClient) -> None:
    reserve(client, customer="alice")
    response = client.delete("/reservations/FL1/12C?customer_id=bob")
    assert response.status_code == 409
    assert payload(client.get("/reservations?flight_id=FL1")) == {"12C": "alice"}


def test_releasing_a_seat_nobody_holds_is_404(client: FlaskClient) -> None:
    response = client.delete("/reservations/FL1/12C?customer_id=alice")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_releasing_a_seat_takes_it_out_of_its_booking_and_the_last_one_cancels_it(
    client: FlaskClient,
) -> None:
    booking = payload(book(client, "1A", "1B"))
    location = f"/bookings/{booking['id']}"
    assert client.delete("/reservations/FL1/1A?customer_id=alice").status_code == 204
    assert payload(client.get(location)) == {**booking, "seats": ["1B"]}

    assert client.delete("/reservations/FL1/1B?customer_id=alice").status_code == 204
    cancelled = payload(client.get(location))
    assert cancelled == {
        **booking,
        "seats": ["1B"],
        "status": "cancelled",
        "cancelled_at": cancelled["cancelled_at"],
    }


def test_free_seats_are_booked_with_201_and_the_bookings_location(client: FlaskClient) -> None:
    response = book(client, "1A", "1B")
    assert response.status_code == 201
    booking = payload(response)
    assert booking == {
        "id": booking["id"],
        "flight_id": "FL1",
        "customer_id": "alice",
        "seats": ["1A", "1B"],
        "status": "confirmed",
        "created_at": booking["created_at"],
    }
    assert response.headers["Location"] == f"/bookings/{booking['id']}"
    assert payload(client.get(response.headers["Location"])) == booking
    assert holders(client) == {"1A": "alice", "1B": "alice"}
    assert events(client) == [("SeatReserved", "1A"), ("SeatReserved", "1B")]


def test_one_held_seat_is_a_409_naming_every_held_seat_and_nothing_is_booked(
    client: FlaskClient,
) -> None:
    book(client, "1B", customer="alice")  # her own, in another booking, counts as held
    book(client, "1D", customer="bob")
    response = book(client, "1A", "1B", "1C", "1D", customer="alice")
    assert response.status_code == 409
    problem = payload(response)
    assert problem["seats"] == ["1B", "1D"]
    assert problem["detail"] == "Nothing was booked: 1B, 1D on flight FL1 are already held"
    assert holders(client) == {"1B": "alice", "1D": "bob"}
    assert len(events(client)) == 2
    assert len(bookings_of(client)) == 1


def test_the_same_key_and_booking_again_is_a_200_with_the_same_booking(
    client: FlaskClient,
) -> None:
    first = book(client, "1A", "1B", key="k1")
    again = book(client, "1A", "1B", key="k1")
    assert again.status_code == 200
    assert payload(again) == payload(first)
    assert again.headers["Location"] == first.headers["Location"]
    assert len(events(client)) == 2
    assert [b["id"] for b in bookings_of(client)] == [payload(first)["id"]]


def test_a_key_used_for_another_booking_is_a_422(client: FlaskClient) -> None:
    book(client, "1A", key="k1")
    response = book(client, "1B", key="k1")
    assert error_fields(response) == ["header.Idempotency-Key"]
    assert payload(response)["detail"] == (
        "Idempotency-Key k1 was already used for a different booking"
    )
    assert holders(client) == {"1A": "alice"}
    assert book(client, "1B", customer="bob", key="k1").status_code == 201  # keys are per customer


def test_a_key_whose_booking_failed_is_not_used_up(client: FlaskClient) -> None:
    book(client, "1B", customer="bob")
    assert book(client, "1A", "1B", key="k1").status_code == 409
    client.delete("/reservations/FL1/1B?customer_id=bob")
    assert book(client, "1A", "1B", key="k1").status_code == 201


def test_a_customers_bookings_are_listed_newest_first_page_by_page(client: FlaskClient) -> None:
    ids = [payload(book(client, f"{row}A"))["id"] for row in range(1, 8)]
    book(client, "9A", customer="bob")
    pages: list[list[str]] = []
    query = "customer_id=alice&limit=3"
    while True:
        page = payload(client.get(f"/bookings?{query}"))
        pages.append([booking["id"] for booking in page["items"]])
        if page["next_cursor"] is None:
            break
        query = f"customer_id=alice&limit=3&cursor={page['next_cursor']}"
    assert pages == [ids[6:3:-1], ids[3:0:-1], ids[0:1]]


def test_cancelling_frees_every_seat_and_cancelling_again_is_204_too(client: FlaskClient) -> None:
    booking = payload(book(client, "1A", "1B"))
    location = f"/bookings/{booking['id']}"
    assert client.delete(f"{location}?customer_id=alice").status_code == 204
    assert holders(client) == {}
    assert events(client)[2:] == [("SeatReleased", "1A"), ("SeatReleased", "1B")]
    cancelled = payload(client.get(location))
    cancelled_at = cancelled["cancelled_at"]
    assert cancelled == {**booking, "status": "cancelled", "cancelled_at": cancelled_at}

    assert client.delete(f"{location}?customer_id=alice").status_code == 204
    assert len(events(client)) == 4
    assert payload(client.get(location)) == cancelled


def test_cancelling_another_customers_booking_is_a_409_and_keeps_it(client: FlaskClient) -> None:
    booking = payload(book(client, "1A"))
    response = client.delete(f"/bookings/{booking['id']}?customer_id=bob")
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert holders(client) == {"1A": "alice"}
    assert payload(client.get(f"/bookings/{booking['id']}")) == booking


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_an_unknown_booking_is_404_and_a_malformed_id_422(
    client: FlaskClient, method: str
) -> None:
    unknown = client.open(f"/bookings/{UNKNOWN_BOOKING}?customer_id=alice", method=method)
    assert unknown.status_code == 404
    assert unknown.content_type == "application/problem+json"
    malformed = client.open("/bookings/01kbhz6q2tq5zpe3m8b1v0c9xw?customer_id=alice", method=method)
    assert error_fields(malformed) == ["path.booking_id"]


BOOKING = {"flight_id": "FL1", "customer_id": "alice", "seats": ["1A"]}


@pytest.mark.parametrize(
    ("sent", "key", "fields"),
    [
        ({**BOOKING, "seats": [f"{row}A" for row in range(1, 11)]}, None, ["body.seats"]),
        ({**BOOKING, "seats": ["1A", "1B", "1A"]}, None, ["body.seats.2"]),
        ({**BOOKING, "seats": []}, None, ["body.seats"]),
        ({**BOOKING, "seats": ["1A", "1Z"]}, None, ["body.seats.1"]),
        ({**BOOKING, "seat_num": "1A"}, None, ["body.seat_num"]),
        (BOOKING, "a key", ["header.Idempotency-Key"]),
        (
            {"seats": "1A"},
            "",
            ["body.flight_id", "body.customer_id", "body.seats", "header.Idempotency-Key"],
        ),
    ],
)
def test_invalid_bookings_are_422_naming_each_field(
    client: FlaskClient, sent: dict[str, object], key: str | None, fields: list[str]
) -> None:
    response = client.post("/bookings", json=sent, headers={} if key is None else {KEY: key})
    assert error_fields(response) == fields
    assert events(client) == []


def test_every_change_and_only_changes_are_logged_in_order(client: FlaskClient) -> None:
    reserve(client, seat="1A", customer="alice")
    reserve(client, seat="1A", customer="alice")  # retry: no event
    reserve(client, seat="1A", customer="bob")  # conflict: no event
    reserve(client, seat="2B", customer="bob")
    client.delete("/reservations/FL1/1A?customer_id=bob")  # not the holder: no event
    client.delete("/reservations/FL1/1A?customer_id=alice")
    client.delete("/reservations/FL1/1A?customer_id=alice")  # nobody holds it: no event

    page = payload(client.get("/events"))
    assert [
        (e["type"], e["seat_num"], e["customer_id"], e["flight_id"]) for e in page["events"]
    ] == [
        ("SeatReserved", "1A", "alice", "FL1"),
        ("SeatReserved", "2B", "bob", "FL1"),
        ("SeatReleased", "1A", "alice", "FL1"),
    ]
    assert page["next"] == page["events"][-1]["id"]


def test_events_are_paged_by_cursor_and_count(client: FlaskClient) -> None:
    for row in range(1, 8):
        reserve(client, seat=f"{row}A")
    seen: list[str] = []
    cursor = "0"
    while True:
        page = payload(client.get(f"/events?since={cursor}&count=3"))
        assert len(page["events"]) <= 3
        if not page["events"]:
            assert page["next"] == cursor
            break
        seen += [e["seat_num"] for e in page["events"]]
        cursor = page["next"]
    assert seen == [f"{row}A" for row in range(1, 8)]


def test_the_default_page_is_100_events(client: FlaskClient) -> None:
    for n in range(120):
        reserve(client, flight=f"FL{n}", seat="1A")
    assert len(payload(client.get("/events"))["events"]) == 100
    assert len(payload(client.get("/events?count=1000"))["events"]) == 120


@pytest.mark.parametrize(
    ("sent", "fields"),
    [
        ({"flight_id": "FL1", "seat_num": "12Z", "customer_id": "c"}, ["body.seat_num"]),
        ({"flight_id": "FL1", "seat_num": "0A", "customer_id": "c"}, ["body.seat_num"]),
        ({"flight_id": "FL 1", "seat_num": "1A", "customer_id": "c"}, ["body.flight_id"]),
        ({"flight_id": "FL1", "seat_num": "1A", "customer_id": "c" * 65}, ["body.customer_id"]),
        ({"flight_id": "FL1", "seat_num": "1A", "customer_id": "ünïcødé"}, ["body.customer_id"]),
        ({"flight_id": 1, "seat_num": "1A", "customer_id": "c"}, ["body.flight_id"]),
        ({"seat_num": "1A"}, ["body.flight_id", "body.customer_id"]),
        (
            {"flight_id": "FL1", "seat_num": "1A", "customer_id": "c", "paid": True},
            ["body.paid"],
        ),
    ],
)
def test_invalid_reservations_are_422_naming_each_field(
    client: FlaskClient, sent: dict[str, object], fields: list[str]
) -> None:
    response = client.put("/reservations", json=sent)
    assert error_fields(response) == fields
    assert payload(client.get("/events"))["events"] == []


@pytest.mark.parametrize(
    ("request_line", "fields"),
    [
        ("GET /reservations", ["query.flight_id"]),
        ("GET /reservations?flight_id=a/b", ["query.flight_id"]),
        ("DELETE /reservations/FL1/12Z?customer_id=c", ["path.seat_num"]),
        ("DELETE /reservations/F%C3%BC/1A?customer_id=c", ["path.flight_id"]),
        ("DELETE /reservations/FL1/1A", ["query.customer_id"]),
        ("DELETE /reservations/FL1/1A?customer_id=a%20b", ["query.customer_id"]),
        ("GET /events?since=yesterday", ["query.since"]),
        ("GET /events?since=-1", ["query.since"]),
        ("GET /events?count=0", ["query.count"]),
        ("GET /events?count=1001", ["query.count"]),
        ("GET /events?count=ten&since=1-2-3", ["query.since", "query.count"]),
        ("GET /bookings", ["query.customer_id"]),
        ("GET /bookings?customer_id=alice&limit=0", ["query.limit"]),
        ("GET /bookings?customer_id=alice&limit=101", ["query.limit"]),
        ("GET /bookings?customer_id=alice&cursor=yesterday", ["query.cursor"]),
        (
            "GET /bookings?customer_id=a%20b&limit=x&cursor=1",
            ["query.customer_id", "query.limit", "query.cursor"],
        ),
        (f"DELETE /bookings/{UNKNOWN_BOOKING}", ["query.customer_id"]),
        ("DELETE /bookings/x?customer_id=a/b", ["path.booking_id", "query.customer_id"]),
    ],
)
def test_bad_path_and_query_parameters_are_422_naming_each_one(
    client: FlaskClient, request_line: str, fields: list[str]
) -> None:
    method, path = request_line.split()
    assert error_fields(client.open(path, method=method)) == fields


@pytest.mark.parametrize(
    "path", ["/reservations/..%2F..%2Fetc/1A", "/reservations/FL1/1A/..", "/reservations/FL1"]
)
def test_paths_outside_the_api_are_404_problems(client: FlaskClient, path: str) -> None:
    response = client.delete(f"{path}?customer_id=c")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_methods_outside_the_api_are_405_problems(client: FlaskClient) -> None:
    response = client.post("/reservations", json=body())
    assert response.status_code == 405
    assert response.content_type == "application/problem+json"
    assert payload(client.get("/reservations?flight_id=FL1")) == {}


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ('{"flight_id": "FL1"', "application/json", 400),  # not JSON
        ("", "application/json", 400),
        ('["FL1", "1A", "c"]', "application/json", 400),  # JSON, not an object
        ('"FL1"', "application/json", 400),
        ("flight_id=FL1&seat_num=1A&customer_id=c", "application/x-www-form-urlencoded", 415),
        ('{"flight_id": "FL1", "seat_num": "1A", "customer_id": "c"}', "text/plain", 415),
        ('{"flight_id": "' + "x" * 5000 + '"}', "application/json", 413),
    ],
)
def test_bodies_that_are_not_a_json_object_are_refused(
    client: FlaskClient, data: str, content_type: str, status: int
) -> None:
    response = client.put("/reservations", data=data, content_type=content_type)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert payload(client.get("/events"))["events"] == []


def test_a_json_content_type_with_charset_is_accepted(client: FlaskClient) -> None:
    response = client.put(
        "/reservations",
        data='{"flight_id": "FL1", "seat_num": "1A", "customer_id": "c"}',
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201


def test_the_callers_request_id_comes_back(client: FlaskClient) -> None:
    response = client.delete(
        "/reservations/FL1/1A?customer_id=c", headers={"X-Request-ID": "abc-123"}
    )
    assert response.headers["X-Request-ID"] == "abc-123"
    assert payload(response)["request_id"] == "abc-123"


def test_health_reports_redis_response_time(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    [check] = payload(response)["checks"]["redis:responseTime"]
    assert check["status"] == "pass"
    assert check["componentType"] == "datastore"
    assert 0 < check["observedValue"] < 1000


def test_metrics_count_requests_by_route(client: FlaskClient) -> None:
    reserve(client)
    text = client.get("/metrics").get_data(as_text=True)
    assert 'route="/reservations"' in text
    assert 'status="201"' in text


@pytest.fixture()
def client_without_redis(unused_redis_url: str) -> FlaskClient:
    app = create_app(Settings(redis_url=unused_redis_url), make_store(unused_redis_url))
    app.test_client_class = SpecCheckingClient
    return app.test_client()


@pytest.mark.parametrize(
    ("method", "path", "json"),
    [
        ("PUT", "/reservations", body()),
        ("GET", "/reservations?flight_id=FL1", None),
        ("DELETE", "/reservations/FL1/12C?customer_id=alice", None),
        ("POST", "/bookings", BOOKING),
        ("GET", "/bookings?customer_id=alice", None),
        ("GET", f"/bookings/{UNKNOWN_BOOKING}", None),
        ("DELETE", f"/bookings/{UNKNOWN_BOOKING}?customer_id=alice", None),
        ("GET", "/events", None),
    ],
)
def test_without_redis_every_endpoint_answers_503_quickly(
    client_without_redis: FlaskClient, method: str, path: str, json: object
) -> None:
    started = time.monotonic()
    response = client_without_redis.open(path, method=method, json=json)
    assert time.monotonic() - started < 1.5
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert response.headers["Retry-After"] == "1"


def test_without_redis_health_fails_with_503(client_without_redis: FlaskClient) -> None:
    response = client_without_redis.get("/health")
    assert response.status_code == 503
    assert payload(response)["status"] == "fail"
    assert payload(response)["checks"]["redis:responseTime"][0]["status"] == "fail"


def test_input_is_validated_before_redis_is_needed(client_without_redis: FlaskClient) -> None:
    response = client_without_redis.put("/reservations", json=body(seat="1Z"))
    assert response.status_code == 422
    response = client_without_redis.post("/bookings", json={**BOOKING, "seats": ["1A", "1A"]})
    assert response.status_code == 422
