"""Coalesced reads (clients/coalescing.py): concurrent callers share upstream reads, but no
caller is ever answered by a read that began before it asked, errors are not kept, and
nothing stays behind."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from api.clients.coalescing import CoalescedReads
from api.ports import UpstreamUnavailable

T = TypeVar("T")


def run(make: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await make()

    return asyncio.run(main())


class Store:
    """A service's data and its reads, each of which answers with the data as it was when
    the read began (the worst case for staleness) once the test lets it finish."""

    def __init__(self, **data: str) -> None:
        self.data = dict(data)
        self.reads: list[asyncio.Future[None]] = []  # one gate per read, in order

    async def read(self) -> dict[str, str]:
        snapshot = dict(self.data)
        gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.reads.append(gate)
        await gate
        return snapshot

    def finish(self, index: int = -1, error: BaseException | None = None) -> None:
        if error is None:
            self.reads[index].set_result(None)
        else:
            self.reads[index].set_exception(error)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def caller(reads: CoalescedReads[int, Any], store: Store, key: int = 1) -> asyncio.Task[Any]:
    return asyncio.ensure_future(reads.read(key, store.read))


def test_a_lone_caller_gets_its_own_read() -> None:
    async def scenario() -> None:
        reads: CoalescedReads[int, dict[str, str]] = CoalescedReads()
        store = Store(A="bob")
        first = caller(reads, store)
        await settle()
        store.finish()
        assert await first == {"A": "bob"}
        assert (reads.started, reads.waited, len(reads)) == (1, 0, 0)

    run(scenario)


def test_callers_arriving_during_a_read_share_the_next_one_not_the_one_in_flight() -> None:
    async def scenario() -> None:
        reads: CoalescedReads[int, dict[str, str]] = CoalescedReads()
        store = Store(A="bob")
        first = caller(reads, store)
        await settle()
        later = [caller(reads, store) for _ in range(5)]
        await settle()
        assert len(store.reads) == 1  # the next read waits for the one in flight to end
        store.data.clear()  # a write completes while the first read is in flight
        store.finish(0)
        assert await first == {"A": "bob"}  # it asked before the write completed
        await settle()
        assert len(store.reads) == 2  # the next read began when the first ended
        store.finish(1)
        assert await asyncio.gather(*later) == [{}] * 5  # all of them see the write
        assert (reads.started, reads.waited, len(reads)) == (2, 5, 0)

    run(scenario)


def test_a_write_completed_before_a_caller_asked_is_in_its_answer() -> None:
    # The property itself: a cancellation completes while a read that began before it is
    # still in flight; whoever asks after that must not get that read's answer.
    async def scenario() -> None:
        reads: CoalescedReads[int, dict[str, str]] = CoalescedReads()
        store = Store(A="bob")
        before = caller(reads, store)
        await settle()
        del store.data["A"]  # bob's cancellation completes
        after = caller(reads, store)
        await settle()
        store.finish(0)
        await settle()
        store.finish(1)
        assert await before == {"A": "bob"}
        assert await after == {}

    run(scenario)


def test_a_seat_taken_is_never_shown_free_to_a_caller_that_asked_after() -> None:
    async def scenario() -> None:
        reads: CoalescedReads[int, dict[str, str]] = CoalescedReads()
        store = Store()
        before = caller(reads, store)
        await settle()
        store.data["A"] = "alice"  # alice's booking completes
        after = caller(reads, store)
        await settle()
        store.finish(0)
        await settle()
        store.finish(1)
        assert await before == {}  # free when it asked: one in-flight read, no longer
        assert await after == {"A": "alice"}

    run(scenario)


def test_callers_arriving_while_the_next_read_waits_to_begin_share_it() -> None:
    # Between the end of a read and the start of the next, the next has not begun: a caller
    # arriving then may join it (it still begins after that caller asked).
    async def scenario() -> None:
        reads: CoalescedReads[int, dict[str, str]] = CoalescedReads()
        store = Store(A="bob")
        first = caller(reads, store)
        await settle()
        second = caller(reads, store)
        await asyncio.sleep(0)
        store.finish(0)
        third = caller(reads, store)  # the first read ended, the next has not begun
        await settle()
        assert len(store.reads) == 2
        store.finish(1)
        assert [await first, await second, await third] == [{"A": "bob"}] * 3
        assert reads.started == 2

    run(scenario)


def test_a_failed_read_is_not_kept_and_the_next_caller_recovers() -> None:
    async def scenario() -> None:
        reads: CoalescedReads[int, dict[str, str]] = CoalescedReads()
        store = Store(A="bob")
        failing = caller(reads, store)
        await settle()
        store.finish(0, UpstreamUnavailable("reservations", "answered 503"))
        with pytest.raises(UpstreamUnavailable):
            await failing
        assert len(reads) == 0  # nothing of the failure stays behind
        recovered = caller(reads, store)
        await settle()
        store.finish(1)
        assert await recovered == {"A": "bob"}

    run(scenario)


def test_a_failure_reaches_only_the_callers_that_shared_the_read() -> None:
    async def scenario() -> None:
        reads: CoalescedReads[int, dict[str, str]] = CoalescedReads()
        store = Store(A="bob")
        first = caller(reads, store)
        await settle()
        sharing = [caller(reads, store) for _ in range(3)]
        await settle()
        store.finish(0)
        await settle()
        store.finish(1, UpstreamUnavailable("reservations", "answered 503"))
        assert await first == {"A": "bob"}
        results = await asyncio.gather(*sharing, return_exceptions=True)
        assert all(isinstance(r, UpstreamUnavailable) for r in results)
        after = caller(reads, store)
        await settle()
        store.finish(2)
        assert await after == {"A": "bob"}

    run(scenario)


def test_a_cancelled_caller_does_not_cancel_the_read_for_the_others() -> None:
    async def scenario() -> None:
        reads: CoalescedReads[int, dict[str, str]] = CoalescedReads()
        store = Store(A="bob")
        starter = caller(reads, store)
        await settle()
        waiting = [caller(reads, store) for _ in range(2)]
        await settle()
        starter.cancel()  # e.g. its client went away
        waiting[0].cancel()
        store.finish(0)
        await settle()
        store.finish(1)
        assert await waiting[1] == {"A": "bob"}
        assert starter.cancelled()
        assert waiting[0].cancelled()
        assert len(reads) == 0

    run(scenario)


def test_different_keys_are_read_separately_and_forgotten_when_done() -> None:
    async def scenario() -> None:
        reads: CoalescedReads[int, dict[str, str]] = CoalescedReads()
        store = Store(A="bob")
        tasks = [caller(reads, store, key) for key in range(1, 101)]
        await settle()
        assert (len(store.reads), len(reads)) == (100, 100)
        for index in range(100):
            store.finish(index)
        await asyncio.gather(*tasks)
        assert len(reads) == 0  # memory: only keys with a read in flight

    run(scenario)


def test_the_read_runs_in_the_context_of_the_caller_that_started_it() -> None:
    from contextvars import ContextVar

    who: ContextVar[str] = ContextVar("who", default="nobody")

    async def scenario() -> list[str]:
        reads: CoalescedReads[int, str] = CoalescedReads()

        async def fetch() -> str:
            await asyncio.sleep(0.01)
            return who.get()

        async def as_(name: str) -> str:
            who.set(name)
            return await reads.read(1, fetch)

        first = asyncio.ensure_future(as_("first"))
        await settle()
        second, third = asyncio.ensure_future(as_("second")), asyncio.ensure_future(as_("third"))
        return [await first, await second, await third]

    # The next read is started on behalf of the first caller that waited for it.
    assert run(scenario) == ["first", "second", "second"]
