"""Integration tests of the Redis adapter and its Lua scripts against a real Redis."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
import redis

from reservations.model import EventType, Released, Reservation, Reserved
from reservations.services import StoreUnavailable
from reservations.store import CLOCK_SKEW_ALLOWANCE, EVENTS_KEY, RedisStore, seats_key
from reservations.tests.conftest import make_store
from testsupport.servers import RedisServer
from testsupport.urls import RedisUrl


def seat(customer: str, seat_num: str = "12C", flight: str = "FL1") -> Reservation:
    return Reservation(flight, seat_num, customer)


def raw(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


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
    assert store.reserve(seat("alice")) is Reserved.ALREADY
    assert store.reserve(seat("bob")) is Reserved.TAKEN
    assert store.holders("FL1") == {"12C": "alice"}
    assert log_length(redis_url) == 1


def test_release_is_compare_and_delete(store: RedisStore, redis_url: str) -> None:
    assert store.release(seat("alice")) is Released.NOT_HELD
    store.reserve(seat("alice"))
    assert store.release(seat("bob")) is Released.HELD_BY_OTHER
    assert store.holders("FL1") == {"12C": "alice"}
    assert store.release(seat("alice")) is Released.RELEASED
    assert store.holders("FL1") == {}
    types = [fields["type"] for _, fields in log_entries(redis_url)]
    assert types == ["SeatReserved", "SeatReleased"]


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


def test_a_change_that_reaches_redis_after_its_deadline_does_nothing(redis_url: str) -> None:
    # A timeout below the clock-skew allowance puts the deadline in the past at once.
    store = make_store(redis_url, timeout=CLOCK_SKEW_ALLOWANCE / 2)
    raw(redis_url).hset(seats_key("FL1"), "14A", "bob")
    for change in (lambda: store.reserve(seat("alice")), lambda: store.release(seat("bob", "14A"))):
        with pytest.raises(StoreUnavailable, match="after its deadline"):
            change()
    assert raw(redis_url).hgetall(seats_key("FL1")) == {"14A": "bob"}
    assert log_length(redis_url) == 0


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
