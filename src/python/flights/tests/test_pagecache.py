"""The search page cache: pages by query string for ``ttl`` seconds, within a byte budget."""

from __future__ import annotations

from flights.pagecache import PageCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_page_is_served_with_its_age_until_the_ttl_is_up() -> None:
    clock = Clock()
    pages = PageCache(30, clock=clock)
    pages.put(b"origin=JFK", b"[1]")
    clock.now = 12.5
    assert pages.get(b"origin=JFK") == (12.5, b"[1]")
    assert pages.get(b"origin=BOS") is None
    clock.now = 30.0
    assert pages.get(b"origin=JFK") is None
    assert len(pages) == 0
    assert pages.size == 0


def test_putting_again_restarts_the_clock() -> None:
    clock = Clock()
    pages = PageCache(30, clock=clock)
    pages.put(b"q", b"old")
    clock.now = 20.0
    pages.put(b"q", b"new")
    clock.now = 40.0
    assert pages.get(b"q") == (20.0, b"new")
    assert pages.size == len(b"q") + len(b"new")


def test_the_oldest_pages_go_first_beyond_the_byte_budget() -> None:
    pages = PageCache(30, max_bytes=20, clock=Clock())
    pages.put(b"a", b"123456789")  # 10 bytes with its key
    pages.put(b"b", b"123456789")
    pages.put(b"c", b"1234")  # over 20: "a" goes
    assert pages.get(b"a") is None
    assert pages.get(b"b") is not None
    assert pages.get(b"c") is not None
    assert pages.size == 15
    pages.put(b"huge", b"x" * 100)  # larger than the whole budget: not kept at all
    assert pages.get(b"huge") is None
    assert pages.get(b"b") is not None


def test_a_ttl_of_zero_keeps_nothing() -> None:
    pages = PageCache(0, clock=Clock())
    pages.put(b"q", b"page")
    assert pages.get(b"q") is None
    assert len(pages) == 0
