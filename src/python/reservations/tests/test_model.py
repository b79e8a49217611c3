"""Unit tests of the domain rules: what counts as a seat number, an id, a booking request, a
cursor, a count."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reservations.model import (
    DEFAULT_BOOKINGS_PER_PAGE,
    DEFAULT_EVENTS_PER_PAGE,
    BookingRequest,
    FieldError,
    InvalidInput,
    Reservation,
    check_booking_id,
    check_count,
    check_cursor,
    check_event_id,
    check_limit,
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


def booking_errors(seats: object, key: str | None = None) -> list[FieldError]:
    with pytest.raises(InvalidInput) as raised:
        BookingRequest.parse({"flight_id": "FL1", "customer_id": "c1", "seats": seats}, key)
    return raised.value.errors


def test_a_booking_request_keeps_its_seats_in_order_and_its_key() -> None:
    fields = {"flight_id": "FL1", "customer_id": "c1", "seats": ["12C", "1A"]}
    assert BookingRequest.parse(fields, "k-1") == BookingRequest("FL1", "c1", ("12C", "1A"), "k-1")
    assert BookingRequest.parse(fields).idempotency_key is None


@pytest.mark.parametrize(
    ("seats", "errors"),
    [
        (None, [FieldError("seats", "is required")]),
        ("1A", [FieldError("seats", "must be an array of seat numbers")]),
        ([], [FieldError("seats", "must list 1 to 9 seats")]),
        ([f"{row}A" for row in range(1, 11)], [FieldError("seats", "must list 1 to 9 seats")]),
        (
            ["1A", "1Z", 7],
            [
                FieldError("seats.1", "must be a row 1-99 followed by a letter A-K, e.g. 12C"),
                FieldError("seats.2", "must be a string"),
            ],
        ),
        (
            ["1A", "2B", "1A", "2B", "1A"],
            [
                FieldError("seats.2", "repeats seats.0"),
                FieldError("seats.3", "repeats seats.1"),
                FieldError("seats.4", "repeats seats.0"),
            ],
        ),
    ],
)
def test_a_booking_needs_1_to_9_distinct_seats(seats: object, errors: list[FieldError]) -> None:
    assert booking_errors(seats) == errors


def test_every_bad_booking_field_and_the_key_are_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as raised:
        BookingRequest.parse({"flight": "FL1", "customer_id": 7, "seats": ["1A", "1A"]}, "a b")
    assert [e.field for e in raised.value.errors] == [
        "flight",
        "flight_id",
        "customer_id",
        "seats.1",
        "Idempotency-Key",
    ]


@pytest.mark.parametrize(
    "key", ["k", "x" * 128, "9f1c2e4a-7b3d-4c6e-8a90-1b2c3d4e5f60", "dGVzdA+/=", "order-1:try.2_"]
)
def test_idempotency_keys_of_1_to_128_token_characters(key: str) -> None:
    fields = {"flight_id": "FL1", "customer_id": "c1", "seats": ["1A"]}
    assert BookingRequest.parse(fields, key).idempotency_key == key


@pytest.mark.parametrize("key", ["", "x" * 129, "a b", "a;b", "é", "a\n", "\uff21"])
def test_other_idempotency_keys_are_refused(key: str) -> None:
    assert [e.field for e in booking_errors(["1A"], key)] == ["Idempotency-Key"]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("01KBHZ6Q2TQ5ZPE3M8B1V0C9XW", True),
        ("7ZZZZZZZZZZZZZZZZZZZZZZZZZ", True),
        ("01kbhz6q2tq5zpe3m8b1v0c9xw", False),  # lower case: not what this service issues
        ("01KBHZ6Q2TQ5ZPE3M8B1V0C9X", False),
        ("01KBHZ6Q2TQ5ZPE3M8B1V0C9XWX", False),
        *[(f"01KBHZ6Q2TQ5ZPE3M8B1V0C9X{letter}", False) for letter in "ILOU"],
        ("", False),
    ],
)
def test_booking_ids_and_cursors_are_ulids(value: str, valid: bool) -> None:
    errors: list[FieldError] = []
    assert check_booking_id("booking_id", value, errors) == value
    assert check_cursor("cursor", value, errors) == value
    assert [e.field for e in errors] == ([] if valid else ["booking_id", "cursor"])


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


# check_count (events per page) and check_limit (bookings per page).
PageSizeCheck = Callable[[str, str | None, list[FieldError]], int]


@pytest.mark.parametrize(
    ("check", "raw", "size"),
    [
        (check_count, None, DEFAULT_EVENTS_PER_PAGE),
        (check_count, "1", 1),
        (check_count, "1000", 1000),
        (check_limit, None, DEFAULT_BOOKINGS_PER_PAGE),
        (check_limit, "1", 1),
        (check_limit, "100", 100),
    ],
)
def test_page_sizes_from_1_to_their_maximum(
    check: PageSizeCheck, raw: str | None, size: int
) -> None:
    errors: list[FieldError] = []
    assert check("size", raw, errors) == size
    assert errors == []


@pytest.mark.parametrize(
    ("check", "maximum", "raw"),
    [
        *[
            (check_count, 1000, raw)
            for raw in ["0", "1001", "-1", "", "ten", "1e3", "²", "99999999999"]
        ],
        *[(check_limit, 100, raw) for raw in ["0", "101", "-1", "", "ten", "²"]],
    ],
)
def test_other_page_sizes_are_refused(check: PageSizeCheck, maximum: int, raw: str) -> None:
    errors: list[FieldError] = []
    check("size", raw, errors)
    assert errors == [FieldError("size", f"must be an integer from 1 to {maximum}")]
