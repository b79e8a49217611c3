"""The MySQL threads: calls run off the event loop, with the caller's context, and their
results and exceptions come back to the awaiting coroutine."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from flights.threads import Threads

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def where(value: int) -> tuple[str, str, int]:
    return threading.current_thread().name, request_id.get(), value


def test_calls_run_in_the_threads_with_the_callers_context() -> None:
    async def main() -> list[tuple[str, str, int]]:
        threads = Threads(2, "db")
        try:

            async def one(n: int) -> tuple[str, str, int]:
                request_id.set(f"r{n}")
                return await threads.run(where, n)

            return await asyncio.gather(*(one(n) for n in range(6)))
        finally:
            threads.close()

    results = asyncio.run(main())
    assert [(rid, value) for _, rid, value in results] == [(f"r{n}", n) for n in range(6)]
    assert {name for name, _, _ in results} <= {"db_0", "db_1"}


def test_an_exception_reaches_the_caller() -> None:
    def fail() -> None:
        raise LookupError("nope")

    async def main() -> None:
        threads = Threads(1, "db")
        try:
            with pytest.raises(LookupError, match="nope"):
                await threads.run(fail)
            assert await threads.run(where, 1)  # the thread survived it
        finally:
            threads.close()

    asyncio.run(main())


async def one_running_one_queued(
    threads: Threads, release: threading.Event
) -> tuple[asyncio.Future[None], asyncio.Future[tuple[str, str, int]]]:
    """Keeps the one thread busy with a call that waits for RELEASE and queues a call behind
    it: (the running call, the queued one)."""
    started = threading.Event()

    def block() -> None:
        started.set()
        release.wait(5)

    running = asyncio.ensure_future(threads.run(block))
    await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
    queued = asyncio.ensure_future(threads.run(where, 1))  # waits for the one thread
    await asyncio.sleep(0)
    return running, queued


def test_a_cancelled_caller_does_not_break_the_threads() -> None:
    async def main() -> None:
        threads, release = Threads(1, "db"), threading.Event()
        try:
            running, queued = await one_running_one_queued(threads, release)
            running.cancel()
            queued.cancel()
            release.set()
            assert (await threads.run(where, 3))[2] == 3
            assert running.cancelled()
            assert queued.cancelled()
        finally:
            threads.close()

    asyncio.run(main())


def test_closing_cancels_what_is_queued_and_refuses_new_calls() -> None:
    async def main() -> None:
        threads, release = Threads(1, "db"), threading.Event()
        running, queued = await one_running_one_queued(threads, release)
        threads.close()
        release.set()
        await running  # a call that had started finishes
        with pytest.raises(asyncio.CancelledError):
            await queued
        with pytest.raises(RuntimeError, match="closed"):
            await threads.run(where, 2)

    asyncio.run(main())


def test_at_least_one_thread() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Threads(0, "db")
