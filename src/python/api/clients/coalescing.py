"""Concurrent reads of the same thing share one upstream request, without ever answering a
caller with a read that began before it asked.

Plain single-flight (join whatever request is in flight) would hand a caller an answer the
service produced before the caller's request arrived: a seat cancelled (or booked) just
before would still show as held (or free) to someone who asked after the write had
completed, through this process or any other replica. So a caller never joins a read that
has begun. Per key:

- no read in flight: the caller starts one and gets its answer;
- a read in flight: the caller waits for the *next* read, which begins when the one in
  flight ends (whatever its outcome) and which every caller arriving until then shares.

Every answer a caller gets was therefore read after the caller asked: what was written
before it asked is in it, as without coalescing. The price is latency: a caller that
arrives while a read is in flight waits for the rest of that read and then a whole one (at
most two upstream round trips instead of one). In return a busy key costs one upstream
request per round trip, however many callers ask.

Failures are not kept: a failed read fails the callers that shared it, all of whom asked
before it began; the next caller starts a new read. A caller that is cancelled (its client
went away, or the other half of its request failed) leaves the shared read running for the
others. Keys are held only while a read is in flight or waiting, so memory is bounded by the
concurrency. Single event loop, no locks. The shared read runs in the context (request id)
of the caller that started it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass
class _Reads(Generic[V]):
    current: asyncio.Task[V]  # in flight: joined by nobody after it began
    following: asyncio.Task[V] | None = None  # begins when ``current`` ends; joinable


class CoalescedReads(Generic[K, V]):
    def __init__(self) -> None:
        self._reads: dict[K, _Reads[V]] = {}
        self.started = 0  # reads begun (upstream requests made)
        self.waited = 0  # callers that found a read in flight and waited for the next one

    def __len__(self) -> int:
        """Keys with a read in flight."""
        return len(self._reads)

    async def read(self, key: K, fetch: Callable[[], Awaitable[V]]) -> V:
        """``fetch()``'s answer (or error), from a call that began after this one."""
        reads = self._reads.get(key)
        if reads is None:
            task = asyncio.ensure_future(self._fetch(fetch))
            self._reads[key] = reads = _Reads(task)
            task.add_done_callback(lambda done: self._ended(key, done))
        else:
            self.waited += 1
            if reads.following is None:
                task = asyncio.ensure_future(self._after(key, reads.current, fetch))
                reads.following = task
                task.add_done_callback(lambda done: self._ended(key, done))
            else:
                task = reads.following
        # Shielded: one caller's cancellation must not cancel the others' read.
        return await asyncio.shield(task)

    async def _fetch(self, fetch: Callable[[], Awaitable[V]]) -> V:
        self.started += 1
        return await fetch()

    async def _after(
        self, key: K, previous: asyncio.Task[V], fetch: Callable[[], Awaitable[V]]
    ) -> V:
        await asyncio.wait((previous,))  # its outcome is its own callers' business
        reads = self._reads[key]
        following = reads.following
        assert following is asyncio.current_task()
        assert following is not None
        # Begins now: from here on, callers wait for the read after this one.
        reads.current, reads.following = following, None
        return await self._fetch(fetch)

    def _ended(self, key: K, task: asyncio.Task[Any]) -> None:
        if not task.cancelled():
            task.exception()  # retrieved: every caller may have gone (no "never retrieved")
        reads = self._reads.get(key)
        if reads is None:
            return
        if reads.following is task:  # cancelled before it began (the loop shutting down)
            reads.following = None
        if reads.current.done() and reads.following is None:
            del self._reads[key]
