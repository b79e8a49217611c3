"""The seat map cache: bounded, least recently used first, one parsed map per ETag."""

from __future__ import annotations

import pytest

from api.clients.cache import SeatMapCache
from api.tests.fakes import seat_map_of

A320, E175 = seat_map_of("1A", "1B"), seat_map_of("1A")


def test_a_stored_seat_map_comes_back_with_its_etag() -> None:
    cache = SeatMapCache(10)
    cache.put(1, '"a"', A320)
    assert cache.get(1) == ('"a"', A320)
    assert cache.get(2) is None


def test_beyond_its_size_the_least_recently_used_flight_goes() -> None:
    cache = SeatMapCache(2)
    cache.put(1, '"a"', A320)
    cache.put(2, '"a"', A320)
    cache.get(1)  # 2 is now the least recently used
    cache.put(3, '"b"', E175)
    assert (cache.get(1) is None, cache.get(2) is None, cache.get(3) is None) == (
        False,
        True,
        False,
    )
    assert len(cache) == 2


def test_flights_with_the_same_etag_share_one_seat_map() -> None:
    cache = SeatMapCache(10)
    first = cache.put(1, '"a"', A320)
    second = cache.put(2, '"a"', seat_map_of("1A", "1B"))  # equal, parsed again
    assert second is first
    assert cache.distinct_seat_maps == 1


def test_a_seat_map_is_dropped_with_the_last_flight_using_it() -> None:
    cache = SeatMapCache(10)
    cache.put(1, '"a"', A320)
    cache.put(2, '"a"', A320)
    cache.put(1, '"b"', E175)  # flight 1 changed configuration
    assert cache.distinct_seat_maps == 2
    cache.discard(2)
    assert cache.distinct_seat_maps == 1
    assert cache.get(1) == ('"b"', E175)


def test_the_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        SeatMapCache(0)
