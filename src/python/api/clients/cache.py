"""Seat maps by flight, each with the ETag it was served with, for ``If-None-Match``
revalidation: a busy flight's seat map is downloaded and parsed once, then confirmed with
bodiless 304s.

Bounded: beyond ``max_flights`` the least recently used flight goes. Many flights share an
aircraft configuration and so the same representation (same ETag): those share one parsed
``SeatMap``, so memory grows with configurations, not with flights. Single event loop, no
locks.
"""

from __future__ import annotations

from collections import Counter, OrderedDict

from api.seatmap import SeatMap


class SeatMapCache:
    def __init__(self, max_flights: int) -> None:
        if max_flights < 1:
            raise ValueError("max_flights must be at least 1")
        self.max_flights = max_flights
        self._etags: OrderedDict[int, str] = OrderedDict()  # flight → ETag, oldest use first
        self._maps: dict[str, SeatMap] = {}  # ETag → seat map
        self._users: Counter[str] = Counter()  # ETag → how many flights use it

    def __len__(self) -> int:
        return len(self._etags)

    @property
    def distinct_seat_maps(self) -> int:
        return len(self._maps)

    def get(self, flight_id: int) -> tuple[str, SeatMap] | None:
        etag = self._etags.get(flight_id)
        if etag is None:
            return None
        self._etags.move_to_end(flight_id)
        return etag, self._maps[etag]

    def put(self, flight_id: int, etag: str, seat_map: SeatMap) -> SeatMap:
        """Store and return the seat map, or the equal one already stored under ``etag``."""
        self.discard(flight_id)
        shared = self._maps.setdefault(etag, seat_map)
        self._users[etag] += 1
        self._etags[flight_id] = etag
        while len(self._etags) > self.max_flights:
            self.discard(next(iter(self._etags)))
        return shared

    def discard(self, flight_id: int) -> None:
        etag = self._etags.pop(flight_id, None)
        if etag is None:
            return
        self._users[etag] -= 1
        if self._users[etag] <= 0:
            del self._users[etag]
            del self._maps[etag]
