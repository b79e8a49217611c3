"""Coalesced reads (clients/coalescing.py): concurrent callers share upstream reads, but no
caller is ever answered by a read that began before it asked, errors are not kept, and
nothing stays behind."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any

import pytest

from api.clients.coalescing import CoalescedReads
from api.ports import UpstreamUnavailable

Reads = CoalescedReads[int, dict[str, str]]


def scenario(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """An ``async def`` test, run in an event loop of its own (with its fixtures)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


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


async def ask(reads: Reads, store: Store) -> asyncio.Task[dict[str, str]]:
    """A caller that has asked: its read has begun, or it waits for the next one."""
    task = caller(reads, store)
    await settle()
    return task


@pytest.fixture()
def reads() -> Reads:
    return CoalescedReads()


@pytest.fixture()
def store() -> Store:
    """Seat A, held by bob."""
    return Store(A="bob")


@scenario
async def test_a_lone_caller_gets_its_own_read(reads: Reads, store: Store) -> None:
    first = await ask(reads, store)
    store.finish()
    assert await first == {"A": "bob"}
    assert (reads.started, reads.waited, len(reads)) == (1, 0, 0)


@scenario
async def test_callers_arriving_during_a_read_share_the_next_one_not_the_one_in_flight(
    reads: Reads, store: Store
) -> None:
    first = await ask(reads, store)
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


@pytest.mark.parametrize(
    ("data_before", "data_after"),
    [
        pytest.param({"A": "bob"}, {}, id="a cancellation"),
        # A seat taken is never shown free to a caller that asked after.
        pytest.param({}, {"A": "alice"}, id="a booking"),
    ],
)
@scenario
async def test_a_write_completed_before_a_caller_asked_is_in_its_answer(
    reads: Reads, data_before: dict[str, str], data_after: dict[str, str]
) -> None:
    # The property itself: a write completes while a read that began before it is still in
    # flight; whoever asks after that must not get that read's answer.
    store = Store(**data_before)
    before = await ask(reads, store)
    store.data = dict(data_after)  # the write completes
    after = await ask(reads, store)
    store.finish(0)
    await settle()
    store.finish(1)
    assert await before == data_before  # as it was when it asked: one in-flight read, no longer
    assert await after == data_after


@scenario
async def test_callers_arriving_while_the_next_read_waits_to_begin_share_it(
    reads: Reads, store: Store
) -> None:
    # Between the end of a read and the start of the next, the next has not begun: a caller
    # arriving then may join it (it still begins after that caller asked).
    first = await ask(reads, store)
    second = caller(reads, store)
    await asyncio.sleep(0)
    store.finish(0)
    third = await ask(reads, store)  # the first read ended, the next has not begun
    assert len(store.reads) == 2
    store.finish(1)
    assert [await first, await second, await third] == [{"A": "bob"}] * 3
    assert reads.started == 2


@scenario
async def test_a_failed_read_is_not_kept_and_the_next_caller_recovers(
    reads: Reads, store: Store
) -> None:
    failing = await ask(reads, store)
    store.finish(0, UpstreamUnavailable("reservations", "answered 503"))
    with pytest.raises(UpstreamUnavailable):
        await failing
    assert len(reads) == 0  # nothing of the failure stays behind
    recovered = await ask(reads, store)
    store.finish(1)
    assert await recovered == {"A": "bob"}


@scenario
async def test_a_failure_reaches_only_the_callers_that_shared_the_read(
    reads: Reads, store: Store
) -> None:
    first = await ask(reads, store)
    sharing = [caller(reads, store) for _ in range(3)]
    await settle()
    store.finish(0)
    await settle()
    store.finish(1, UpstreamUnavailable("reservations", "answered 503"))
    assert await first == {"A": "bob"}
    results = await asyncio.gather(*sharing, return_exceptions=True)
    assert all(isinstance(r, UpstreamUnavailable) for r in results)
    after = await ask(reads, store)
    store.finish(2)
    assert await after == {"A": "bob"}


@scenario
async def test_a_cancelled_caller_does_not_cancel_the_read_for_the_others(
    reads: Reads, store: Store
) -> None:
    starter = await ask(reads, store)
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


@scenario
async def test_different_keys_are_read_separately_and_forgotten_when_done(
    reads: Reads, store: Store
) -> None:
    tasks = [caller(reads, store, key) for key in range(1, 101)]
    await settle()
    assert (len(store.reads), len(reads)) == (100, 100)
    for index in range(100):
        store.finish(index)
    await asyncio.gather(*tasks)
    assert len(reads) == 0  # memory: only keys with a read in flight


@scenario
async def test_the_read_runs_in_the_context_of_the_caller_that_started_it() -> None:
    who: ContextVar[str] = ContextVar("who", default="nobody")
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
    # The next read is started on behalf of the first caller that waited for it.
    assert [await first, await second, await third] == ["first", "second", "second"]
