"""What the flights client keeps: seat maps (``SeatMapCache``) and search pages
(``SearchPageCache``).

Seat maps by flight, each with the ETag it was served with and until when it is fresh:
a busy flight's seat map is downloaded and parsed once, used as is while fresh, then
confirmed with bodiless 304s (``If-None-Match``), each of which makes it fresh again.

Bounded: beyond ``max_flights`` the least recently used flight goes. Many flights share an
aircraft configuration and so the same representation (same ETag): those share one parsed
``SeatMap``, so memory grows with configurations, not with flights. Single event loop, no
locks.
"""

from __future__ import annotations

from collections import Counter, OrderedDict

from api.seatmap import SeatMap
from chassis.pagecache import PageCache


class SeatMapCache:
    def __init__(self, max_flights: int) -> None:
        if max_flights < 1:
            raise ValueError("max_flights must be at least 1")
        self.max_flights = max_flights
        # flight → (ETag, fresh until, on the caller's monotonic clock), oldest use first
        self._etags: OrderedDict[int, tuple[str, float]] = OrderedDict()
        self._maps: dict[str, SeatMap] = {}  # ETag → seat map
        self._users: Counter[str] = Counter()  # ETag → how many flights use it

    def __len__(self) -> int:
        return len(self._etags)

    @property
    def distinct_seat_maps(self) -> int:
        return len(self._maps)

    def get(self, flight_id: int) -> tuple[str, SeatMap] | None:
        entry = self._etags.get(flight_id)
        if entry is None:
            return None
        self._etags.move_to_end(flight_id)
        return entry[0], self._maps[entry[0]]

    def fresh_until(self, flight_id: int) -> float:
        """When the flight's seat map has to be revalidated (-inf: not cached)."""
        entry = self._etags.get(flight_id)
        return float("-inf") if entry is None else entry[1]

    def put(
        self, flight_id: int, etag: str, seat_map: SeatMap, fresh_until: float = float("-inf")
    ) -> SeatMap:
        """Store and return the seat map, or the equal one already stored under ``etag``.
        By default it is stale at once: revalidated on its next use."""
        self.discard(flight_id)
        shared = self._maps.setdefault(etag, seat_map)
        self._users[etag] += 1
        self._etags[flight_id] = (etag, fresh_until)
        while len(self._etags) > self.max_flights:
            self.discard(next(iter(self._etags)))
        return shared

    def refresh(self, flight_id: int, fresh_until: float) -> None:
        """A 304 confirmed the stored seat map: fresh again until ``fresh_until``."""
        entry = self._etags.get(flight_id)
        if entry is not None:
            self._etags[flight_id] = (entry[0], fresh_until)

    def discard(self, flight_id: int) -> None:
        entry = self._etags.pop(flight_id, None)
        if entry is None:
            return
        etag = entry[0]
        self._users[etag] -= 1
        if self._users[etag] <= 0:
            del self._users[etag]
            del self._maps[etag]


class SearchPageCache:
    """Search pages as the flights service sent them, by query string, each until its
    freshness lifetime (the service's ``Cache-Control`` and ``Age``) ends.

    Bounded by bytes, not entries, as the flights service bounds its own page cache (both are
    ``chassis.pagecache``): a page of 100 flights is about 20 KB, a lookup of one flight
    about 250 bytes. Expired pages go when next looked up or when room is needed, least
    recently used first. Single event loop, no locks.
    """

    def __init__(self, max_bytes: int) -> None:
        self._pages: PageCache[str] = PageCache(max_bytes)

    def __len__(self) -> int:
        return len(self._pages)

    @property
    def size(self) -> int:
        """Bytes of the pages held, keys included."""
        return self._pages.size

    def get(self, query: str, now: float) -> bytes | None:
        """The page while it is fresh at ``now`` (the caller's monotonic clock), else None."""
        found = self._pages.get(query, now)
        return None if found is None else found[1]

    def put(self, query: str, page: bytes, fresh_until: float, now: float) -> None:
        """Keep the page until ``fresh_until``; one already stale, or bigger than the whole
        cache, is not kept (and an older page for the query is dropped either way)."""
        self._pages.put(query, page, now=now, expires=fresh_until)
