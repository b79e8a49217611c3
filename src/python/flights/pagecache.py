"""Search pages as they were sent, by query string, for a while (``FLIGHTS_SEARCH_CACHE_TTL``).

The timetable changes only when ``flights seed`` (or a migration) runs, and a search's MySQL
round trip costs more than everything else it does, so the same search within the TTL gets
the same bytes from memory. Bounded by bytes, not entries: a page of 100 flights is about
20 KB, a lookup about 250 bytes. Used from the event loop only, so no lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chassis import pagecache

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


class PageCache:
    def __init__(
        self,
        ttl: float,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._pages: pagecache.PageCache[bytes] = pagecache.PageCache(max_bytes)

    def __len__(self) -> int:
        return len(self._pages)

    @property
    def size(self) -> int:
        """Bytes of the pages held (keys included)."""
        return self._pages.size

    def get(self, key: bytes) -> tuple[float, bytes] | None:
        """(age in seconds, page), or None when there is none younger than the TTL."""
        now = self._clock()
        found = self._pages.get(key, now)
        return None if found is None else (now - found[0], found[1])

    def put(self, key: bytes, page: bytes) -> None:
        if self.ttl > 0:
            now = self._clock()
            self._pages.put(key, page, now=now, expires=now + self.ttl)
