"""Domain rules: seat map expansion, search validation, cursors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from flights.model import (
    AircraftLayout,
    CabinClass,
    CabinLayout,
    Flight,
    InvalidInputError,
    Position,
    SearchCriteria,
    SeatMap,
    build_seat_map,
    decode_cursor,
    encode_cursor,
    paginate,
)


def layout(*cabins: CabinLayout) -> AircraftLayout:
    return AircraftLayout("TEST-1", "Test Jet", cabins)


def positions(seat_map: SeatMap, row: int) -> str:
    """'W', 'A', 'M' per seat of a row, e.g. 'WMA AMW' flattened to 'WMAAMW'."""
    seats = next(r for c in seat_map.cabins for r in c.rows if r.number == row).seats
    return "".join(seat.position.value[0].upper() for seat in seats)


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        ("ABC DEF", "WMAAMW"),  # narrow-body economy, 3-3
        ("AC DF", "WAAW"),  # narrow-body business, 2-2
        ("A CD", "WAW"),  # regional first, 1-2
        ("A DG L", "WAAW"),  # wide-body business, 1-2-1: the middle pair are both aisles
        ("ABC DEF HJK", "WMAAMAAMW"),  # wide-body economy, 3-3-3
        ("AC DEFG HK", "WAAMMAAW"),  # 2-4-2
    ],
)
def test_positions_follow_the_aisles(plan: str, expected: str) -> None:
    seat_map = build_seat_map(layout(CabinLayout(CabinClass.ECONOMY, 1, 1, plan)))
    assert positions(seat_map, 1) == expected


def test_seats_are_numbered_row_then_letter_and_carry_their_characteristics() -> None:
    seat_map = build_seat_map(
        layout(
            CabinLayout(CabinClass.BUSINESS, 1, 2, "AC DF", extra_legroom_rows=frozenset({1})),
            CabinLayout(
                CabinClass.ECONOMY,
                10,
                14,
                "ABC DEF",
                exit_rows=frozenset({12}),
                extra_legroom_rows=frozenset({12}),
                skipped_rows=frozenset({13}),
                missing_seats=frozenset({"14D"}),
            ),
        )
    )
    assert [cabin.cabin_class for cabin in seat_map.cabins] == [
        CabinClass.BUSINESS,
        CabinClass.ECONOMY,
    ]
    assert [row.number for row in seat_map.cabins[1].rows] == [10, 11, 12, 14]
    assert seat_map.seat_count == 2 * 4 + 4 * 6 - 1
    assert seat_map.seat("14D") is None
    assert seat_map.seat("13A") is None

    exit_aisle = seat_map.seat("12C")
    assert exit_aisle is not None
    assert (exit_aisle.position, exit_aisle.exit_row, exit_aisle.extra_legroom) == (
        Position.AISLE,
        True,
        True,
    )
    assert exit_aisle.cabin_class is CabinClass.ECONOMY
    plain = seat_map.seat("11B")
    assert plain is not None
    assert (plain.position, plain.exit_row, plain.extra_legroom) == (Position.MIDDLE, False, False)
    front = seat_map.seat("1A")
    assert front is not None
    assert (front.cabin_class, front.extra_legroom) == (CabinClass.BUSINESS, True)
    assert seat_map.cabins[1].aisles_after == ("C",)
    assert seat_map.cabins[1].rows[2].exit_row is True


@pytest.mark.parametrize(
    ("cabins", "message"),
    [
        ((), "no cabins"),
        (
            (
                CabinLayout(CabinClass.BUSINESS, 1, 5, "AC DF"),
                CabinLayout(CabinClass.ECONOMY, 5, 9, "ABC DEF"),
            ),
            "overlap",
        ),
        ((CabinLayout(CabinClass.ECONOMY, 9, 5, "ABC DEF"),), "overlap or run backwards"),
        ((CabinLayout(CabinClass.ECONOMY, 1, 5, "ABC CDE"),), "distinct capital letters"),
        ((CabinLayout(CabinClass.ECONOMY, 1, 5, "abc def"),), "distinct capital letters"),
        (
            (CabinLayout(CabinClass.ECONOMY, 1, 5, "ABC DEF", exit_rows=frozenset({7})),),
            "exit rows [7]",
        ),
        (
            (
                CabinLayout(
                    CabinClass.ECONOMY,
                    1,
                    5,
                    "ABC DEF",
                    skipped_rows=frozenset({3}),
                    extra_legroom_rows=frozenset({3}),
                ),
            ),
            "extra legroom rows [3]",
        ),
        (
            (CabinLayout(CabinClass.ECONOMY, 1, 5, "ABC DEF", missing_seats=frozenset({"6A"})),),
            "['6A']",
        ),
    ],
)
def test_impossible_layouts_are_refused(cabins: tuple[CabinLayout, ...], message: str) -> None:
    with pytest.raises(ValueError, match="TEST-1") as raised:
        build_seat_map(layout(*cabins))
    assert message in str(raised.value)


def test_the_document_round_trips_and_its_hash_ignores_key_order_but_not_content() -> None:
    seat_map = build_seat_map(
        layout(CabinLayout(CabinClass.ECONOMY, 1, 3, "AB CD", exit_rows=frozenset({2})))
    )
    document = seat_map.to_document()
    assert SeatMap.from_document(document) == seat_map
    assert document["cabins"][0]["rows"][1]["seats"][0] == {
        "number": "2A",
        "column": "A",
        "position": "window",
        "cabin_class": "economy",
        "exit_row": True,
        "extra_legroom": False,
    }
    reordered = SeatMap.from_document(dict(reversed(list(document.items()))))
    assert reordered.content_hash() == seat_map.content_hash()
    wider = build_seat_map(layout(CabinLayout(CabinClass.ECONOMY, 1, 3, "AB CDE")))
    assert wider.content_hash() != seat_map.content_hash()


# --- search criteria and cursors ---------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"flight_no": "aa100"}, "flight_no"),
        ({"flight_no": "AA12345"}, "flight_no"),
        ({"flight_no": "AAA1"}, "flight_no"),
        ({"origin": "JF"}, "origin"),
        ({"destination": "jfk"}, "destination"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
    ],
)
def test_invalid_search_input_names_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        SearchCriteria(**changes)  # type: ignore[arg-type]
    assert raised.value.field == field


@pytest.mark.parametrize("flight_no", ["AA1", "AA2532", "9W123", "U21234A", "BA1A"])
def test_real_flight_numbers_are_accepted(flight_no: str) -> None:
    assert SearchCriteria(flight_no=flight_no).flight_no == flight_no


def test_a_departure_date_is_a_utc_day() -> None:
    window = SearchCriteria(departure_date=date(2026, 12, 1)).departure_window
    assert window == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC))
    assert SearchCriteria().departure_window is None


def flight(flight_id: int, departs: datetime) -> Flight:
    return Flight(
        flight_id, "AA100", "JFK", "LAX", departs, departs + timedelta(hours=6), "A320", 1
    )


DEPARTS = datetime(2026, 12, 1, 12, 45, tzinfo=UTC)


def test_a_cursor_round_trips_the_keyset_position() -> None:
    criteria = SearchCriteria(origin="JFK")
    cursor = decode_cursor(encode_cursor(flight(42, DEPARTS), criteria), criteria)
    assert (cursor.departure_time, cursor.flight_id) == (DEPARTS, 42)


def test_a_cursor_is_opaque_url_safe_text() -> None:
    token = encode_cursor(flight(42, DEPARTS), SearchCriteria())
    assert token.isascii()
    assert not set(token) & set("+/=")


@pytest.mark.parametrize("token", ["", "not base64!", "e30", "eyJ0IjoxfQ", "W10", "AAAA"])
def test_garbage_cursors_are_refused(token: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        decode_cursor(token, SearchCriteria())
    assert raised.value.field == "cursor"


def test_a_cursor_only_works_with_the_filters_it_was_issued_for() -> None:
    token = encode_cursor(flight(42, DEPARTS), SearchCriteria(origin="JFK", limit=5))
    assert decode_cursor(token, SearchCriteria(origin="JFK", limit=50)).flight_id == 42
    with pytest.raises(InvalidInputError, match="different filters"):
        decode_cursor(token, SearchCriteria(origin="BOS"))


def test_paginate_hands_out_a_cursor_only_when_more_flights_exist() -> None:
    criteria = SearchCriteria(limit=2)
    fetched = [flight(n, DEPARTS + timedelta(minutes=n)) for n in (1, 2, 3)]
    page = paginate(fetched, criteria)
    assert [f.id for f in page.items] == [1, 2]
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor, criteria).flight_id == 2
    last = paginate(fetched[:2], criteria)
    assert [f.id for f in last.items] == [1, 2]
    assert last.next_cursor is None
    assert paginate([], criteria).items == ()
