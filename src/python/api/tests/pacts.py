"""The API layer's consumer contracts (Pact V4) with the flights and reservations services.

Every interaction the API layer relies on is a ``Scenario``: its provider states, the
request and the response (with matchers where the value does not matter), and an exercise
that drives the API layer's real client against Pact's mock server and checks what the
client makes of the answer. ``write_pacts`` runs them all and writes
``api-flights.json`` and ``api-reservations.json``, normalised so that the same scenarios
always produce the same bytes (test_pacts.py compares them with the committed ones).

Regenerate the committed pacts (from the repository root):

    ./pants run src/python/api/tests/pacts.py
    PYTHONPATH=src/python python -m api.tests.pacts      # the same, in a plain venv

Provider states and their parameters are listed in contracts/README.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pact import Pact, generate, match
from pact.interaction import HttpInteraction
from pact.match.matcher import GenericMatcher

from api.clients.flights import FlightsClient
from api.clients.http import ClientConfig
from api.clients.reservations import ReservationsClient
from api.model import BookingNotFound, FlightNotFound, NotYourBooking, Released, SeatsUnavailable
from api.ports import UpstreamRejected
from chassis.requestid import bind, unbind

# Pact's mock server and verifier otherwise report usage to an analytics host.
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

CONSUMER = "api"
PROVIDERS = ("flights", "reservations")
REGENERATE = "./pants run src/python/api/tests/pacts.py"
REQUEST_ID = "pact-request-1"
CONFIG = ClientConfig(retries=0)  # one request per interaction: a retry would be a mismatch

FLIGHT_ID, FLIGHT_NO, ORIGIN, DESTINATION, DEPARTURE_DATE = 1, "AA1238", "JFK", "LAX", "2026-12-01"
FLIGHT: dict[str, object] = {
    "flight_id": FLIGHT_ID,
    "flight_no": FLIGHT_NO,
    "origin": ORIGIN,
    "destination": DESTINATION,
    "departure_date": DEPARTURE_DATE,
}
MISSING_FLIGHT_ID = 999999
CUSTOMER, OTHER_CUSTOMER = "cust-42", "cust-7"
SEAT, OTHER_SEAT = "12C", "14A"

DATE = r"^\d{4}-\d{2}-\d{2}$"
DATE_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
ETAG = r'^(W/)?"[^"]+"$'
# The API layer uses a seat map without asking again while it is fresh (max-age). Pact
# matches each comma-separated directive on its own: any max-age, and nothing that would
# forbid reuse (no-cache, no-store, private).
CACHE_CONTROL = r"^(public|must-revalidate|max-age=[0-9]+|s-maxage=[0-9]+)$"
SEAT_NUMBER = r"^[1-9][0-9]{0,2}[A-Z]$"
CABIN_CLASS = r"^(first|business|premium_economy|economy)$"


@dataclass(frozen=True)
class Scenario:
    provider: str
    description: str
    declare: Callable[[HttpInteraction], object]
    exercise: Callable[[str], Coroutine[Any, Any, None]]  # gets the mock server's URL


# --- shared pieces ------------------------------------------------------------------------


def _request_id(interaction: HttpInteraction) -> HttpInteraction:
    """Every request forwards the caller's X-Request-ID; any sane id will do."""
    return interaction.with_header(
        "X-Request-ID", match.regex(REQUEST_ID, regex=r"^[A-Za-z0-9._:-]{1,128}$")
    )


def _problem(interaction: HttpInteraction, status: int, **members: Any) -> HttpInteraction:
    body = {"type": match.like("about:blank"), "title": match.like("Conflict"), **members}
    return interaction.will_respond_with(status).with_body(
        {**body, "status": status}, "application/problem+json"
    )


def _flight_exists(interaction: HttpInteraction) -> HttpInteraction:
    return interaction.given("a flight exists", FLIGHT)


def _seat_free(interaction: HttpInteraction, seat: str = SEAT) -> HttpInteraction:
    params: dict[str, object] = {"flight_id": str(FLIGHT_ID), "seat_num": seat}
    return interaction.given("a seat is free", params)


