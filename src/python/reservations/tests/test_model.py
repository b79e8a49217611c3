"""Unit tests of the domain rules: what counts as a seat number, an id, a cursor, a count."""

from __future__ import annotations

import pytest

from reservations.model import (
    DEFAULT_EVENTS_PER_PAGE,
    FieldError,
    InvalidInput,
    Reservation,
    check_count,
    check_event_id,
    is_last_possible_event_id,
    time_of,
)

U64_MAX = 2**64 - 1


def parse(**fields: object) -> Reservation:
    return Reservation.parse({"flight_id": "FL1", "seat_num": "1A", "customer_id": "c1", **fields})


def errors_of(**fields: object) -> list[FieldError]:
    with pytest.raises(InvalidInput) as raised:
        parse(**fields)
    return raised.value.errors


@pytest.mark.parametrize("seat", ["1A", "9K", "12C", "99K", "10I", "31F"])
def test_seat_numbers_rows_1_to_99_letters_a_to_k(seat: str) -> None:
    assert parse(seat_num=seat).seat_num == seat


@pytest.mark.parametrize(
    "seat", ["0A", "01A", "100A", "1L", "1Z", "1a", "12", "A1", " 1A", "1A ", "1A\n", "\uff11A", ""]
)
def test_other_seat_numbers_are_refused(seat: str) -> None:
    assert [e.field for e in errors_of(seat_num=seat)] == ["seat_num"]


@pytest.mark.parametrize("value", ["a", "A-9_z", "x" * 64, "FL1001", "cust-42"])
def test_ids_of_1_to_64_safe_characters(value: str) -> None:
    reservation = parse(flight_id=value, customer_id=value)
    assert (reservation.flight_id, reservation.customer_id) == (value, value)


@pytest.mark.parametrize(
    "value", ["", "x" * 65, "a b", "a/b", "../x", "a:b", "é", "a\x00", "a.b", "\uff21\uff22"]
)
def test_unsafe_ids_are_refused(value: str) -> None:
    assert {e.field for e in errors_of(flight_id=value, customer_id=value)} == {
        "flight_id",
        "customer_id",
    }


def test_every_bad_missing_or_unknown_field_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as raised:
        Reservation.parse({"flight_id": 7, "seat_number": "1A", "customer_id": None})
    assert raised.value.errors == [
        FieldError("seat_number", "is not a known field"),
        FieldError("flight_id", "must be a string"),
        FieldError("seat_num", "is required"),
        FieldError("customer_id", "is required"),
    ]


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("0", "0-0"),
        ("0-0", "0-0"),
        ("1767268800123", "1767268800123-0"),
        ("1767268800123-7", "1767268800123-7"),
        (f"{U64_MAX}-{U64_MAX}", f"{U64_MAX}-{U64_MAX}"),
    ],
)
def test_event_cursors_are_normalised_to_ms_dash_seq(raw: str, normalised: str) -> None:
    errors: list[FieldError] = []
    assert check_event_id("since", raw, errors) == normalised
    assert errors == []


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "-1",
        "1-",
        "-",
        "1-2-3",
        "01",
        "1-01",
        "abc",
        "1.5",
        f"{U64_MAX + 1}",
        f"1-{U64_MAX + 1}",
        "+",
        "$",
    ],
)
def test_malformed_or_out_of_range_cursors_are_refused(raw: str) -> None:
    errors: list[FieldError] = []
    check_event_id("since", raw, errors)
    assert [e.field for e in errors] == ["since"]


@pytest.mark.parametrize(
    ("event_id", "time"),
    [
        ("0-0", "1970-01-01T00:00:00.000Z"),
        ("951782400000-3", "2000-02-29T00:00:00.000Z"),  # leap day of a leap century
        ("1709251199999-0", "2024-02-29T23:59:59.999Z"),
        ("4107542400001-0", "2100-03-01T00:00:00.001Z"),  # 2100 has no 29 February
        ("253402300799999-12", "9999-12-31T23:59:59.999Z"),
    ],
)
def test_an_events_time_is_its_ids_milliseconds_in_utc(event_id: str, time: str) -> None:
    assert time_of(event_id) == time


def test_only_the_largest_stream_id_is_the_last_possible_one() -> None:
    assert is_last_possible_event_id(f"{U64_MAX}-{U64_MAX}")
    assert not is_last_possible_event_id(f"{U64_MAX}-0")


@pytest.mark.parametrize(
    ("raw", "count"), [(None, DEFAULT_EVENTS_PER_PAGE), ("1", 1), ("1000", 1000)]
)
def test_counts_from_1_to_1000(raw: str | None, count: int) -> None:
    errors: list[FieldError] = []
    assert check_count("count", raw, errors) == count
    assert errors == []


@pytest.mark.parametrize("raw", ["0", "1001", "-1", "", "ten", "1e3", "²", "99999999999"])
def test_other_counts_are_refused(raw: str) -> None:
    errors: list[FieldError] = []
    check_count("count", raw, errors)
    assert [e.field for e in errors] == ["count"]
