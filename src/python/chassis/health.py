"""Readiness checks reported in the draft "Health Check Response Format for HTTP APIs".

A check's probe returns ``None`` (or anything that is not an ``Outcome``) for pass, an
``Outcome`` to report warn/fail with an explanation (how the API layer relays upstream
health), and fails by raising or by outliving its timeout. A failing check that is not
``required`` degrades the service to warn instead of fail.

Sync probes run in daemon threads so a hung dependency can be abandoned at the timeout
without blocking the caller or, later, interpreter exit.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

CONTENT_TYPE = "application/health+json"
PING_BODY = b'{"status":"pass"}'

log = logging.getLogger(__name__)


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a health status, not a password
    WARN = "warn"
    FAIL = "fail"


_SEVERITY = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2}


@dataclass(frozen=True)
class Outcome:
    status: Status
    output: str | None = None


Probe = Callable[[], object] | Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Check:
    """``Check("mysql", "datastore", ping)``; an ``async def`` probe is awaited (FastAPI only)."""

    name: str
    component_type: str
    probe: Probe
    timeout: float = field(default=1.0, kw_only=True)
    required: bool = field(default=True, kw_only=True)


@dataclass(frozen=True)
class CheckResult:
    check: Check
    status: Status
    elapsed_ms: float
    checked_at: str  # ISO 8601 UTC
    output: str | None = None


def run_sync(checks: Sequence[Check]) -> list[CheckResult]:
    """Run sync probes concurrently; total time is bounded by the largest timeout."""
    started = time.perf_counter()
    futures = [_in_daemon_thread(check) for check in checks]
    results = []
    for check, future in zip(checks, futures, strict=True):
        remaining = max(0.0, check.timeout - (time.perf_counter() - started))
        try:
            results.append(future.result(timeout=remaining))
        except TimeoutError:
            results.append(_timed_out(check))
    return results


async def run_async(checks: Sequence[Check]) -> list[CheckResult]:
    """Run sync and async probes concurrently without blocking the event loop."""
    return list(await asyncio.gather(*(_run_one(check) for check in checks)))


def report(
    results: Sequence[CheckResult], *, service: str, version: str | None = None
) -> tuple[int, dict[str, Any]]:
    """The HTTP status (200 for pass/warn, 503 for fail) and health+json body."""
    overall = Status.PASS
    checks: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        counted = result.status
        if counted is Status.FAIL and not result.check.required:
            counted = Status.WARN
        overall = max(overall, counted, key=_SEVERITY.__getitem__)
        entry: dict[str, Any] = {
            "componentId": result.check.name,
            "componentType": result.check.component_type,
            "observedValue": round(result.elapsed_ms, 3),
            "observedUnit": "ms",
            "status": result.status.value,
            "time": result.checked_at,
        }
        if result.output is not None:
            entry["output"] = result.output
        checks.setdefault(f"{result.check.name}:responseTime", []).append(entry)
    body: dict[str, Any] = {"status": overall.value, "serviceId": service}
    if version is not None:
        body["version"] = version
    body["checks"] = checks
    return (503 if overall is Status.FAIL else 200), body


async def _run_one(check: Check) -> CheckResult:
    try:
        if inspect.iscoroutinefunction(check.probe):
            probe = cast(Callable[[], Awaitable[object]], check.probe)
            return await asyncio.wait_for(_measure_async(check, probe), check.timeout)
        return await asyncio.wait_for(asyncio.wrap_future(_in_daemon_thread(check)), check.timeout)
    except TimeoutError:
        return _timed_out(check)


async def _measure_async(check: Check, probe: Callable[[], Awaitable[object]]) -> CheckResult:
    started = time.perf_counter()
    try:
        value = await probe()
    except Exception as exc:  # noqa: BLE001 - whatever a probe raises means "fail"
        return _failed(check, exc, time.perf_counter() - started)
    return _finished(check, value, time.perf_counter() - started)


def _measure(check: Check) -> CheckResult:
    started = time.perf_counter()
    try:
        value = check.probe()
    except Exception as exc:  # noqa: BLE001 - whatever a probe raises means "fail"
        return _failed(check, exc, time.perf_counter() - started)
    return _finished(check, value, time.perf_counter() - started)


def _in_daemon_thread(check: Check) -> Future[CheckResult]:
    """Measure a sync probe in a fresh daemon thread, with the caller's contextvars so
    its logs keep the request id. Probe errors are results, so the future only ever
    raises TimeoutError, from the caller's wait."""
    future: Future[CheckResult] = Future()
    context = contextvars.copy_context()

    def run() -> None:
        if future.set_running_or_notify_cancel():
            future.set_result(context.run(_measure, check))

    threading.Thread(target=run, name=f"health-{check.name}", daemon=True).start()
    return future


def _finished(check: Check, value: object, elapsed: float) -> CheckResult:
    outcome = value if isinstance(value, Outcome) else Outcome(Status.PASS)
    return CheckResult(check, outcome.status, elapsed * 1000, _now(), outcome.output)


def _failed(check: Check, exc: Exception, elapsed: float) -> CheckResult:
    log.warning("health check %s failed: %r", check.name, exc)
    output = f"{type(exc).__name__}: {exc}"
    return CheckResult(check, Status.FAIL, elapsed * 1000, _now(), output)


def _timed_out(check: Check) -> CheckResult:
    log.warning("health check %s timed out after %gs", check.name, check.timeout)
    output = f"timed out after {check.timeout:g}s"
    return CheckResult(check, Status.FAIL, check.timeout * 1000, _now(), output)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