def _seat_held(interaction: HttpInteraction, customer: str, seat: str = SEAT) -> HttpInteraction:
    params: dict[str, object] = {
        "flight_id": str(FLIGHT_ID),
        "seat_num": seat,
        "customer_id": customer,
    }
    return interaction.given("a seat is held by a customer", params)


SEAT_MAP = {
    "aircraft_type": match.like("Airbus A320-200"),
    "configuration": match.like("A320-J12Y150"),
    "cabins": match.each_like(
        {
            "cabin_class": match.regex("economy", regex=CABIN_CLASS),
            "columns": match.each_like("C"),
            "aisles_after": match.each_like("C"),
            "rows": match.each_like(
                {
                    "number": match.int(12),
                    "exit_row": match.bool(False),
                    "seats": match.each_like(
                        {
                            "number": match.regex(SEAT, regex=SEAT_NUMBER),
                            "column": match.like("C"),
                            "position": match.regex("aisle", regex=r"^(window|aisle|middle)$"),
                            "cabin_class": match.regex("economy", regex=CABIN_CLASS),
                            "exit_row": match.bool(False),
                            "extra_legroom": match.bool(False),
                        }
                    ),
                }
            ),
        }
    ),
}
CURRENT_ETAG = '"5126a60fbb5c3d4e9d52a23028128b8b"'  # an example; the provider sends its own
FLIGHTS_CACHE_CONTROL = "public, max-age=300, must-revalidate"  # what flights sends today


def _flights(url: str) -> FlightsClient:
    return FlightsClient(url, CONFIG)


def _reservations(url: str) -> ReservationsClient:
    return ReservationsClient(url, CONFIG)


# --- flights ------------------------------------------------------------------------------


FLIGHT_DOCUMENT = {
    "id": match.int(FLIGHT_ID),
    "flight_no": match.like(FLIGHT_NO),
    "departure_date": match.regex(DEPARTURE_DATE, regex=DATE),
    "origin": match.like(ORIGIN),
    "destination": match.like(DESTINATION),
    "departure_time": match.regex("2026-12-01T12:45:00Z", regex=DATE_TIME),
    "arrival_time": match.regex("2026-12-01T19:10:00Z", regex=DATE_TIME),
    "aircraft_type": match.like("Airbus A320-200"),
}


def _search(i: HttpInteraction) -> None:
    query = {"origin": ORIGIN, "destination": DESTINATION, "departure_date": DEPARTURE_DATE}
    _request_id(
        _flight_exists(i).with_request("GET", "/flights").with_query_parameters(query)
    ).will_respond_with(200).with_body(
        {
            "items": match.each_like(FLIGHT_DOCUMENT),
            "next_cursor": None,
        },
        "application/json",
    )


async def _search_run(url: str) -> None:
    client = _flights(url)
    query = [("origin", ORIGIN), ("destination", DESTINATION), ("departure_date", DEPARTURE_DATE)]
    page = json.loads(await client.search(query))
    assert [f["flight_no"] for f in page["items"]] == [FLIGHT_NO]
    await client.aclose()


def _flight(i: HttpInteraction) -> None:
    _request_id(_flight_exists(i).with_request("GET", f"/flights/{FLIGHT_ID}"))
    i.will_respond_with(200).with_body(FLIGHT_DOCUMENT, "application/json")


async def _flight_run(url: str) -> None:
    client = _flights(url)
    flight = json.loads(await client.flight(FLIGHT_ID))
    assert (flight["id"], flight["flight_no"]) == (FLIGHT_ID, FLIGHT_NO)
    await client.aclose()


def _invalid_search(i: HttpInteraction) -> None:
    _problem(
        _request_id(
            i.with_request("GET", "/flights").with_query_parameter("flight_no", "not-a-flight")
        ),
        422,
        title=match.like("Unprocessable Entity"),
        detail=match.like("Invalid request fields: query.flight_no"),
        errors=match.each_like(
            {"field": "query.flight_no", "message": match.like("String should match pattern")}
        ),
    )


async def _invalid_search_run(url: str) -> None:
    client = _flights(url)
    with pytest.raises(UpstreamRejected) as rejected:
        await client.search([("flight_no", "not-a-flight")])
    assert rejected.value.status == 422
    assert rejected.value.problem["errors"][0]["field"] == "query.flight_no"
    await client.aclose()


