"""Use cases: search flights, fetch one, fetch its seat map (cached, with an ETag).

Seat maps change only when migrations or ``flights seed`` change a configuration, so they are
cached in-process per configuration; the flight -> configuration link is cached too, for a
shorter time, because an equipment swap changes it. With both warm a seat map request,
including a 304, touches no database. Staleness bound after a change in MySQL: a response
reflects the configuration link as of at most ``flight_ttl`` ago and the seat map content as
of at most ``seat_map_ttl`` ago (defaults 30 s and 300 s, see ``settings.py``).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from flights.model import Cursor, Flight, Page, SearchCriteria, SeatMap, decode_cursor, paginate


class FlightRepository(Protocol):
    def search(self, criteria: SearchCriteria, after: Cursor | None) -> list[Flight]:
        """Up to ``criteria.limit + 1`` flights after ``after``, by (departure_time, id)."""

    def get(self, flight_id: int) -> Flight | None: ...

    def seat_map(self, configuration_id: int) -> SeatMap | None: ...


class FlightNotFoundError(LookupError):
    def __init__(self, flight_id: int) -> None:
        super().__init__(f"no flight with id {flight_id}")
        self.flight_id = flight_id


@dataclass(frozen=True)
class PublishedSeatMap:
    """A seat map as served: the JSON bytes and a strong ETag hashed from exactly those bytes,
    so the ETag changes whenever the representation does (new data or a new rendering).
    Kept serialised because encoding a 300-seat map costs more than the rest of a request."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, seat_map: SeatMap) -> PublishedSeatMap:
        body = json.dumps(seat_map.to_document(), separators=(",", ":")).encode()
        return cls(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


class FlightsService:
    def __init__(
        self,
        repo: FlightRepository,
        *,
        seat_map_ttl: float = 300.0,
        flight_ttl: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repo = repo
        # Flights are many and each entry is small; configurations are a handful.
        self._configuration_of: TtlCache[int, int] = TtlCache(flight_ttl, 50_000, clock)
        self._seat_maps: TtlCache[int, PublishedSeatMap] = TtlCache(seat_map_ttl, 256, clock)

    def search(self, criteria: SearchCriteria, cursor: str | None = None) -> Page:
        after = decode_cursor(cursor, criteria) if cursor is not None else None
        return paginate(self.repo.search(criteria, after), criteria)

    def flight(self, flight_id: int) -> Flight:
        flight = self.repo.get(flight_id)
        if flight is None:
            raise FlightNotFoundError(flight_id)
        self._configuration_of.put(flight_id, flight.configuration_id)
        return flight

    def cached_seat_map(self, flight_id: int) -> PublishedSeatMap | None:
        """The seat map if both caches can answer; never blocks, never touches MySQL."""
        configuration_id = self._configuration_of.get(flight_id)
        return None if configuration_id is None else self._seat_maps.get(configuration_id)

    def seat_map(self, flight_id: int) -> PublishedSeatMap:
        configuration_id = self._configuration_of.get(flight_id)
        if configuration_id is None:
            configuration_id = self.flight(flight_id).configuration_id
        published = self._seat_maps.get(configuration_id)
        if published is None:
            seat_map = self.repo.seat_map(configuration_id)
            if seat_map is None:  # the foreign key makes this a broken database, not a 404
                raise LookupError(
                    f"flight {flight_id}: configuration {configuration_id} is missing"
                )
            published = PublishedSeatMap.of(seat_map)
            self._seat_maps.put(configuration_id, published)
        return published


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Entries expire ``ttl`` seconds after they were stored; beyond ``max_entries`` the oldest
    go first. Thread-safe: sync endpoints run in a thread pool."""

    def __init__(self, ttl: float, max_entries: int, clock: Callable[[], float]) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if self._clock() >= expires:
                del self._entries[key]
                return None
            return value

    def put(self, key: K, value: V) -> None:
        if self._ttl <= 0:
            return
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = (self._clock() + self._ttl, value)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
