"""The journeys' choices and how answers are classified: no server, no Locust."""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from loadgen import journeys
from loadgen.journeys import (
    BOOK,
    BOOK_CONTENDED,
    BOOK_HOT,
    BOOK_TAKEN,
    CANCEL,
    CANCEL_AGAIN,
    CANCEL_NOT_HELD,
    SEARCH,
    SEATS,
    TOKEN,
    JourneyOptions,
    Ledger,
    Outcome,
    Reply,
    Seat,
)

JSON = "application/json"
PROBLEM = "application/problem+json"


def seat_map(flight_id: int = 7, taken: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A small A320-like map: business rows 1-2 (AC DF), economy rows 7-8 (ABC DEF)."""

    def cabin(cabin_class: str, rows: range, columns: str, aisle: str) -> dict[str, Any]:
        return {
            "cabin_class": cabin_class,
            "columns": list(columns),
            "aisles_after": [aisle],
            "rows": [
                {
                    "number": row,
                    "exit_row": False,
                    "seats": [
                        {
                            "number": f"{row}{column}",
                            "column": column,
                            "position": "window" if column in "AF" else "aisle",
                            "cabin_class": cabin_class,
                            "exit_row": False,
                            "extra_legroom": row == 1,
                            "available": f"{row}{column}" not in taken,
                        }
                        for column in columns
                    ],
                }
                for row in rows
            ],
        }

    return {
        "flight_id": flight_id,
        "aircraft_type": "Airbus A320-200",
        "configuration": "A320-J12Y150",
        "cabins": [
            cabin("business", range(1, 3), "ACDF", "C"),
            cabin("economy", range(7, 9), "ABCDEF", "C"),
        ],
    }


def flight(**overrides: Any) -> dict[str, Any]:
    return {
        "id": 63,
        "flight_no": "AA1238",
        "departure_date": "2026-12-01",
        "origin": "JFK",
        "destination": "LAX",
        "departure_time": "2026-12-01T14:05:00Z",
        "arrival_time": "2026-12-01T20:30:00Z",
        "aircraft_type": "Airbus A320-200",
    } | overrides


def problem(status: int, **extra: Any) -> dict[str, Any]:
    return {"type": "https://x/problems/p", "title": "T", "status": status, **extra}


# --- choices -------------------------------------------------------------------------------


def test_the_routes_are_the_seeded_ones() -> None:
    routes_file = next(
        path
        for entry in sys.path
        if (path := Path(entry) / "flights" / "seed_data" / "routes.json").is_file()
    )
    seeded = [(r["origin"], r["destination"]) for r in json.loads(routes_file.read_text())]
    assert list(journeys.SEED_ROUTES) == seeded


def test_ordinary_searches_fly_both_ways_but_leave_the_hot_route_alone() -> None:
    assert journeys.HOT_ROUTE in journeys.SEED_ROUTES
    assert journeys.HOT_ROUTE not in journeys.ORDINARY_ROUTES
    assert ("LHR", "JFK") in journeys.ORDINARY_ROUTES
    assert len(journeys.ORDINARY_ROUTES) == 2 * len(journeys.SEED_ROUTES) - 1


def test_searches_stay_within_the_seeded_days() -> None:
    rng = random.Random(1)
    today = date(2026, 3, 1)
    searches = [journeys.pick_search(rng, today, 3) for _ in range(300)]
    days = {s["departure_date"] for s in searches}
    assert days == {str(today + timedelta(days=n)) for n in range(3)}
    assert all((s["origin"], s["destination"]) in journeys.ORDINARY_ROUTES for s in searches)


def test_user_choices_are_reproducible_with_a_seed() -> None:
    def draws(seed: int | None, index: int) -> list[float]:
        rng = journeys.user_rng(seed, index)
        return [rng.random() for _ in range(5)]

    assert draws(7, 1) == draws(7, 1)
    assert draws(7, 1) != draws(7, 2)
    assert draws(None, 1) != draws(None, 1)


def test_journey_mix_follows_the_options() -> None:
    rng = random.Random(3)
    options = JourneyOptions(contention=0.3, browse=0.15)
    kinds = Counter(journeys.pick_journey(rng, options) for _ in range(10_000))
    assert kinds["contended"] == pytest.approx(3000, rel=0.1)
    assert kinds["browse"] == pytest.approx(1500, rel=0.1)
    assert kinds["book"] == pytest.approx(5500, rel=0.1)
    assert journeys.pick_journey(rng, JourneyOptions(contention=0, browse=0)) == "book"


def test_party_sizes_are_one_to_four() -> None:
    rng = random.Random(5)
    sizes = Counter(journeys.party_size(rng) for _ in range(2000))
    assert set(sizes) == {1, 2, 3, 4}
    assert sizes[1] > sizes[2] > sizes[3] > sizes[4]


def test_seats_are_read_front_to_back() -> None:
    seats = journeys.seats_of(seat_map(taken=frozenset({"1C"})))
    assert [s.number for s in seats[:5]] == ["1A", "1C", "1D", "1F", "2A"]
    assert seats[1] == Seat("1C", 1, available=False)
    assert len(seats) == 8 + 12


def test_a_party_sits_side_by_side_on_free_seats() -> None:
    taken = frozenset({"7B", "8C"})
    seats = journeys.seats_of(seat_map(taken=taken))
    for seed in range(50):
        chosen = journeys.choose_seats(seats, 3, random.Random(seed))
        assert len(chosen) == 3
        assert not set(chosen) & taken
        assert len({n[:-1] for n in chosen}) == 1  # one row
        row = [s.number for s in seats if s.number[:-1] == chosen[0][:-1]]
        start = row.index(chosen[0])
        assert row[start : start + 3] == chosen  # adjacent, left to right


def test_without_a_free_block_seats_come_from_anywhere() -> None:
    # Only every other seat is free: no two adjacent free seats anywhere.
    seats = journeys.seats_of(seat_map())
    taken = frozenset(s.number for i, s in enumerate(seats) if i % 2)
    seats = journeys.seats_of(seat_map(taken=taken))
    chosen = journeys.choose_seats(seats, 2, random.Random(1))
    assert len(chosen) == 2
    assert not set(chosen) & taken


def test_a_full_flight_gives_no_seats_and_a_nearly_full_one_what_is_left() -> None:
    all_numbers = frozenset(s.number for s in journeys.seats_of(seat_map()))
    full = journeys.seats_of(seat_map(taken=all_numbers))
    assert journeys.choose_seats(full, 2, random.Random(1)) == []
    one_left = journeys.seats_of(seat_map(taken=all_numbers - {"8F"}))
    assert journeys.choose_seats(one_left, 4, random.Random(1)) == ["8F"]


def test_excluded_seats_are_never_chosen() -> None:
    seats = journeys.seats_of(seat_map())
    exclude = frozenset(s.number for s in seats if s.row != 8)
    for seed in range(20):
        assert {n[0] for n in journeys.choose_seats(seats, 2, random.Random(seed), exclude)} == {
            "8"
        }


def test_hot_seats_are_the_front_of_the_map_for_everyone() -> None:
    seats = journeys.seats_of(seat_map(taken=frozenset({"1A"})))
    assert journeys.hot_seats(seats, 4) == ["1A", "1C", "1D", "1F"]


def test_contended_bookings_take_free_hot_seats_first_then_taken_ones() -> None:
    hot = ["1A", "1C", "1D", "1F"]
    seats = journeys.seats_of(seat_map(taken=frozenset({"1A", "1C", "1D"})))
    assert journeys.choose_contended(seats, hot, 1, random.Random(1)) == ["1F"]
    for seed in range(20):
        two = journeys.choose_contended(seats, hot, 2, random.Random(seed))
        assert "1F" in two
        assert len(two) == 2
        assert set(two) <= set(hot)
    all_taken = journeys.seats_of(seat_map(taken=frozenset(hot)))
    assert set(journeys.choose_contended(all_taken, hot, 2, random.Random(1))) <= set(hot)


def test_cancel_plans_are_some_of_the_booked_seats() -> None:
    booked = ["12A", "12B", "12C"]
    assert journeys.cancel_plan(random.Random(1), booked, share=0) == []
    assert journeys.cancel_plan(random.Random(1), [], share=1) == []
    for seed in range(30):
        plan = journeys.cancel_plan(random.Random(seed), booked, share=1)
        assert plan
        assert plan == [n for n in booked if n in plan]  # a subset, in booking order


# --- classification ------------------------------------------------------------------------


def test_a_search_answer_must_be_a_flight_page_matching_the_criteria() -> None:
    criteria = {"origin": "JFK", "destination": "LAX", "departure_date": "2026-12-01"}
    page = {"items": [flight()], "next_cursor": None}
    assert journeys.classify_search(Reply(200, JSON, page), criteria).ok
    assert journeys.classify_search(Reply(200, JSON, {"items": [], "next_cursor": None}), {}).ok

    wrong_route = {"items": [flight(destination="SFO")], "next_cursor": None}
    no_cursor = {"items": [flight()]}
    missing_field = {"items": [{"id": 1}], "next_cursor": None}
    bodies: list[object] = [wrong_route, no_cursor, missing_field, [], None]
    for body in bodies:
        outcome = journeys.classify_search(Reply(200, JSON, body), criteria)
        assert not outcome.ok
        assert outcome.name == SEARCH
        assert "documented shape" in outcome.reason
    assert not journeys.classify_search(Reply(200, "text/html", page), criteria).ok


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(500, PROBLEM, problem(500)), "500 server error"),
        (Reply(503, PROBLEM, problem(503)), "503 server error"),
        (Reply(422, PROBLEM, problem(422)), "unexpected status 422"),
        (Reply(0, error="ConnectionError"), "no answer: ConnectionError"),
    ],
)
def test_server_errors_and_unexpected_statuses_are_failures(reply: Reply, reason: str) -> None:
    for outcome in (
        journeys.classify_search(reply, {}),
        journeys.classify_seats(reply, 7),
        journeys.classify_booking(reply, {"flight_id": 7, "seats": ["1A"]}, "c", contended=True),
        journeys.classify_cancel(reply, again=True),
        journeys.classify_token(reply),
    ):
        assert not outcome.ok
        assert outcome.reason == reason


def test_a_seat_map_answer_must_be_the_documented_shape_of_that_flight() -> None:
    assert journeys.classify_seats(Reply(200, JSON, seat_map(7)), 7) == Outcome(SEATS, True)
    assert not journeys.classify_seats(Reply(200, JSON, seat_map(8)), 7).ok

    extra_key = seat_map(7)
    extra_key["cabins"][0]["rows"][0]["seats"][0]["holder"] = "cust-1"  # never shown
    bad_class = seat_map(7)
    bad_class["cabins"][1]["cabin_class"] = "steerage"
    duplicated = seat_map(7)
    duplicated["cabins"][1]["rows"].append(duplicated["cabins"][1]["rows"][0])
    not_bool = seat_map(7)
    not_bool["cabins"][0]["rows"][0]["seats"][0]["available"] = "yes"
    for body in (extra_key, bad_class, duplicated, not_bool):
        assert not journeys.classify_seats(Reply(200, JSON, body), 7).ok
    assert not journeys.classify_seats(Reply(404, PROBLEM, problem(404)), 7).ok


CUSTOMER = "lg-1-0"
BOOKING = {"flight_id": 7, "seats": ["1A", "1C"]}  # the customer is the bearer token's


BOOKED = BOOKING | {
    "id": "01JE5Z8Q4W6V0G2X9R3M7T1B5K",
    "customer_id": CUSTOMER,
    "status": "confirmed",
    "created_at": "2026-12-03T12:00:00.123Z",
}


def test_a_booking_is_a_201_echoing_the_request_for_the_tokens_customer() -> None:
    booked = Reply(201, JSON, dict(BOOKED))
    assert journeys.classify_booking(booked, BOOKING, CUSTOMER, contended=False) == Outcome(
        BOOK, True
    )
    assert journeys.classify_booking(booked, BOOKING, CUSTOMER, contended=True).name == BOOK_HOT


@pytest.mark.parametrize(
    "body",
    [
        BOOKED | {"seats": ["1A"]},
        BOOKED | {"status": "cancelled"},
        BOOKED | {"customer_id": "lg-1-1"},
        BOOKING,
    ],
    ids=["other-seats", "cancelled", "other-customer", "no-id"],
)
def test_a_201_that_is_not_the_requested_booking_is_a_failure(body: dict[str, object]) -> None:
    outcome = journeys.classify_booking(Reply(201, JSON, body), BOOKING, CUSTOMER, contended=False)
    assert not outcome.ok
    assert outcome.name == BOOK


def test_a_409_of_a_contended_booking_is_expected_and_counted_apart() -> None:
    taken = Reply(409, PROBLEM, problem(409, seats=["1C"]))
    contended = journeys.classify_booking(taken, BOOKING, CUSTOMER, contended=True)
    assert contended == Outcome(BOOK_CONTENDED, True)
    ordinary = journeys.classify_booking(taken, BOOKING, CUSTOMER, contended=False)
    assert ordinary == Outcome(BOOK_TAKEN, True)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(409, PROBLEM, problem(409, seats=["9Z"])),  # a seat not asked for
        Reply(409, PROBLEM, problem(409)),  # no seats
        Reply(409, JSON, problem(409, seats=["1C"])),  # not a problem document
        Reply(409, PROBLEM, problem(400, seats=["1C"])),  # status mismatch
        Reply(401, PROBLEM, problem(401)),  # the token was refused: never expected
    ],
)
def test_a_409_that_is_not_a_seats_problem_is_a_failure(reply: Reply) -> None:
    outcome = journeys.classify_booking(reply, BOOKING, CUSTOMER, contended=True)
    assert not outcome.ok
    assert outcome.name == BOOK_HOT


def test_a_first_cancel_must_free_the_seat() -> None:
    assert journeys.classify_cancel(Reply(204), again=False) == Outcome(CANCEL, True)
    for status in (401, 404):
        outcome = journeys.classify_cancel(Reply(status, PROBLEM, problem(status)), again=False)
        assert not outcome.ok  # the token was refused, the booking lost, or the seat another's
        assert outcome.name == CANCEL


def test_a_repeated_cancel_finds_the_seat_no_longer_held() -> None:
    gone = journeys.classify_cancel(Reply(404, PROBLEM, problem(404)), again=True)
    assert gone == Outcome(CANCEL_NOT_HELD, True)  # free, or rebooked by someone: alike
    for status in (204, 409):
        twice = journeys.classify_cancel(Reply(status, PROBLEM, problem(status)), again=True)
        assert not twice.ok
        assert twice.name == CANCEL_AGAIN
    assert not journeys.classify_cancel(Reply(404, JSON, problem(404)), again=True).ok


def test_a_token_response_carries_a_bearer_jwt() -> None:
    token = {"access_token": "aaa.bbb.ccc", "token_type": "Bearer", "expires_in": 3600}
    assert journeys.classify_token(Reply(200, JSON, token)) == Outcome(TOKEN, True)
    for reply in (
        Reply(200, JSON, token | {"access_token": "not-a-jwt"}),
        Reply(200, JSON, token | {"token_type": "mac"}),
        Reply(200, JSON, {"token": "aaa.bbb.ccc"}),
        Reply(200, "text/plain", token),
        Reply(422, PROBLEM, problem(422)),
        Reply(0, error="ConnectionError"),
    ):
        outcome = journeys.classify_token(reply)
        assert not outcome.ok
        assert outcome.name == TOKEN


# --- ledger --------------------------------------------------------------------------------


def test_the_ledger_follows_bookings_and_cancels() -> None:
    ledger = Ledger()
    ledger.booked(7, "a", ["1A", "1C"])
    ledger.booked(7, "a", ["1A"])  # a retry holds nothing more
    ledger.booked(9, "b", ["2A"])
    ledger.cancelled(7, "a", "1C")
    ledger.cancelled(9, "a", "2A")  # not a's: changes nothing
    assert ledger.holdings() == [(7, "1A", "a"), (9, "2A", "b")]
    assert ledger.flights == {7, 9}
    assert ledger.double_booked() == []

    ledger.booked(7, "b", ["1A"])
    assert ledger.double_booked() == [(7, "1A")]