def _validators(interaction: HttpInteraction) -> HttpInteraction:
    """A seat map's ETag (to revalidate) and Cache-Control (how long it is fresh)."""
    return interaction.with_header("ETag", match.regex(CURRENT_ETAG, regex=ETAG)).with_header(
        "Cache-Control", match.regex(FLIGHTS_CACHE_CONTROL, regex=CACHE_CONTROL)
    )


def _seat_map(i: HttpInteraction) -> None:
    _request_id(_flight_exists(i).with_request("GET", f"/flights/{FLIGHT_ID}/seat_map"))
    _validators(i.will_respond_with(200)).with_body(SEAT_MAP, "application/json")


async def _seat_map_run(url: str) -> None:
    client = _flights(url)
    seat_map = await client.seat_map(FLIGHT_ID)
    assert SEAT in seat_map.seat_numbers
    assert client.cache.get(FLIGHT_ID) == (CURRENT_ETAG, seat_map)  # kept to revalidate
    assert await client.seat_map(FLIGHT_ID) is seat_map  # fresh: no second request
    await client.aclose()


def _seat_map_unchanged(i: HttpInteraction) -> None:
    # The provider's state change must return {"etag": <the seat map's current ETag>}:
    # Pact puts it into If-None-Match (provider-state injection, contracts/README.md).
    current = GenericMatcher(
        "regex", CURRENT_ETAG, regex=ETAG, generator=generate.provider_state("${etag}")
    )
    _request_id(
        _flight_exists(i)
        .with_request("GET", f"/flights/{FLIGHT_ID}/seat_map")
        .with_header("If-None-Match", current)
    )
    _validators(i.will_respond_with(304))


async def _seat_map_unchanged_run(url: str) -> None:
    from api.tests.fakes import seat_map_of  # a seat map the client already holds

    client = _flights(url)
    held = client.cache.put(FLIGHT_ID, CURRENT_ETAG, seat_map_of(SEAT))  # stale: revalidated
    assert await client.seat_map(FLIGHT_ID) is held
    assert await client.seat_map(FLIGHT_ID) is held  # fresh again: no second request
    await client.aclose()


def _missing_seat_map(i: HttpInteraction) -> None:
    _problem(
        _request_id(
            i.given("no flight exists", {"flight_id": MISSING_FLIGHT_ID}).with_request(
                "GET", f"/flights/{MISSING_FLIGHT_ID}/seat_map"
            )
        ),
        404,
        title=match.like("Not Found"),
    )


async def _missing_seat_map_run(url: str) -> None:
    client = _flights(url)
    with pytest.raises(FlightNotFound):
        await client.seat_map(MISSING_FLIGHT_ID)
    await client.aclose()


# --- reservations -------------------------------------------------------------------------


SEATS = (SEAT, OTHER_SEAT)
KEY = "key-3f2c1a9e"
BOOKING_ID = "01JE5Z8Q4W6V0G2X9R3M7T1B5K"
BOOKING_ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"


def _booking(customer: str = CUSTOMER) -> dict[str, object]:
    return {
        "id": match.regex(BOOKING_ID, regex=BOOKING_ID_PATTERN),
        "flight_id": str(FLIGHT_ID),
        "customer_id": customer,
        "seats": list(SEATS),
        "status": "confirmed",
        "created_at": match.regex("2026-12-03T12:00:00.123Z", regex=DATE_TIME),
    }


def _seats_free(interaction: HttpInteraction) -> HttpInteraction:
    params: dict[str, object] = {"flight_id": str(FLIGHT_ID), "seats": list(SEATS)}
    return interaction.given("seats are free", params)


def _booking_exists(interaction: HttpInteraction, customer: str = CUSTOMER) -> HttpInteraction:
    params: dict[str, object] = {
        "flight_id": str(FLIGHT_ID),
        "customer_id": customer,
        "seats": list(SEATS),
    }
    return interaction.given("a booking exists", params)


