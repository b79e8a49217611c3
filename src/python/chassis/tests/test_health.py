"""/ping and /health in the health+json format, with pass/warn/fail semantics."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator

import flask
import pytest

import chassis.flask
from chassis.health import Check, Outcome, Status
from chassis.tests.apps import Client

HEALTH_JSON = "application/health+json"
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def ok() -> None:
    return None


def broken() -> None:
    raise ConnectionError("connection refused")


@pytest.fixture()
def hang() -> Iterator[Callable[[], None]]:
    """A probe that blocks until the test ends (the chassis must give up on it first)."""
    release = threading.Event()

    def probe() -> None:
        release.wait(10)

    yield probe
    release.set()


def test_ping_is_liveness_without_checks(make_client: Callable[..., Client]) -> None:
    client = make_client([Check("mysql", "datastore", broken)])
    reply = client("GET", "/ping")
    assert reply.status == 200
    assert reply.header("Content-Type") == HEALTH_JSON
    assert reply.json() == {"status": "pass"}


def test_health_passes_with_check_details(make_client: Callable[..., Client]) -> None:
    client = make_client([Check("mysql", "datastore", ok)])
    reply = client("GET", "/health")
    assert reply.status == 200
    assert reply.header("Content-Type") == HEALTH_JSON
    body = reply.json()
    assert body["status"] == "pass"
    assert body["version"] == "1.2.3"
    assert body["serviceId"] in {"flights", "reservations"}
    [entry] = body["checks"]["mysql:responseTime"]
    assert entry["componentId"] == "mysql"
    assert entry["componentType"] == "datastore"
    assert entry["status"] == "pass"
    assert entry["observedUnit"] == "ms"
    assert isinstance(entry["observedValue"], float)
    assert entry["observedValue"] >= 0
    assert ISO_UTC.fullmatch(entry["time"])
    assert "output" not in entry


def test_failing_optional_check_warns(make_client: Callable[..., Client]) -> None:
    client = make_client(
        [Check("mysql", "datastore", ok), Check("cache", "datastore", broken, required=False)]
    )
    reply = client("GET", "/health")
    assert reply.status == 200
    body = reply.json()
    assert body["status"] == "warn"
    [cache] = body["checks"]["cache:responseTime"]
    assert cache["status"] == "fail"
    assert "connection refused" in cache["output"]


def test_failing_required_check_fails_with_503(make_client: Callable[..., Client]) -> None:
    client = make_client(
        [Check("mysql", "datastore", broken), Check("cache", "datastore", ok, required=False)]
    )
    reply = client("GET", "/health")
    assert reply.status == 503
    assert reply.header("Content-Type") == HEALTH_JSON
    body = reply.json()
    assert body["status"] == "fail"
    [mysql] = body["checks"]["mysql:responseTime"]
    assert mysql["status"] == "fail"
    assert mysql["output"] == "ConnectionError: connection refused"
    assert body["checks"]["cache:responseTime"][0]["status"] == "pass"


def test_check_exceeding_timeout_fails(
    make_client: Callable[..., Client], hang: Callable[[], None]
) -> None:
    client = make_client([Check("mysql", "datastore", hang, timeout=0.05)])
    started = time.perf_counter()
    reply = client("GET", "/health")
    assert time.perf_counter() - started < 2  # gave up on the probe instead of waiting it out
    assert reply.status == 503
    [mysql] = reply.json()["checks"]["mysql:responseTime"]
    assert mysql["status"] == "fail"
    assert mysql["output"] == "timed out after 0.05s"
    assert mysql["observedValue"] == 50.0


def test_check_can_report_warn_itself(make_client: Callable[..., Client]) -> None:
    upstream = Check("flights", "component", lambda: Outcome(Status.WARN, "flights reports warn"))
    reply = make_client([upstream])("GET", "/health")
    assert reply.status == 200
    body = reply.json()
    assert body["status"] == "warn"
    [flights] = body["checks"]["flights:responseTime"]
    assert flights["status"] == "warn"
    assert flights["output"] == "flights reports warn"


def test_check_returning_fail_outcome_fails(make_client: Callable[..., Client]) -> None:
    upstream = Check("flights", "component", lambda: Outcome(Status.FAIL, "flights is down"))
    reply = make_client([upstream])("GET", "/health")
    assert reply.status == 503
    assert reply.json()["status"] == "fail"


def test_checks_run_concurrently(make_client: Callable[..., Client]) -> None:
    def slow() -> None:
        time.sleep(0.3)

    client = make_client([Check(f"db{i}", "datastore", slow) for i in range(4)])
    started = time.perf_counter()
    assert client("GET", "/health").status == 200
    assert time.perf_counter() - started < 1.0  # sequentially it would take 1.2 s


@pytest.mark.parametrize("framework", ["fastapi"])
def test_fastapi_awaits_async_checks(make_client: Callable[..., Client]) -> None:
    async def ping_ok() -> None:
        await asyncio.sleep(0)

    async def ping_hangs() -> None:
        await asyncio.sleep(10)

    client = make_client(
        [
            Check("redis", "datastore", ping_ok),
            Check("mysql", "datastore", ping_hangs, timeout=0.05),
        ]
    )
    started = time.perf_counter()
    reply = client("GET", "/health")
    assert time.perf_counter() - started < 2
    body = reply.json()
    assert reply.status == 503
    assert body["checks"]["redis:responseTime"][0]["status"] == "pass"
    assert body["checks"]["mysql:responseTime"][0]["output"] == "timed out after 0.05s"


def test_flask_rejects_async_checks() -> None:
    async def probe() -> None:
        return None

    with pytest.raises(TypeError, match="sync"):
        chassis.flask.install(
            flask.Flask(__name__), service="x", checks=[Check("redis", "datastore", probe)]
        )
