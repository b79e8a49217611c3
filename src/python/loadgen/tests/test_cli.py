"""The CLI's bounds and host rule, and the summary table: no server, no Locust."""

from __future__ import annotations

import sys

import pytest

from loadgen import cli
from loadgen.report import Report, Row, format_table


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30", 30), ("30s", 30), ("2m", 120), ("1m30s", 90), ("10m", 600), (" 5s ", 5)],
)
def test_run_times(text: str, seconds: float) -> None:
    assert cli.parse_run_time(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0s", "601", "10m1s", "11m", "1h", "abc", "5 s", "-5"])
def test_run_times_refused(text: str) -> None:
    with pytest.raises(cli.UsageError):
        cli.parse_run_time(text)


@pytest.mark.parametrize(
    "host",
    ["http://127.0.0.1:8080", "http://localhost:8080/", "http://[::1]:8080", "https://localhost"],
)
def test_this_machine_is_always_allowed(host: str) -> None:
    assert cli.check_host(host, allow_remote=False) == host.rstrip("/")


@pytest.mark.parametrize(
    "host", ["http://10.0.0.5:8080", "https://api.example.com", "http://127.0.0.2:8080"]
)
def test_other_hosts_need_allow_remote(host: str) -> None:
    with pytest.raises(cli.UsageError, match="--allow-remote"):
        cli.check_host(host, allow_remote=False)
    assert cli.check_host(host, allow_remote=True) == host


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8080", "ftp://127.0.0.1", "http://127.0.0.1:8080/flights", "http://"]
)
def test_hosts_must_be_base_urls(host: str) -> None:
    with pytest.raises(cli.UsageError):
        cli.check_host(host, allow_remote=True)


def test_defaults() -> None:
    args = cli.parse_args([])
    assert args.host == "http://127.0.0.1:8080"
    assert args.issuer == "http://127.0.0.1:8090"  # `make start`'s development issuer
    assert (args.users, args.spawn_rate, args.run_time, args.seed) == (20, 10.0, 30.0, None)
    assert not args.allow_remote


@pytest.mark.parametrize(
    "argv",
    [
        ["--users", "501"],
        ["--users", "0"],
        ["--spawn-rate", "0"],
        ["--spawn-rate", "101"],
        ["--run-time", "11m"],
        ["--days", "0"],
        ["--contention", "1.5"],
        ["--hot-seats", "0"],
        ["--host", "http://192.168.1.10:8080"],
        ["--issuer", "http://192.168.1.10:8090"],
        ["--issuer", "http://127.0.0.1:8090/token"],
    ],
)
def test_out_of_bounds_arguments_exit_2_before_locust_is_imported(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    assert "loadgen: error:" in capsys.readouterr().err
    assert "locust" not in sys.modules
    assert "gevent" not in sys.modules


def test_the_issuer_follows_the_host_rule() -> None:
    args = cli.parse_args(["--issuer", "http://localhost:18090/"])
    assert args.issuer == "http://localhost:18090"
    remote = ["--issuer", "https://issuer.example.com", "--allow-remote"]
    assert cli.parse_args(remote).issuer == "https://issuer.example.com"


def row(name: str, requests: int, failures: int = 0, **statuses: int) -> Row:
    return Row(name, requests, failures, requests / 10, 12, 40, 85, statuses)


def report(**overrides: object) -> Report:
    rows = [
        row("POST /bookings [contended]", 4, **{"409": 4}),
        row("GET /flights", 20, **{"200": 20}),
    ]
    values: dict[str, object] = {
        "rows": rows,
        "total": row("Aggregated", 24, **{"200": 20, "409": 4}),
        "seconds": 10.0,
    }
    return Report(**(values | overrides))  # type: ignore[arg-type]


def test_the_summary_table() -> None:
    table = format_table(report())
    lines = table.splitlines()
    assert lines[0].split() == [
        "Name", "Requests", "Failures", "Req/s", "p50", "ms", "p95", "ms", "p99", "ms", "Statuses"
    ]  # fmt: skip
    assert lines[2].split() == ["GET", "/flights", "20", "0", "2.0", "12", "40", "85", "200:20"]
    assert lines[3].startswith("POST /bookings [contended]")
    assert lines[5].split()[:3] == ["Aggregated", "24", "0"]
    assert lines[-1] == "OK: no failures"


def test_any_failure_fails_the_run() -> None:
    assert report().ok
    failed = report(
        total=row("Aggregated", 24, failures=1),
        failures={"POST /bookings: 500 server error": 1},
    )
    assert not failed.ok
    assert "FAILURE x1: POST /bookings: 500 server error" in format_table(failed)
    assert not report(exceptions=["1x KeyError('items')"]).ok
    assert not report(double_booked=[(7, "1A")]).ok
    assert not report(total=row("Aggregated", 0)).ok  # nothing was measured