def _booked_with_key(interaction: HttpInteraction) -> HttpInteraction:
    params: dict[str, object] = {
        "flight_id": str(FLIGHT_ID),
        "customer_id": CUSTOMER,
        "seats": list(SEATS),
        "idempotency_key": KEY,
    }
    return interaction.given("a booking was made with a key", params)


def _book(i: HttpInteraction, seats: Sequence[str] = SEATS) -> HttpInteraction:
    body = {"flight_id": str(FLIGHT_ID), "customer_id": CUSTOMER, "seats": list(seats)}
    return _request_id(
        i.with_request("POST", "/bookings")
        .with_header("Idempotency-Key", KEY)
        .with_body(body, "application/json")
    )


def _booked(i: HttpInteraction, status: int) -> None:
    location = match.regex(f"/bookings/{BOOKING_ID}", regex=r"^/bookings/[0-9A-HJKMNP-TV-Z]{26}$")
    i.will_respond_with(status).with_header("Location", location).with_body(
        _booking(), "application/json"
    )


def _book_free(i: HttpInteraction) -> None:
    _booked(_book(_seats_free(i)), 201)


def _book_again(i: HttpInteraction) -> None:
    _booked(_book(_booked_with_key(i)), 200)


def _booking_run(replayed: bool) -> Callable[[str], Coroutine[Any, Any, None]]:
    async def run(url: str) -> None:
        client = _reservations(url)
        booked = await client.book(FLIGHT_ID, CUSTOMER, SEATS, KEY)
        assert (booked.booking.seats, booked.replayed) == (SEATS, replayed)
        await client.aclose()

    return run


def _book_held_by_other(i: HttpInteraction) -> None:
    _problem(
        _book(_seat_held(_seat_free(i), OTHER_CUSTOMER, OTHER_SEAT)), 409, seats=[OTHER_SEAT]
    )


async def _book_held_by_other_run(url: str) -> None:
    client = _reservations(url)
    with pytest.raises(SeatsUnavailable) as refused:
        await client.book(FLIGHT_ID, CUSTOMER, SEATS, KEY)
    assert refused.value.seats == [OTHER_SEAT]
    await client.aclose()


def _book_key_reused(i: HttpInteraction) -> None:
    error = {"field": "header.Idempotency-Key", "message": match.like("was used for another")}
    _problem(_book(_booked_with_key(i), seats=(SEAT,)), 422, errors=[error])


async def _book_key_reused_run(url: str) -> None:
    client = _reservations(url)
    with pytest.raises(UpstreamRejected) as rejected:
        await client.book(FLIGHT_ID, CUSTOMER, (SEAT,), KEY)
    assert rejected.value.problem["errors"][0]["field"] == "header.Idempotency-Key"
    await client.aclose()


def _existing_booking_path() -> GenericMatcher[str]:
    # The provider's state change returns {"booking_id": ...}: only it knows the new id.
    return GenericMatcher(
        "regex",
        f"/bookings/{BOOKING_ID}",
        regex=r"^/bookings/[0-9A-HJKMNP-TV-Z]{26}$",
        generator=generate.provider_state("/bookings/${booking_id}"),
    )


def _read_booking(i: HttpInteraction) -> None:
    _request_id(_booking_exists(i).with_request("GET", _existing_booking_path()))
    i.will_respond_with(200).with_body(_booking(), "application/json")


async def _read_booking_run(url: str) -> None:
    client = _reservations(url)
    booking = await client.booking(BOOKING_ID)
    assert (booking.flight_id, booking.seats, booking.status) == (FLIGHT_ID, SEATS, "confirmed")
    await client.aclose()


def _no_booking(interaction: HttpInteraction) -> HttpInteraction:
    return interaction.given("no booking has this id", {"booking_id": BOOKING_ID})


def _read_missing_booking(i: HttpInteraction) -> None:
    path = f"/bookings/{BOOKING_ID}"
    _problem(_request_id(_no_booking(i).with_request("GET", path)), 404, title=match.like("x"))


async def _read_missing_booking_run(url: str) -> None:
    client = _reservations(url)
    with pytest.raises(BookingNotFound):
        await client.booking(BOOKING_ID)
    await client.aclose()


