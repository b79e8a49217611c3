"""Tests of the use cases on the real store and a real, empty Redis: what the store does is
the Lua scripts' business, checked here as the use cases see it."""

from __future__ import annotations

import pytest

from reservations import services
from reservations.model import (
    Booked,
    BookingRequest,
    Event,
    EventType,
    InvalidInput,
    KeyReused,
    Released,
    Reserved,
)
from reservations.store import RedisStore
from reservations.tests.conftest import make_store

U64_MAX = 2**64 - 1


def seat(customer: str, seat_num: str = "12C", flight: str = "FL1") -> dict[str, object]:
    return {"flight_id": flight, "seat_num": seat_num, "customer_id": customer}


def booking(customer: str, *seats: str, flight: str = "FL1") -> dict[str, object]:
    return {"flight_id": flight, "customer_id": customer, "seats": list(seats)}


def logged(store: RedisStore) -> list[Event]:
    return store.events_after("0-0", 1000)


def test_a_free_seat_is_reserved_and_logged(store: RedisStore) -> None:
    reservation, outcome = services.reserve(store, seat("alice"))
    assert outcome is Reserved.NEWLY
    assert reservation.customer_id == "alice"
    assert store.holders("FL1") == {"12C": "alice"}
    assert [(e.type, e.customer_id) for e in logged(store)] == [(EventType.SEAT_RESERVED, "alice")]


def test_retrying_a_reservation_changes_nothing(store: RedisStore) -> None:
    services.reserve(store, seat("alice"))
    assert services.reserve(store, seat("alice"))[1] is Reserved.ALREADY
    assert len(logged(store)) == 1


def test_a_seat_held_by_someone_else_is_taken(store: RedisStore) -> None:
    services.reserve(store, seat("alice"))
    assert services.reserve(store, seat("bob"))[1] is Reserved.TAKEN
    assert store.holders("FL1") == {"12C": "alice"}


def test_invalid_input_never_reaches_the_store(unused_redis_url: str) -> None:
    store = make_store(unused_redis_url)  # would raise StoreUnavailable if it were called
    with pytest.raises(InvalidInput):
        services.reserve(store, seat("alice", seat_num="12Z"))
    with pytest.raises(InvalidInput):
        services.release(store, seat("bob", flight="no/slash"))
    with pytest.raises(InvalidInput):
        services.seat_holders(store, None)
    with pytest.raises(InvalidInput):
        services.read_events(store, since="x", count=None)
    with pytest.raises(InvalidInput):
        services.book(store, booking("alice", "1A"), idempotency_key="")
    with pytest.raises(InvalidInput):
        services.booking(store, "not-a-ulid")
    with pytest.raises(InvalidInput):
        services.customer_bookings(store, "alice", limit="20", cursor="x")
    with pytest.raises(InvalidInput):
        services.cancel(store, "0" * 26, customer_id=None)


@pytest.mark.parametrize(
    ("holder", "releaser", "outcome"),
    [
        ("alice", "alice", Released.RELEASED),
        (None, "alice", Released.NOT_HELD),
        ("alice", "bob", Released.HELD_BY_OTHER),
    ],
)
def test_only_the_holder_releases_a_seat(
    holder: str | None, releaser: str, outcome: Released, store: RedisStore
) -> None:
    if holder is not None:
        services.reserve(store, seat(holder))
    assert services.release(store, seat(releaser)) is outcome
    still_held = {} if outcome is Released.RELEASED or holder is None else {"12C": holder}
    assert store.holders("FL1") == still_held


def test_events_are_paged_with_a_cursor_that_can_be_polled(store: RedisStore) -> None:
    for n in range(1, 6):
        services.reserve(store, seat("alice", seat_num=f"{n}A"))

    first = services.read_events(store, since=None, count="2")
    second = services.read_events(store, since=first.next, count="2")
    rest = services.read_events(store, since=second.next, count=None)
    empty = services.read_events(store, since=rest.next, count=None)

    pages = [first, second, rest]
    assert [[e.seat_num for e in page.events] for page in pages] == [
        ["1A", "2A"],
        ["3A", "4A"],
        ["5A"],
    ]
    assert [page.next for page in pages] == [page.events[-1].id for page in pages]
    assert (empty.events, empty.next) == ([], rest.next)


def test_nothing_comes_after_the_largest_possible_cursor(unused_redis_url: str) -> None:
    store = make_store(unused_redis_url)  # reading would fail: the use case must not ask
    page = services.read_events(store, since=f"{U64_MAX}-{U64_MAX}", count=None)
    assert (page.events, page.next) == ([], f"{U64_MAX}-{U64_MAX}")


def test_a_bare_millisecond_cursor_is_returned_normalised(store: RedisStore) -> None:
    page = services.read_events(store, since="1700000000000", count=None)
    assert page.next == "1700000000000-0"


def test_a_booking_request_reaches_the_store_with_its_key(store: RedisStore) -> None:
    request, outcome = services.book(store, booking("alice", "1A", "1B"), "k1")
    assert request == BookingRequest("FL1", "alice", ("1A", "1B"), "k1")
    assert isinstance(outcome, Booked)
    assert store.holders("FL1") == {"1A": "alice", "1B": "alice"}
    again = services.book(store, booking("alice", "1A", "1B"), "k1")[1]
    assert again == Booked(outcome.booking, replayed=True)
    assert services.book(store, booking("alice", "1A"), "k1")[1] == KeyReused()


def test_a_customers_bookings_are_paged_newest_first_without_an_empty_last_page(
    store: RedisStore,
) -> None:
    for row in range(1, 6):
        services.book(store, booking("alice", f"{row}A"), None)

    first = services.customer_bookings(store, "alice", limit="2", cursor=None)
    second = services.customer_bookings(store, "alice", limit="2", cursor=first.next_cursor)
    last = services.customer_bookings(store, "alice", limit="2", cursor=second.next_cursor)
    pages = [first, second, last]
    assert [[b.seats for b in page.items] for page in pages] == [
        [("5A",), ("4A",)],
        [("3A",), ("2A",)],
        [("1A",)],
    ]
    assert [page.next_cursor for page in pages] == [first.items[-1].id, second.items[-1].id, None]
    # A last page that is exactly full says so too: no cursor to an empty page.
    assert services.customer_bookings(store, "alice", limit="5", cursor=None).next_cursor is None
    assert services.customer_bookings(store, "bob", limit=None, cursor=None).items == []
