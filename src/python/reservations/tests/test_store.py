"""Integration tests of the Redis adapter and its Lua scripts against a real Redis."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import redis

from reservations.model import (
    BOOKING_ID_PATTERN,
    Booked,
    Booking,
    BookingRequest,
    BookingStatus,
    Cancelled,
    EventType,
    KeyReused,
    Released,
    Reservation,
    Reserved,
    SeatsHeld,
)
from reservations.services import StoreUnavailable
from reservations.store import (
    CLOCK_SKEW_ALLOWANCE,
    EVENTS_KEY,
    IDEMPOTENCY_KEY_TTL,
    RedisStore,
    booking_key,
    customer_bookings_key,
    idempotency_key,
    seat_bookings_key,
    seats_key,
)
from reservations.tests.conftest import make_store
from testsupport.servers import RedisServer
from testsupport.urls import RedisUrl


def seat(customer: str, seat_num: str = "12C", flight: str = "FL1") -> Reservation:
    return Reservation(flight, seat_num, customer)


def request(
    customer: str, *seats: str, flight: str = "FL1", key: str | None = None
) -> BookingRequest:
    return BookingRequest(flight, customer, seats, key)


def booked(
    store: RedisStore, customer: str, *seats: str, flight: str = "FL1", key: str | None = None
) -> Booking:
    outcome = store.book(request(customer, *seats, flight=flight, key=key))
    assert isinstance(outcome, Booked), outcome
    assert not outcome.replayed
    return outcome.booking


def raw(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


def snapshot(url: str) -> dict[str, Any]:
    """Everything in the db, to show that a step changed nothing."""
    client = raw(url)
    read = {
        "hash": client.hgetall,
        "zset": lambda key: client.zrange(key, 0, -1, withscores=True),
        "string": client.get,
        "stream": client.xrange,
    }
    return {key: read[cast(str, client.type(key))](key) for key in client.scan_iter()}


# Crockford base32 digits to the ones int(..., 32) reads.
FROM_CROCKFORD = str.maketrans(
    "0123456789ABCDEFGHJKMNPQRSTVWXYZ", "0123456789abcdefghijklmnopqrstuv"
)


def ulid_milliseconds(booking_id: str) -> int:
    return int(booking_id[:10].translate(FROM_CROCKFORD), 32)


# redis-py types sync and async replies as one union; these clients are sync.
def log_entries(url: str) -> list[tuple[str, dict[str, str]]]:
    return cast(list[tuple[str, dict[str, str]]], raw(url).xrange(EVENTS_KEY))


def log_length(url: str) -> int:
    return cast(int, raw(url).xlen(EVENTS_KEY))


def test_reserving_a_free_seat_writes_the_hash_and_one_event(
    store: RedisStore, redis_url: str
) -> None:
    before = datetime.now(UTC)
    assert store.reserve(seat("alice")) is Reserved.NEWLY
    after = datetime.now(UTC)

    assert raw(redis_url).hgetall(seats_key("FL1")) == {"12C": "alice"}
    [(event_id, fields)] = log_entries(redis_url)
    assert fields == {
        "type": "SeatReserved",
        "flight_id": "FL1",
        "seat_num": "12C",
        "customer_id": "alice",
    }
    # The id carries the time, from Redis' clock: the same machine's as ours here.
    [event] = store.events_after("0", 10)
    assert event.id == event_id
    stamped = datetime.fromisoformat(event.time)
    assert before - timedelta(milliseconds=2) <= stamped <= after + timedelta(milliseconds=2)


def test_retry_and_conflict_change_nothing_and_log_nothing(
    store: RedisStore, redis_url: str
) -> None:
    store.reserve(seat("alice"))
    before = snapshot(redis_url)
    assert store.reserve(seat("alice")) is Reserved.ALREADY
    assert store.reserve(seat("bob")) is Reserved.TAKEN
    assert snapshot(redis_url) == before  # no booking either
    assert store.holders("FL1") == {"12C": "alice"}
    assert log_length(redis_url) == 1


def test_reserving_a_seat_books_it_alone(store: RedisStore, redis_url: str) -> None:
    store.reserve(seat("alice"))
    [booking] = store.customer_bookings("alice", None, 10)
    assert (booking.flight_id, booking.seats, booking.status) == (
        "FL1",
        ("12C",),
        BookingStatus.CONFIRMED,
    )
    assert raw(redis_url).hgetall(seat_bookings_key("FL1")) == {"12C": booking.id}


def test_release_is_compare_and_delete(store: RedisStore, redis_url: str) -> None:
    assert store.release(seat("alice")) is Released.NOT_HELD
    store.reserve(seat("alice"))
    assert store.release(seat("bob")) is Released.HELD_BY_OTHER
    assert store.holders("FL1") == {"12C": "alice"}
    assert store.release(seat("alice")) is Released.RELEASED
    assert store.holders("FL1") == {}
    types = [fields["type"] for _, fields in log_entries(redis_url)]
    assert types == ["SeatReserved", "SeatReleased"]


def test_releasing_a_seat_takes_it_out_of_its_booking_and_the_last_one_cancels_it(
    store: RedisStore, redis_url: str
) -> None:
    booking = booked(store, "alice", "1A", "1B")
    assert store.release(seat("alice", "1A")) is Released.RELEASED
    assert store.booking(booking.id) == replace(booking, seats=("1B",))
    assert raw(redis_url).hgetall(seat_bookings_key("FL1")) == {"1B": booking.id}

    assert store.release(seat("alice", "1B")) is Released.RELEASED
    cancelled = store.booking(booking.id)
    assert cancelled is not None
    assert (cancelled.status, cancelled.seats) == (BookingStatus.CANCELLED, ("1B",))
    assert cancelled.cancelled_at is not None
    assert raw(redis_url).hgetall(seat_bookings_key("FL1")) == {}


def test_a_seat_held_since_before_bookings_existed_is_released_as_before(
    store: RedisStore, redis_url: str
) -> None:
    raw(redis_url).hset(seats_key("FL1"), "12C", "alice")  # no booking holds it
    assert store.release(seat("alice")) is Released.RELEASED
    assert store.holders("FL1") == {}


def test_a_booking_holds_every_seat_records_itself_and_logs_one_event_per_seat(
    store: RedisStore, redis_url: str
) -> None:
    before = datetime.now(UTC)
    booking = booked(store, "alice", "1C", "1A", "1B")
    after = datetime.now(UTC)

    assert re.fullmatch(BOOKING_ID_PATTERN, booking.id)
    assert booking == Booking(
        booking.id, "FL1", "alice", ("1C", "1A", "1B"), BookingStatus.CONFIRMED, booking.created_at
    )
    created = datetime.fromisoformat(booking.created_at)
    assert before - timedelta(milliseconds=2) <= created <= after + timedelta(milliseconds=2)
    client = raw(redis_url)
    assert client.hgetall(seats_key("FL1")) == {"1A": "alice", "1B": "alice", "1C": "alice"}
    assert client.hgetall(seat_bookings_key("FL1")) == dict.fromkeys(booking.seats, booking.id)
    stored = cast(dict[str, str], client.hgetall(booking_key(booking.id)))
    assert stored == {
        "flight_id": "FL1",
        "customer_id": "alice",
        "seats": "1C,1A,1B",
        "status": "confirmed",
        "created_at": stored["created_at"],
    }
    # A ULID: its first ten characters are the milliseconds it was created at.
    assert ulid_milliseconds(booking.id) == int(stored["created_at"])
    assert client.zrange(customer_bookings_key("alice"), 0, -1) == [booking.id]
    assert [(fields["type"], fields["seat_num"]) for _, fields in log_entries(redis_url)] == [
        ("SeatReserved", "1C"),
        ("SeatReserved", "1A"),
        ("SeatReserved", "1B"),
    ]
    assert client.keys(idempotency_key("alice", "*")) == []  # no key, no record


def test_one_held_seat_books_nothing_and_every_held_seat_is_named(
    store: RedisStore, redis_url: str
) -> None:
    booked(store, "alice", "1B")  # the customer's own, in another booking, counts as held
    booked(store, "bob", "1D")
    before = snapshot(redis_url)
    outcome = store.book(request("alice", "1A", "1B", "1C", "1D", key="k1"))
    assert outcome == SeatsHeld(("1B", "1D"))
    assert snapshot(redis_url) == before  # no seat, booking, event or idempotency record


def test_the_same_key_and_request_again_is_answered_with_its_booking_and_does_nothing(
    store: RedisStore, redis_url: str
) -> None:
    first = booked(store, "alice", "1A", "1B", key="k1")
    ttl = cast(int, raw(redis_url).ttl(idempotency_key("alice", "k1")))
    assert 0 < ttl <= IDEMPOTENCY_KEY_TTL
    assert IDEMPOTENCY_KEY_TTL == 86400
    before = snapshot(redis_url)
    assert store.book(request("alice", "1A", "1B", key="k1")) == Booked(first, replayed=True)
    assert snapshot(redis_url) == before

    store.cancel(first.id, "alice")  # the replay answers with the booking as it is now
    now = store.booking(first.id)
    assert now is not None
    assert now.status is BookingStatus.CANCELLED
    assert store.book(request("alice", "1A", "1B", key="k1")) == Booked(now, replayed=True)
    assert store.holders("FL1") == {}


def test_a_key_is_refused_for_another_request_and_is_the_customers_own(
    store: RedisStore, redis_url: str
) -> None:
    booked(store, "alice", "1A", "1B", key="k1")
    before = snapshot(redis_url)
    for other in (
        request("alice", "1B", "1A", key="k1"),  # the same seats, in another order
        request("alice", "1A", key="k1"),
        request("alice", "1A", "1B", flight="FL2", key="k1"),
    ):
        assert store.book(other) == KeyReused()
    assert snapshot(redis_url) == before
    booked(store, "bob", "2A", key="k1")  # another customer's k1: a new booking


def test_a_key_whose_request_booked_nothing_is_not_used_up(store: RedisStore) -> None:
    booked(store, "bob", "1B")
    assert store.book(request("alice", "1A", "1B", key="k1")) == SeatsHeld(("1B",))
    store.release(seat("bob", "1B"))
    booked(store, "alice", "1A", "1B", key="k1")


def test_a_customers_bookings_sort_by_creation_and_page_before_a_cursor(
    store: RedisStore,
) -> None:
    # Back to back, several land in one millisecond: their ids must sort by creation too.
    ids = [booked(store, "alice", f"{row}A").id for row in range(1, 31)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    newest_first = ids[::-1]
    assert [b.id for b in store.customer_bookings("alice", None, 5)] == newest_first[:5]
    assert [b.id for b in store.customer_bookings("alice", ids[10], 3)] == newest_first[20:23]
    assert store.customer_bookings("alice", ids[0], 5) == []
    assert store.customer_bookings("bob", None, 5) == []


def test_a_booking_sorts_after_the_customers_newest_even_if_redis_clock_went_back(
    store: RedisStore, redis_url: str
) -> None:
    # As if alice's newest booking had been made while Redis' clock was far ahead.
    ahead = "0Z000000000000000000000009"
    raw(redis_url).zadd(customer_bookings_key("alice"), {ahead: 0})
    assert booked(store, "alice", "1A").id == "0Z00000000000000000000000A"  # ahead + 1
    assert booked(store, "bob", "1B").id < ahead  # other customers' ids are not affected


def test_cancelling_frees_every_seat_and_logs_one_event_per_seat(
    store: RedisStore, redis_url: str
) -> None:
    booking = booked(store, "alice", "1A", "1B")
    other = booked(store, "bob", "1C")
    assert store.cancel(booking.id, "alice") is Cancelled.NEWLY

    assert store.holders("FL1") == {"1C": "bob"}
    assert raw(redis_url).hgetall(seat_bookings_key("FL1")) == {"1C": other.id}
    assert [(fields["type"], fields["seat_num"]) for _, fields in log_entries(redis_url)][3:] == [
        ("SeatReleased", "1A"),
        ("SeatReleased", "1B"),
    ]
    cancelled = store.booking(booking.id)
    assert cancelled is not None
    assert cancelled.cancelled_at is not None
    assert cancelled == replace(
        booking, status=BookingStatus.CANCELLED, cancelled_at=cancelled.cancelled_at
    )
    assert cancelled.cancelled_at >= cancelled.created_at
    assert store.customer_bookings("alice", None, 10) == [cancelled]


def test_only_its_customer_cancels_a_booking_and_again_changes_nothing(
    store: RedisStore, redis_url: str
) -> None:
    booking = booked(store, "alice", "1A")
    before = snapshot(redis_url)
    assert store.cancel(booking.id, "bob") is Cancelled.OTHER_CUSTOMER
    assert store.cancel("0" * 26, "alice") is Cancelled.NOT_FOUND
    assert snapshot(redis_url) == before

    store.cancel(booking.id, "alice")
    cancelled = snapshot(redis_url)
    assert store.cancel(booking.id, "alice") is Cancelled.ALREADY
    assert store.cancel(booking.id, "bob") is Cancelled.OTHER_CUSTOMER
    assert snapshot(redis_url) == cancelled


def test_holders_are_per_flight(store: RedisStore) -> None:
    store.reserve(seat("alice", "1A", "FL1"))
    store.reserve(seat("bob", "1A", "FL2"))
    store.reserve(seat("carol", "2B", "FL1"))
    assert store.holders("FL1") == {"1A": "alice", "2B": "carol"}
    assert store.holders("FL2") == {"1A": "bob"}
    assert store.holders("FL3") == {}


def test_events_are_read_in_order_after_an_exclusive_cursor(store: RedisStore) -> None:
    for n in range(1, 6):
        store.reserve(seat(f"c{n}", f"{n}A"))
    store.release(seat("c2", "2A"))

    everything = store.events_after("0-0", 100)
    assert [(e.type, e.seat_num) for e in everything] == [
        *[(EventType.SEAT_RESERVED, f"{n}A") for n in range(1, 6)],
        (EventType.SEAT_RELEASED, "2A"),
    ]
    ids = [tuple(map(int, e.id.split("-"))) for e in everything]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert [e.seat_num for e in store.events_after(everything[1].id, 2)] == ["3A", "4A"]
    assert store.events_after(everything[-1].id, 100) == []


def test_event_times_are_iso8601_utc_and_follow_the_log_order(store: RedisStore) -> None:
    for n in range(1, 30):
        store.reserve(seat("alice", f"{n}A"))
    times = [datetime.fromisoformat(e.time) for e in store.events_after("0-0", 100)]
    assert all(t.tzinfo == UTC for t in times)
    assert times == sorted(times)


def test_the_event_log_is_trimmed_to_about_its_cap(redis_url: str) -> None:
    store = make_store(redis_url, events_maxlen=100)
    for n in range(1000):
        store.reserve(seat("alice", f"{n % 99 + 1}A", f"FL{n}"))
    length = log_length(redis_url)
    # "~" trims whole nodes (100 entries each by default), so it keeps at least the cap
    # and at most the cap plus one node.
    assert 100 <= length <= 200


def test_a_cap_of_zero_keeps_every_event(redis_url: str) -> None:
    store = make_store(redis_url, events_maxlen=0)
    for n in range(300):
        store.reserve(seat("alice", "1A", f"FL{n}"))
    assert log_length(redis_url) == 300


def test_scripts_are_reloaded_after_redis_forgets_them(store: RedisStore, redis_url: str) -> None:
    store.reserve(seat("alice"))
    raw(redis_url).script_flush()  # what a restart or failover does to the script cache
    assert store.release(seat("alice")) is Released.RELEASED


def test_an_unreachable_redis_is_unavailable_quickly(unused_redis_url: str) -> None:
    store = make_store(unused_redis_url)
    started = time.monotonic()
    for call in (
        lambda: store.reserve(seat("alice")),
        lambda: store.release(seat("alice")),
        lambda: store.book(request("alice", "1A")),
        lambda: store.booking("0" * 26),
        lambda: store.customer_bookings("alice", None, 1),
        lambda: store.cancel("0" * 26, "alice"),
        lambda: store.holders("FL1"),
        lambda: store.events_after("0-0", 1),
    ):
        with pytest.raises(StoreUnavailable):
            call()
    assert time.monotonic() - started < 2


def test_a_redis_that_does_not_answer_in_time_is_unavailable(silent_redis_url: str) -> None:
    store = make_store(silent_redis_url, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        store.reserve(seat("alice"))
    assert 0.2 <= time.monotonic() - started < 1.0


def test_waiting_for_a_pooled_connection_is_bounded(silent_redis_url: str) -> None:
    store = make_store(silent_redis_url, pool_size=1, pool_timeout=0.2, timeout=1.5)
    holder = threading.Thread(target=lambda: pytest.raises(StoreUnavailable, store.holders, "FL1"))
    holder.start()  # takes the only connection and waits for an answer that never comes
    try:
        time.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="No connection available"):
            store.holders("FL1")
        assert time.monotonic() - started < 0.6
    finally:
        holder.join()


def test_a_change_that_reaches_redis_after_its_deadline_does_nothing(
    store: RedisStore, redis_url: str
) -> None:
    bobs = booked(store, "bob", "14A", "14B")
    before = snapshot(redis_url)
    # A timeout below the clock-skew allowance puts the deadline in the past at once.
    late = make_store(redis_url, timeout=CLOCK_SKEW_ALLOWANCE / 2)
    for change in (
        lambda: late.reserve(seat("alice")),
        lambda: late.release(seat("bob", "14A")),
        lambda: late.book(request("alice", "1A", "1B", key="k1")),  # nor records the key
        lambda: late.cancel(bobs.id, "bob"),
    ):
        with pytest.raises(StoreUnavailable, match="after its deadline"):
            change()
    assert snapshot(redis_url) == before


def test_a_command_given_up_on_during_a_partition_does_not_land_after_it(
    redis_server: RedisServer, redis_url: str
) -> None:
    # The saga's compensation relies on this: once the service has answered 503, the reserve
    # it gave up on must not take the seat later, when the release has already run.
    db = RedisUrl.parse(redis_url).db
    with redis_server.on_private_network() as link:
        store = make_store(f"redis://{link.host}:6379/{db}", timeout=0.5)
        # A pooled connection, opened while reachable, and Redis knows the script: the
        # EVALSHA sent during the partition would run if it arrived.
        assert store.reserve(seat("carol", flight="FL2")) is Reserved.NEWLY
        with link.partitioned():
            time.sleep(0.2)  # the cut is in place before anything is sent
            with pytest.raises(StoreUnavailable):
                store.reserve(seat("alice"))
            gave_up = datetime.now(UTC)
        # TCP retransmits unacknowledged data with backoff (0.2 s, 0.4 s, 0.8 s, ...):
        # whatever the kernel still held would arrive within a few seconds of the heal.
        time.sleep(6)
        # The command may have run before the store gave up (its answer lost on the way back:
        # the saga then releases the seat); it must not run after. Redis stamps each event
        # with its clock, this machine's.
        ran = [(datetime.fromisoformat(e.time), e) for e in store.events_after("0", 10)]
        assert [event for when, event in ran if when >= gave_up] == []
        assert store.reserve(seat("bob", "14A")) is Reserved.NEWLY  # the store works again
        store.close()


def test_other_redis_errors_are_not_disguised_as_unavailability(
    store: RedisStore, redis_url: str
) -> None:
    raw(redis_url).set(seats_key("FL1"), "not a hash")
    with pytest.raises(redis.ResponseError):
        store.reserve(seat("alice"))