def _list_bookings(i: HttpInteraction) -> None:
    _request_id(
        _booking_exists(i)
        .with_request("GET", "/bookings")
        .with_query_parameter("customer_id", CUSTOMER)
        .with_query_parameter("limit", "20")
    ).will_respond_with(200).with_body(
        {"items": match.each_like(_booking()), "next_cursor": None}, "application/json"
    )


async def _list_bookings_run(url: str) -> None:
    client = _reservations(url)
    page = await client.bookings(CUSTOMER, 20, None)
    assert [b.seats for b in page.items] == [SEATS]
    assert page.next_cursor is None
    await client.aclose()


def _cancel(i: HttpInteraction) -> HttpInteraction:
    return _request_id(
        i.with_request("DELETE", _existing_booking_path()).with_query_parameter(
            "customer_id", CUSTOMER
        )
    )


def _cancel_own(i: HttpInteraction) -> None:
    _cancel(_booking_exists(i)).will_respond_with(204)


def _cancel_others(i: HttpInteraction) -> None:
    _problem(_cancel(_booking_exists(i, OTHER_CUSTOMER)), 409)


def _cancelling(error: type[Exception] | None) -> Callable[[str], Coroutine[Any, Any, None]]:
    async def run(url: str) -> None:
        client = _reservations(url)
        if error is None:
            await client.cancel(BOOKING_ID, CUSTOMER)
        else:
            with pytest.raises(error):
                await client.cancel(BOOKING_ID, CUSTOMER)
        await client.aclose()

    return run


def _release(i: HttpInteraction) -> HttpInteraction:
    return _request_id(
        i.with_request("DELETE", f"/reservations/{FLIGHT_ID}/{SEAT}").with_query_parameter(
            "customer_id", CUSTOMER
        )
    )


def _release_held_by_customer(i: HttpInteraction) -> None:
    _release(_seat_held(i, CUSTOMER)).will_respond_with(204)


def _release_free(i: HttpInteraction) -> None:
    _problem(_release(_seat_free(i)), 404, title=match.like("Not Found"))


def _release_held_by_other(i: HttpInteraction) -> None:
    _problem(_release(_seat_held(i, OTHER_CUSTOMER)), 409)


def _releasing(expected: Released) -> Callable[[str], Coroutine[Any, Any, None]]:
    async def run(url: str) -> None:
        client = _reservations(url)
        assert await client.release(FLIGHT_ID, SEAT, CUSTOMER) is expected
        await client.aclose()

    return run


def _holders(i: HttpInteraction) -> None:
    # Which seats are held matters (availability); who holds them does not, to the API.
    _request_id(
        _seat_held(_seat_held(i, CUSTOMER), OTHER_CUSTOMER, OTHER_SEAT)
        .with_request("GET", "/reservations")
        .with_query_parameter("flight_id", str(FLIGHT_ID))
    ).will_respond_with(200).with_body(
        {SEAT: match.like(CUSTOMER), OTHER_SEAT: match.like(OTHER_CUSTOMER)}, "application/json"
    )


async def _holders_run(url: str) -> None:
    client = _reservations(url)
    assert await client.holders(FLIGHT_ID) == {SEAT: CUSTOMER, OTHER_SEAT: OTHER_CUSTOMER}
    await client.aclose()


# --- both ---------------------------------------------------------------------------------


def _health(i: HttpInteraction) -> None:
    i.with_request("GET", "/health").will_respond_with(200).with_body(
        {"status": match.regex("pass", regex=r"^(pass|warn)$")}, "application/health+json"
    )


