"""Request ids, the access log and Prometheus metrics (both adapters)."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from collections.abc import Callable

import pytest
from prometheus_client.parser import text_string_to_metric_families

from chassis import ConfigError, current_request_id, logs, requestid
from chassis.metrics import HttpMetrics
from chassis.tests.apps import Client, capture_logs

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_request_id_is_echoed_and_visible_to_handlers(client: Client) -> None:
    reply = client("GET", "/flights/7", headers={"X-Request-ID": "req-123.abc:9_Z"})
    assert reply.status == 200
    assert reply.header("X-Request-ID") == "req-123.abc:9_Z"
    assert reply.json() == {"flight_id": 7, "request_id": "req-123.abc:9_Z"}
    assert current_request_id() is None  # unbound once the request is over


def test_request_id_is_generated_when_absent(client: Client) -> None:
    first = client("GET", "/flights/7")
    second = client("GET", "/flights/7")
    first_id = first.header("X-Request-ID") or ""
    assert GENERATED.fullmatch(first_id)
    assert first.json()["request_id"] == first_id
    assert second.header("X-Request-ID") != first_id


def test_generated_request_id_is_a_uuid4() -> None:
    generated = uuid.UUID(hex=requestid.accept_or_generate(None))
    assert generated.version == 4
    assert generated.variant == uuid.RFC_4122


@pytest.mark.parametrize("insane", ["x" * 129, "has space", "<script>", "a;b", "a/b", ""])
def test_insane_request_id_is_replaced(client: Client, insane: str) -> None:
    reply = client("GET", "/flights/7", headers={"X-Request-ID": insane})
    request_id = reply.header("X-Request-ID") or ""
    assert GENERATED.fullmatch(request_id)
    assert reply.json()["request_id"] == request_id


def test_one_access_log_line_per_request(client: Client) -> None:
    read_logs = capture_logs()
    client("GET", "/flights/7?x=1", headers={"X-Request-ID": "acc-1"})
    [line] = [line for line in read_logs() if line["logger"] == "chassis.access"]
    assert line["level"] == "INFO"
    assert line["service"] in {"flights", "reservations"}
    assert line["request_id"] == "acc-1"
    assert line["method"] == "GET"
    assert line["path"] == "/flights/7"  # no query string: it may carry personal data
    assert line["route"] == "/flights/{flight_id}"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])


def test_probe_traffic_is_logged_at_debug(
    make_client: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "debug")
    client = make_client()
    read_logs = capture_logs()
    client("GET", "/ping")
    client("GET", "/flights/1")
    access = [line for line in read_logs() if line["logger"] == "chassis.access"]
    assert [(line["route"], line["level"]) for line in access] == [
        ("/ping", "DEBUG"),
        ("/flights/{flight_id}", "INFO"),
    ]


def test_install_rejects_bad_log_level(
    make_client: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        make_client()


def samples(client: Client) -> dict[tuple[str, str, str], float]:
    """http_requests_total by (method, route, status)."""
    reply = client("GET", "/metrics")
    assert reply.status == 200
    assert (reply.header("Content-Type") or "").startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(reply.body.decode()):
        for sample in family.samples:
            if sample.name == "http_requests_total":
                labels = sample.labels
                found[labels["method"], labels["route"], labels["status"]] = sample.value
    return found


def test_metrics_are_labelled_by_route_template(client: Client) -> None:
    client("GET", "/flights/41")
    client("GET", "/flights/42")
    client("GET", "/taken")
    client("GET", "/nowhere/1")
    client("GET", "/nowhere/2")
    counts = samples(client)
    assert counts["GET", "/flights/{flight_id}", "200"] == 2
    assert counts["GET", "/taken", "409"] == 1
    assert counts["GET", "<unmatched>", "404"] == 2
    assert not [route for _, route, _ in counts if "41" in route or "nowhere" in route]


def test_latency_histogram_is_exposed(client: Client) -> None:
    client("GET", "/flights/41")
    text = client("GET", "/metrics").body.decode()
    assert re.search(
        r'http_request_duration_seconds_count\{method="GET",route="/flights/\{flight_id\}",'
        r'status="200"\} 1\.0',
        text,
    )


def test_each_app_has_its_own_registry(make_client: Callable[..., Client]) -> None:
    first, second = make_client(), make_client()
    first("GET", "/flights/1")
    assert ("GET", "/flights/{flight_id}", "200") in samples(first)
    assert ("GET", "/flights/{flight_id}", "200") not in samples(second)


def test_unknown_methods_share_one_label() -> None:
    metrics = HttpMetrics()
    metrics.observe("BREW", "/pot", 405, 0.01)
    metrics.observe("SPAM", "/pot", 405, 0.01)
    text = metrics.exposition().decode()
    assert 'http_requests_total{method="OTHER",route="/pot",status="405"} 2.0' in text
    assert "BREW" not in text


def test_json_formatter_adds_extras_and_exceptions() -> None:
    stream = io.StringIO()
    logs.configure("flights", "INFO", stream=stream)
    logger = logging.getLogger("flights.seats")
    logger.debug("hidden at INFO")
    logger.info("seat %s held", "12A", extra={"flight_id": 7})
    try:
        raise ValueError("nope")
    except ValueError:
        logger.exception("failed")
    held, failed = (json.loads(line) for line in stream.getvalue().splitlines())
    assert held["message"] == "seat 12A held"
    assert held["service"] == "flights"
    assert held["logger"] == "flights.seats"
    assert held["flight_id"] == 7
    assert "request_id" not in held  # outside a request
    assert failed["level"] == "ERROR"
    assert "ValueError: nope" in failed["exc_info"]


def test_configure_leaves_foreign_handlers_alone() -> None:
    root = logging.getLogger()
    foreign = logging.NullHandler()
    root.addHandler(foreign)
    try:
        logs.configure("a", stream=io.StringIO())
        logs.configure("b", stream=io.StringIO())
        assert foreign in root.handlers
        assert len([h for h in root.handlers if isinstance(h, logs._ChassisHandler)]) == 1
    finally:
        root.removeHandler(foreign)
