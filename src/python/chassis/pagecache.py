"""Pages (bytes) by key, each kept until it expires, within a byte budget (keys included);
when full, the least recently used go first. The flights service keeps its search pages in
one, the API layer the pages it got from flights. One thread or event loop: no lock."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K", str, bytes)


class PageCache(Generic[K]):
    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        self.max_bytes = max_bytes
        # key -> (stored at, expires at, page); oldest use first
        self._pages: OrderedDict[K, tuple[float, float, bytes]] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._pages)

    @property
    def size(self) -> int:
        """Bytes of the pages held, keys included."""
        return self._bytes

    def get(self, key: K, now: float) -> tuple[float, bytes] | None:
        """(when it was stored, the page) while it has not expired at ``now``, else None."""
        entry = self._pages.get(key)
        if entry is None:
            return None
        if now >= entry[1]:
            self._drop(key)
            return None
        self._pages.move_to_end(key)
        return entry[0], entry[2]

    def put(self, key: K, page: bytes, *, now: float, expires: float) -> None:
        """Keep the page until ``expires``; one already expired, or bigger than the whole
        budget, is not kept (and an older page for the key is dropped either way)."""
        if key in self._pages:
            self._drop(key)
        cost = len(key) + len(page)
        if expires <= now or cost > self.max_bytes:
            return
        self._pages[key] = (now, expires, page)
        self._bytes += cost
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._pages)))

    def _drop(self, key: K) -> None:
        _, _, page = self._pages.pop(key)
        self._bytes -= len(key) + len(page)
