"""Unit tests of the use cases against the in-memory store."""

from __future__ import annotations

import pytest

from reservations import services
from reservations.model import EventType, InvalidInput, Released, Reserved
from reservations.tests.fakes import FakeStore

U64_MAX = 2**64 - 1


def seat(customer: str, seat_num: str = "12C", flight: str = "FL1") -> dict[str, object]:
    return {"flight_id": flight, "seat_num": seat_num, "customer_id": customer}


def test_a_free_seat_is_reserved_and_logged() -> None:
    store = FakeStore()
    reservation, outcome = services.reserve(store, seat("alice"))
    assert outcome is Reserved.NEWLY
    assert reservation.customer_id == "alice"
    assert store.holders("FL1") == {"12C": "alice"}
    assert [(e.type, e.customer_id) for e in store.events] == [(EventType.SEAT_RESERVED, "alice")]


def test_retrying_a_reservation_changes_nothing() -> None:
    store = FakeStore()
    services.reserve(store, seat("alice"))
    assert services.reserve(store, seat("alice"))[1] is Reserved.ALREADY
    assert len(store.events) == 1


def test_a_seat_held_by_someone_else_is_taken() -> None:
    store = FakeStore()
    services.reserve(store, seat("alice"))
    assert services.reserve(store, seat("bob"))[1] is Reserved.TAKEN
    assert store.holders("FL1") == {"12C": "alice"}


def test_invalid_input_never_reaches_the_store() -> None:
    store = FakeStore()
    store.down = True  # would raise StoreUnavailable if it were called
    with pytest.raises(InvalidInput):
        services.reserve(store, seat("alice", seat_num="12Z"))
    with pytest.raises(InvalidInput):
        services.release(store, seat("bob", flight="no/slash"))
    with pytest.raises(InvalidInput):
        services.seat_holders(store, None)
    with pytest.raises(InvalidInput):
        services.read_events(store, since="x", count=None)


@pytest.mark.parametrize(
    ("holder", "releaser", "outcome"),
    [
        ("alice", "alice", Released.RELEASED),
        (None, "alice", Released.NOT_HELD),
        ("alice", "bob", Released.HELD_BY_OTHER),
    ],
)
def test_only_the_holder_releases_a_seat(
    holder: str | None, releaser: str, outcome: Released
) -> None:
    store = FakeStore()
    if holder is not None:
        services.reserve(store, seat(holder))
    assert services.release(store, seat(releaser)) is outcome
    still_held = {} if outcome is Released.RELEASED or holder is None else {"12C": holder}
    assert store.holders("FL1") == still_held


def test_events_are_paged_with_a_cursor_that_can_be_polled() -> None:
    store = FakeStore()
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


def test_nothing_comes_after_the_largest_possible_cursor() -> None:
    store = FakeStore()
    store.down = True  # reading would fail: the use case must not ask
    page = services.read_events(store, since=f"{U64_MAX}-{U64_MAX}", count=None)
    assert (page.events, page.next) == ([], f"{U64_MAX}-{U64_MAX}")


def test_a_bare_millisecond_cursor_is_returned_normalised() -> None:
    page = services.read_events(FakeStore(), since="1700000000000", count=None)
    assert page.next == "1700000000000-0"
