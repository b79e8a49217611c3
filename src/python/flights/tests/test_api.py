"""Every endpoint through HTTP, against a seeded database; the client checks every response
against the committed spec (conftest.SPEC)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from flights import seed
from flights.app import SEAT_MAP_CACHE_CONTROL, _page_json, create_app
from flights.migrate import run
from flights.model import Flight, Page
from flights.repository import connect
from flights.settings import Settings
from testsupport.openapi import routes

from .conftest import SEED_START, SPEC

PROBLEM = "application/problem+json"


def first_jfk_entry() -> seed.TimetableEntry:
    return next(e for e in seed.timetable(seed.routes(), seed.airports()) if e.origin == "JFK")


def a_flight(client: TestClient, **filters: Any) -> dict[str, Any]:
    response = client.get("/flights", params={"limit": 1, **filters})
    assert response.status_code == 200
    item: dict[str, Any] = response.json()["items"][0]
    return item


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    if field is not None:
        assert field in [error["field"] for error in body["errors"]]
        assert field in body["detail"]
    return body


# --- search -------------------------------------------------------------------------------


def test_lookup_by_flight_number_and_date_returns_that_flight(client: TestClient) -> None:
    entry = first_jfk_entry()
    day = SEED_START + timedelta(days=2)
    response = client.get(
        "/flights", params={"flight_no": entry.flight_no, "departure_date": day.isoformat()}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    [flight] = body["items"]
    assert set(flight) == {
        "id",
        "flight_no",
        "departure_date",
        "origin",
        "destination",
        "departure_time",
        "arrival_time",
        "aircraft_type",
    }
    assert (flight["flight_no"], flight["origin"], flight["destination"]) == (
        entry.flight_no,
        "JFK",
        entry.destination,
    )
    assert flight["departure_date"] == day.isoformat()
    departs = datetime.combine(day, entry.local_departure, UTC) + timedelta(hours=5)  # JFK: UTC-5
    assert flight["departure_time"] == departs.isoformat().replace("+00:00", "Z")
    assert flight["arrival_time"].endswith("Z")


def test_lookup_of_a_flight_that_does_not_exist_is_an_empty_list(client: TestClient) -> None:
    response = client.get(
        "/flights", params={"flight_no": "ZZ9999", "departure_date": "2026-12-02"}
    )
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def test_route_search_pages_through_every_flight_with_the_cursor(client: TestClient) -> None:
    params = {"origin": "BOS", "destination": "JFK", "limit": 7}
    ids: list[int] = []
    pages = 0
    response = client.get("/flights", params=params)
    while True:
        assert response.status_code == 200
        body = response.json()
        ids += [item["id"] for item in body["items"]]
        pages += 1
        assert all((i["origin"], i["destination"]) == ("BOS", "JFK") for i in body["items"])
        if body["next_cursor"] is None:
            break
        assert len(body["items"]) == 7
        response = client.get("/flights", params={**params, "cursor": body["next_cursor"]})
    everything = client.get("/flights", params={**params, "limit": 100}).json()["items"]
    assert ids == [item["id"] for item in everything]
    assert len(set(ids)) == len(ids) > 7
    assert pages == -(-len(ids) // 7)


def test_search_by_date_returns_that_utc_day_only(client: TestClient) -> None:
    response = client.get("/flights", params={"departure_date": "2026-12-05", "limit": 100})
    items = response.json()["items"]
    assert items
    assert {item["departure_time"][:10] for item in items} == {"2026-12-05"}
    assert response.json()["next_cursor"] is None  # 74 flights a day, at most, fit in one page


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"flight_no": "aa12"}, "query.flight_no"),
        ({"flight_no": "AA12345"}, "query.flight_no"),
        ({"departure_date": "2026-13-01"}, "query.departure_date"),
        ({"departure_date": "tomorrow"}, "query.departure_date"),
        ({"origin": "JF"}, "query.origin"),
        ({"destination": "lax"}, "query.destination"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 101}, "query.limit"),
        ({"limit": "ten"}, "query.limit"),
        ({"cursor": "definitely-not-a-cursor"}, "query.cursor"),
    ],
)
def test_bad_search_input_is_a_problem_naming_the_field(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    assert_problem(client.get("/flights", params=params), 422, field)


def test_a_search_page_is_served_again_from_memory_within_the_search_cache_ttl(
    client: TestClient, settings: Settings
) -> None:
    params = {"origin": "JFK", "destination": "LAX", "departure_date": "2026-12-03"}
    first = client.get("/flights", params=params)
    assert first.headers["cache-control"] == "public, max-age=30"
    assert first.headers["age"] == "0"
    [flight] = first.json()["items"][:1]
    # The timetable changes behind the service's back (as `flights seed` would change it):
    connection = connect(settings.database)
    try:
        run(connection, "DELETE FROM flights WHERE id = %s", (flight["id"],))
    finally:
        connection.close()
    again = client.get("/flights", params=params)
    assert again.content == first.content  # the same page, for up to 30 s
    assert int(again.headers["age"]) <= 1
    assert client.get(f"/flights/{flight['id']}").status_code == 404  # lookups by id: live
    # Another query string is another page, made now.
    fresh = client.get("/flights", params={**params, "limit": 19}).json()["items"]
    assert flight["id"] not in [f["id"] for f in fresh]


def test_without_a_search_cache_every_search_reads_mysql(settings: Settings) -> None:
    uncached = dataclasses.replace(settings, search_cache_ttl=0)
    with TestClient(create_app(uncached)) as client:
        client.event_hooks["response"].append(SPEC.check_httpx)
        params = {"origin": "JFK", "destination": "LAX", "departure_date": "2026-12-03"}
        first = client.get("/flights", params=params)
        assert "cache-control" not in first.headers
        assert "age" not in first.headers
        flight = first.json()["items"][0]
        connection = connect(settings.database)
        try:
            run(connection, "DELETE FROM flights WHERE id = %s", (flight["id"],))
        finally:
            connection.close()
        ids = [f["id"] for f in client.get("/flights", params=params).json()["items"]]
        assert flight["id"] not in ids


def test_a_cursor_from_another_search_is_refused(client: TestClient) -> None:
    cursor = client.get("/flights", params={"origin": "JFK", "limit": 1}).json()["next_cursor"]
    body = assert_problem(
        client.get("/flights", params={"origin": "BOS", "cursor": cursor}), 422, "query.cursor"
    )
    assert "different filters" in body["errors"][0]["message"]


@pytest.mark.parametrize("cursor", [None, "eyJ0IjoxNzk2MTYxNTAwLCJpIjo0NX0"])
def test_a_page_is_written_as_json_dumps_would_write_it(cursor: str | None) -> None:
    departs = datetime(2026, 12, 1, 15, 45, tzinfo=UTC)
    flights = (
        Flight(43, "AA104", "JFK", "LHR", departs, departs + timedelta(hours=7), "Boeing 787-9", 3),
        Flight(7, "9W1A", "BOS", "JFK", departs, departs + timedelta(hours=1), 'Ünï "jet"\\', 1),
    )
    expected = {
        "items": [
            {
                "id": f.id,
                "flight_no": f.flight_no,
                "departure_date": f.departure_date.isoformat(),
                "origin": f.origin,
                "destination": f.destination,
                "departure_time": f.departure_time.isoformat().replace("+00:00", "Z"),
                "arrival_time": f.arrival_time.isoformat().replace("+00:00", "Z"),
                "aircraft_type": f.aircraft_type,
            }
            for f in flights
        ],
        "next_cursor": cursor,
    }
    assert _page_json(Page(flights, cursor)) == json.dumps(expected, separators=(",", ":"))
    assert _page_json(Page((), None)) == '{"items":[],"next_cursor":null}'


# --- one flight ----------------------------------------------------------------------------


def test_get_flight_returns_the_flight_the_search_found(client: TestClient) -> None:
    found = a_flight(client, origin="DFW", destination="NRT")
    response = client.get(f"/flights/{found['id']}")
    assert response.status_code == 200
    assert response.json() == found
    assert found["aircraft_type"] == "Boeing 787-9"


def test_an_unknown_flight_is_a_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/flights/999999999"), 404)
    assert body["detail"] == "no flight with id 999999999"
    assert body["instance"] == "/flights/999999999"


@pytest.mark.parametrize("flight_id", ["0", "-1", "abc", "1.5", str(2**63)])
def test_a_malformed_flight_id_is_a_problem_naming_it(client: TestClient, flight_id: str) -> None:
    assert_problem(client.get(f"/flights/{flight_id}"), 422, "path.flight_id")
    assert_problem(client.get(f"/flights/{flight_id}/seat_map"), 422, "path.flight_id")


# --- seat maps -----------------------------------------------------------------------------


def test_the_seat_map_has_cabins_rows_and_seats_with_characteristics(client: TestClient) -> None:
    flight = a_flight(client, origin="JFK", destination="LAX")
    response = client.get(f"/flights/{flight['id']}/seat_map")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == SEAT_MAP_CACHE_CONTROL
    body = response.json()
    assert (body["aircraft_type"], body["configuration"]) == ("Airbus A320-200", "A320-J12Y150")
    assert [cabin["cabin_class"] for cabin in body["cabins"]] == ["business", "economy"]
    economy = body["cabins"][1]
    row_12 = next(row for row in economy["rows"] if row["number"] == 12)
    assert row_12["exit_row"] is True
    assert [(s["number"], s["position"]) for s in row_12["seats"][:3]] == [
        ("12A", "window"),
        ("12B", "middle"),
        ("12C", "aisle"),
    ]
    assert all(s["extra_legroom"] and s["cabin_class"] == "economy" for s in row_12["seats"])


def test_flights_sharing_a_configuration_share_the_etag_and_others_do_not(
    client: TestClient,
) -> None:
    a320s = client.get(
        "/flights", params={"origin": "JFK", "destination": "LAX", "limit": 2}
    ).json()["items"]
    b789 = a_flight(client, origin="JFK", destination="LHR")
    etags = [client.get(f"/flights/{f['id']}/seat_map").headers["etag"] for f in (*a320s, b789)]
    assert etags[0] == etags[1] != etags[2]
    assert etags[0].startswith('"')  # strong


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", "W/{etag}", '"something-else", {etag}', "*"],
)
def test_a_matching_if_none_match_gets_304_without_a_body(
    client: TestClient, if_none_match: str
) -> None:
    flight = a_flight(client, origin="BOS", destination="ORD")
    first = client.get(f"/flights/{flight['id']}/seat_map")
    etag = first.headers["etag"]
    response = client.get(
        f"/flights/{flight['id']}/seat_map",
        headers={"If-None-Match": if_none_match.format(etag=etag)},
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == SEAT_MAP_CACHE_CONTROL


def test_a_stale_if_none_match_gets_the_seat_map(client: TestClient) -> None:
    flight = a_flight(client, origin="BOS", destination="ORD")
    response = client.get(f"/flights/{flight['id']}/seat_map", headers={"If-None-Match": '"0123"'})
    assert response.status_code == 200
    assert response.json()["configuration"] == "E175-F12Y64"


def test_the_seat_map_of_an_unknown_flight_is_a_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/flights/999999999/seat_map"), 404)


# --- the spec and the chassis endpoints ----------------------------------------------------


def test_the_app_serves_its_committed_spec_and_exactly_its_operations(client: TestClient) -> None:
    SPEC.validate()
    assert client.get("/openapi.json").json() == SPEC.document
    assert routes(client.app) == SPEC.operations()



def test_ping_health_and_metrics(client: TestClient) -> None:
    assert client.get("/ping").json() == {"status": "pass"}
    health = client.get("/health")
    assert health.status_code == 200
    assert health.headers["content-type"] == "application/health+json"
    body = health.json()
    assert (body["status"], body["serviceId"]) == ("pass", "flights")
    [check] = body["checks"]["mysql:responseTime"]
    assert (check["componentType"], check["status"], check["observedUnit"]) == (
        "datastore",
        "pass",
        "ms",
    )
    assert 0 < check["observedValue"] < 1000
    client.get("/flights/999999999")
    metrics = client.get("/metrics").text
    assert 'route="/flights/{flight_id}"' in metrics
    assert 'status="404"' in metrics
