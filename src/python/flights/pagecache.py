"""Search pages as they were sent, by query string, for a while (``FLIGHTS_SEARCH_CACHE_TTL``).

The timetable changes only when ``flights seed`` (or a migration) runs, and a search's MySQL
round trip costs more than everything else it does, so the same search within the TTL gets
the same bytes from memory. Bounded by bytes, not entries: a page of 100 flights is about
20 KB, a lookup about 250 bytes. Used from the event loop only, so no lock.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


class PageCache:
    def __init__(
        self,
        ttl: float,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self._max_bytes = max_bytes
        self._clock = clock
        self._pages: OrderedDict[bytes, tuple[float, bytes]] = OrderedDict()  # oldest first
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._pages)

    @property
    def size(self) -> int:
        """Bytes of the pages held (keys included)."""
        return self._bytes

    def get(self, key: bytes) -> tuple[float, bytes] | None:
        """(age in seconds, page), or None when there is none younger than the TTL."""
        entry = self._pages.get(key)
        if entry is None:
            return None
        age = self._clock() - entry[0]
        if age >= self.ttl:
            self._drop(key)
            return None
        return age, entry[1]

    def put(self, key: bytes, page: bytes) -> None:
        if self.ttl <= 0 or len(key) + len(page) > self._max_bytes:
            return
        if key in self._pages:
            self._drop(key)
        self._pages[key] = (self._clock(), page)
        self._bytes += len(key) + len(page)
        while self._bytes > self._max_bytes:
            self._drop(next(iter(self._pages)))

    def _drop(self, key: bytes) -> None:
        _, page = self._pages.pop(key)
        self._bytes -= len(key) + len(page)