def _health_run(
    make: Callable[[str], FlightsClient | ReservationsClient],
) -> Callable[[str], Coroutine[Any, Any, None]]:
    async def run(url: str) -> None:
        client = make(url)
        assert await client.health() is None  # pass
        await client.aclose()

    return run


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("flights", "a search for flights by route and date", _search, _search_run),
    Scenario("flights", "a request for one flight", _flight, _flight_run),
    Scenario(
        "flights", "a search with an invalid flight number", _invalid_search, _invalid_search_run
    ),
    Scenario("flights", "a request for the seat map of a flight", _seat_map, _seat_map_run),
    Scenario(
        "flights",
        "a conditional request for a seat map the API layer holds",
        _seat_map_unchanged,
        _seat_map_unchanged_run,
    ),
    Scenario(
        "flights",
        "a request for the seat map of a flight that does not exist",
        _missing_seat_map,
        _missing_seat_map_run,
    ),
    Scenario("flights", "a health check", _health, _health_run(_flights)),
    Scenario(
        "reservations", "a request to book free seats", _book_free, _booking_run(replayed=False)
    ),
    Scenario(
        "reservations",
        "a booking request repeated with its idempotency key",
        _book_again,
        _booking_run(replayed=True),
    ),
    Scenario(
        "reservations",
        "a request to book seats one of which another customer holds",
        _book_held_by_other,
        _book_held_by_other_run,
    ),
    Scenario(
        "reservations",
        "a booking request reusing an idempotency key for other seats",
        _book_key_reused,
        _book_key_reused_run,
    ),
    Scenario("reservations", "a request for a booking", _read_booking, _read_booking_run),
    Scenario(
        "reservations",
        "a request for a booking that does not exist",
        _read_missing_booking,
        _read_missing_booking_run,
    ),
    Scenario(
        "reservations", "a request for a customer's bookings", _list_bookings, _list_bookings_run
    ),
    Scenario(
        "reservations", "a request to cancel the customer's booking", _cancel_own, _cancelling(None)
    ),
    Scenario(
        "reservations",
        "a request to cancel another customer's booking",
        _cancel_others,
        _cancelling(NotYourBooking),
    ),
    Scenario(
        "reservations",
        "a request to release a seat the customer holds",
        _release_held_by_customer,
        _releasing(Released.RELEASED),
    ),
    Scenario(
        "reservations",
        "a request to release a seat nobody holds",
        _release_free,
        _releasing(Released.NOT_HELD),
    ),
    Scenario(
        "reservations",
        "a request to release a seat another customer holds",
        _release_held_by_other,
        _releasing(Released.HELD_BY_OTHER),
    ),
    Scenario("reservations", "a request for the held seats of a flight", _holders, _holders_run),
    Scenario("reservations", "a health check", _health, _health_run(_reservations)),
)


# --- running and writing ------------------------------------------------------------------


def run_scenario(scenario: Scenario, directory: Path | None = None) -> None:
    """Declare the interaction, let the real client talk to the mock server (which fails on
    any mismatch or missing request when the block ends), then merge it into the pact file
    in ``directory``, if given."""
    pact = Pact(CONSUMER, scenario.provider).with_specification("V4")
    scenario.declare(pact.upon_receiving(scenario.description))
    with pact.serve(addr="127.0.0.1") as server:
        token = bind(REQUEST_ID)
        try:
            asyncio.run(scenario.exercise(str(server.url)))
        finally:
            unbind(token)
    if directory is not None:
        pact.write_file(directory)


def pact_file(directory: Path, provider: str) -> Path:
    return directory / f"{CONSUMER}-{provider}.json"


def write_pacts(directory: Path) -> list[Path]:
    """Write both pact files from scratch (Pact merges into existing files) and normalise
    them. Returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    files = [pact_file(directory, provider) for provider in PROVIDERS]
    for file in files:
        file.unlink(missing_ok=True)
    for scenario in SCENARIOS:
        run_scenario(scenario, directory)
    for file in files:
        file.write_text(normalised(json.loads(file.read_text("utf-8"))), "utf-8")
    return files


def normalised(pact: dict[str, Any]) -> str:
    """The pact with what varies between runs removed: the Pact library versions in the
    metadata (kept: the specification version), and the order of the interactions. Keys
    sorted, two-space indent, a final newline: the committed form."""
    metadata = {"pactSpecification": pact.get("metadata", {}).get("pactSpecification")}
    interactions = sorted(pact["interactions"], key=lambda i: i["description"])
    stable = {**pact, "metadata": metadata, "interactions": interactions}
    return json.dumps(stable, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the committed pacts in ./contracts (run from the repository root)."""
    target = Path(*(argv if argv is not None else sys.argv[1:]) or ["contracts"])
    if not target.is_dir():
        print(f"{target.resolve()} is not a directory; run this from the repository root")
        return 2
    for file in write_pacts(target):
        print(f"wrote {file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
