from __future__ import annotations

import copy
from typing import Any

import pytest

from benchmarks import report
from benchmarks.report import FASTAPI, FLASK, REDIS


def figures(rps: float, p99: float = 10.0, errors: int = 0, **more: Any) -> dict[str, Any]:
    return {
        "throughput_rps": rps,
        "p50_ms": p99 / 2,
        "p99_ms": p99,
        "requests": int(rps * 20),
        "errors": errors,
        "other_cpu_share": 0.02,
        **more,
    }


RESULTS = {
    REDIS: figures(40_000, 1.5),
    FLASK: figures(1_000, 40),
    FASTAPI: figures(1_500, 30),
    "reservations_booking": figures(900, 50),
    "flights_seat_map": figures(750, 20, detail="Boeing 787-9, 262 seats"),
    "flights_search_route": figures(1_275, 30, detail="600 different searches in turn"),
    "flights_search_flight_no": figures(1_350, 25),
    "flights_search_route_uncached": figures(800, 45),
    "api_get_seats": figures(750, 90, detail="Boeing 787-9, 262 seats"),
    "web_cabin": figures(300, 110, detail="Boeing 787-9, 262 seats"),
    "api_search_route": figures(795, 60),
    "api_search_flight_no": figures(780, 70),
    # two-hop bound: 1 / (1/1,500 + 1/1,000) = 600 req/s
    "api_booking_1_seat": figures(480, 45, cpu_ms_per_request=1.9),
    "api_booking_unverified": figures(505, 42, cpu_ms_per_request=1.82),
    "api_booking_3_seats": figures(432, 70),
}


def by_id(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in entries}


def test_ratios_are_to_each_workloads_baseline() -> None:
    entries = by_id(report.evaluate(RESULTS))
    assert entries[REDIS]["ratio"] is None
    assert entries[REDIS]["baseline"] is None
    assert entries[FLASK]["ratio"] == pytest.approx(1_000 / 40_000)
    assert entries[FASTAPI]["ratio"] == pytest.approx(1.5)
    assert entries["reservations_booking"]["ratio"] == pytest.approx(0.9)
    assert entries["flights_seat_map"]["ratio"] == pytest.approx(0.5)  # vs minimal FastAPI
    assert entries["flights_seat_map"]["baseline_throughput_rps"] == 1_500
    assert entries["api_get_seats"]["ratio"] == pytest.approx(0.75)
    assert entries["flights_search_route"]["ratio"] == pytest.approx(0.85)  # vs minimal FastAPI
    assert entries["flights_search_flight_no"]["ratio"] == pytest.approx(0.9)
    assert entries["api_search_route"]["ratio"] == pytest.approx(0.53)
    assert entries["api_search_flight_no"]["baseline_name"] == "minimal FastAPI"
    assert entries["api_booking_1_seat"]["ratio"] == pytest.approx(0.48)
    assert entries["api_booking_1_seat"]["two_hop_share"] == pytest.approx(0.8)
    assert entries["api_booking_3_seats"]["ratio"] == pytest.approx(0.9)  # vs the 1-seat rate
    assert entries["api_booking_3_seats"]["baseline_name"] == "API booking (1 seat)"
    assert "two_hop_share" not in entries["api_get_seats"]
    assert entries["web_cabin"]["ratio"] == pytest.approx(0.4)  # vs the API's seat map
    assert entries["web_cabin"]["baseline_name"] == "API GET seats"


def test_entries_keep_the_workload_order_and_figures() -> None:
    entries = report.evaluate(RESULTS)
    assert [e["id"] for e in entries] == [w.id for w in report.WORKLOADS]
    assert entries[4]["detail"] == "Boeing 787-9, 262 seats"


def test_targets_met() -> None:
    entries = by_id(report.evaluate(RESULTS))
    assert entries["api_booking_1_seat"]["target"]["met"] is True  # 0.48x, 80%, p99 45 ms
    assert entries["api_booking_3_seats"]["target"]["met"] is True  # 0.9x the 1-seat rate
    assert entries["api_get_seats"]["target"]["met"] is True  # 0.75x
    assert entries["flights_search_route"]["target"]["met"] is True  # 0.85x, p99 30 ms
    assert entries["flights_search_flight_no"]["target"]["met"] is True  # 0.9x, p99 25 ms
    assert entries["api_search_route"]["target"]["met"] is True  # 0.53x
    assert entries["api_search_flight_no"]["target"]["met"] is True  # 0.52x
    assert entries["reservations_booking"]["target"]["met"] is True  # 0.9x
    assert entries["flights_seat_map"]["target"] is None


@pytest.mark.parametrize(
    ("change", "shortfalls"),
    [
        # with RESULTS' baselines, 0.45x is exactly 75% of the two-hop bound
        ({"throughput_rps": 440}, ["0.44x < 0.45x", "73% of the two-hop bound < 75%"]),
        ({"p99_ms": 60.0}, ["p99 60.0 ms >= 60 ms"]),  # "< 60 ms" is strict
        ({"errors": 2}, ["2 errors"]),
    ],
)
def test_single_seat_booking_target_missed(change: dict[str, Any], shortfalls: list[str]) -> None:
    results = copy.deepcopy(RESULTS)
    results["api_booking_1_seat"].update(change)
    target = by_id(report.evaluate(results))["api_booking_1_seat"]["target"]
    assert target["met"] is False
    assert target["shortfalls"] == shortfalls


def test_single_seat_booking_needs_three_quarters_of_the_two_hop_bound() -> None:
    results = copy.deepcopy(RESULTS)
    results[FASTAPI]["throughput_rps"] = 6_000  # bound 1 / (1/6,000 + 1/1,000) = 857 req/s
    target = by_id(report.evaluate(results))["api_booking_1_seat"]["target"]
    assert target["met"] is False
    assert target["shortfalls"] == ["56% of the two-hop bound < 75%"]  # 0.48x is enough


@pytest.mark.parametrize(
    ("workload", "change", "shortfalls"),
    [
        ("flights_search_route", {"throughput_rps": 1_125}, ["0.75x < 0.8x"]),
        ("flights_search_flight_no", {"p99_ms": 40.0}, ["p99 40.0 ms >= 40 ms"]),
        ("api_search_route", {"throughput_rps": 735}, ["0.49x < 0.5x"]),
        ("api_search_flight_no", {"errors": 1}, ["1 errors"]),
        ("api_get_seats", {"throughput_rps": 690}, ["0.69x < 0.7x"]),
    ],
)
def test_read_path_targets_missed(
    workload: str, change: dict[str, Any], shortfalls: list[str]
) -> None:
    results = copy.deepcopy(RESULTS)
    results[workload].update(change)
    target = by_id(report.evaluate(results))[workload]["target"]
    assert target["met"] is False
    assert target["shortfalls"] == shortfalls


def test_three_seat_booking_target_is_to_the_one_seat_rate() -> None:
    results = copy.deepcopy(RESULTS)
    results["api_booking_3_seats"]["throughput_rps"] = 400  # 0.83x of 480
    target = by_id(report.evaluate(results))["api_booking_3_seats"]["target"]
    assert target["shortfalls"] == ["0.83x < 0.85x"]


def test_a_target_without_its_baseline_is_missed() -> None:
    results = {k: v for k, v in RESULTS.items() if k != FLASK}
    entry = by_id(report.evaluate(results))["api_get_seats"]
    assert entry["ratio"] is None
    assert entry["target"]["met"] is False
    assert entry["target"]["shortfalls"] == ["no baseline figure"]


def test_token_verification_is_compared_with_the_unverified_booking() -> None:
    [comparison] = report.compare(report.evaluate(RESULTS))
    assert comparison["id"] == "token_verification"
    assert comparison["ratio"] == pytest.approx(480 / 505, abs=1e-4)
    assert comparison["cost_us_per_request"] == pytest.approx(80.0)
    assert comparison["target"]["met"] is True  # 0.95x >= 0.9x
    results = copy.deepcopy(RESULTS)
    results["api_booking_1_seat"]["throughput_rps"] = 450  # 0.89x
    [missed] = report.compare(report.evaluate(results))
    assert missed["target"]["shortfalls"] == ["0.89x < 0.9x"]
    without = {k: v for k, v in RESULTS.items() if k != "api_booking_unverified"}
    assert report.compare(report.evaluate(without)) == []


def test_markdown_states_what_verification_costs() -> None:
    doc = document(auth={"customers": 500, "verify_us": 95.4})
    doc["comparisons"] = report.compare(doc["workloads"])
    markdown = report.render_markdown(doc)
    assert (
        "- API booking with verified tokens >= 0.9x the same booking unverified: **met** "
        "(0.95x; verifying the bearer token: 80 µs of server CPU per request (95 µs for the "
        "verifier alone, in process))."
    ) in markdown
    assert "500 customers" in markdown


def test_ratio_edge_cases() -> None:
    assert report.ratio(10, 0) is None
    assert report.ratio(None, 10) is None
    assert report.ratio(5, 10) == 0.5


def test_aggregate_takes_medians_and_sums() -> None:
    runs = [
        {"throughput_rps": 100, "p50_ms": 5, "p99_ms": 30, "requests": 2000, "errors": 0},
        {"throughput_rps": 300, "p50_ms": 9, "p99_ms": 10, "requests": 6000, "errors": 1},
        {"throughput_rps": 200, "p50_ms": 7, "p99_ms": 20, "requests": 4000, "errors": 2},
    ]
    assert report.aggregate(runs) == {
        "throughput_rps": 200,
        "p50_ms": 7,
        "p99_ms": 20,
        "requests": 12000,
        "errors": 3,
        "other_cpu_share": None,
        "cpu_ms_per_request": None,
    }
    with pytest.raises(ValueError, match="no runs"):
        report.aggregate([])


@pytest.mark.parametrize(
    ("value", "text"),
    [(45669.41, "45,669"), (150.04, "150"), (67.25, "67.2"), (None, "n/a")],
)
def test_format_rps(value: float | None, text: str) -> None:
    assert report.format_rps(value) == text


def test_format_ratio_and_ms() -> None:
    assert report.format_ratio(0.7912) == "0.79x"
    assert report.format_ratio(0.03851) == "0.039x"
    assert report.format_ms(825.44) == "825.4"
    assert report.format_ms(1.447) == "1.45"


def document(**settings: Any) -> dict[str, Any]:
    return {
        "generated_at": "2026-11-27T14:00:00Z",
        "git": {"sha": "0123456789abcdef0123", "dirty": False},
        "machine": {
            "cores": 2,
            "cpu_model": "Test CPU",
            "memory_gib": 7.8,
            "os": "Debian GNU/Linux 12 (bookworm)",
            "kernel": "6.1",
            "docker_server": "20.10.24",
            "wrk": "wrk 4.1.0",
            "redis_benchmark": "redis-benchmark 7.0.15",
            "load_average_at_start": [0.5, 0.4, 0.3],
        },
        "settings": {
            "command": "make bench",
            "quick": False,
            "concurrency": 32,
            "wrk_threads": 2,
            "duration_s": 20,
            "warmup_s": 3,
            "rounds": 1,
            "redis_benchmark": "`redis-benchmark ...`",
            "seed_days": 30,
            "flights_seeded": 2010,
            "booking_window_flights": 50,
            "images": {"mysql": "flightres/mariadb:10.11", "redis": "flightres/redis:7.0"},
            "servers": {
                name: "gunicorn, 2 workers x 4 gthreads"
                for name in ("flights", "reservations", "api", "minimal_flask", "minimal_fastapi")
            },
            "service_python": "3.11.2",
            "service_images": {"api": "0123456789ab"},
            **settings,
        },
        "durations_s": {"setup": 40.2, "workloads": 190.0, "total": 231.0},
        "workloads": report.evaluate(RESULTS),
        "notes": [],
    }


def test_markdown_table_rows() -> None:
    markdown = report.render_markdown(document())
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| Workload | Requests/s | p50 ms | p99 ms | Errors |")
    booking = next(row for row in rows if row.startswith("| API: `POST /bookings`, 1 seat"))
    assert booking == (
        "| API: `POST /bookings`, 1 seat | 480 | 22.5 | 45.0 | 0 "
        "| minimal Flask | 0.48x "
        "| >= 0.45x, >= 75% of the two-hop bound, p99 < 60 ms: met | 2% |"
    )
    three = next(row for row in rows if "3 seats" in row)
    assert "| API booking (1 seat) | 0.90x | >= 0.85x: met |" in three
    seats = next(row for row in rows if "/seats" in row)
    assert "— Boeing 787-9, 262 seats" in seats
    assert ">= 0.7x: met" in seats
    route = next(row for row in rows if row.startswith("| flights: `GET /flights?origin="))
    assert "— 600 different searches in turn |" in route
    assert "| minimal FastAPI | 0.85x | >= 0.8x, p99 < 40 ms: met |" in route
    redis = next(row for row in rows if row.startswith("| redis-benchmark"))
    assert "| 40,000 | 0.75 | 1.50 | 0 | - | - |" in redis


def test_markdown_says_missed_and_why() -> None:
    doc = document()
    results = copy.deepcopy(RESULTS)
    results["api_get_seats"]["throughput_rps"] = 150
    results["api_booking_1_seat"].update(throughput_rps=67, p99_ms=825.4, errors=4)
    doc["workloads"] = report.evaluate(results)
    markdown = report.render_markdown(doc)
    assert ">= 0.7x: **MISSED**" in markdown
    assert (
        "- API single-seat booking >= 0.45x the minimal Flask HSETNX endpoint and >= 75% of "
        "the two-hop bound, p99 < 60 ms: **MISSED** (0.067x, 11% of the two-hop bound, "
        "p99 825.4 ms: 0.067x < 0.45x; 11% of the two-hop bound < 75%; p99 825.4 ms >= 60 ms; "
        "4 errors)."
    ) in markdown
    assert "**4** of 9,600" in markdown  # errors stand out in the table
    assert "> **Errors** in api_booking_1_seat" in markdown


def test_markdown_banners() -> None:
    quiet = report.render_markdown(document())
    assert "Smoke run" not in quiet
    assert "Disturbed" not in quiet
    doc = document(quick=True)
    doc["workloads"][3]["other_cpu_share"] = 0.35
    noisy = report.render_markdown(doc)
    assert "> **Smoke run** (`--quick`)" in noisy
    assert "> **Disturbed:** other processes used more than 10 % of the CPUs during " \
        "reservations_booking;" in noisy


def test_markdown_sections_and_machine() -> None:
    markdown = report.render_markdown(document())
    for heading in ("# Benchmarks", "## Results", "### Targets", "## Method", "## Machine and run"):
        assert f"\n{heading}\n" in f"\n{markdown}"
    assert "| Git | `0123456789abcdef0123` |" in markdown
    assert "| Durations | setup 40 s, workloads 190 s, total 231 s |" in markdown
    assert "2,010 flights" in markdown
    assert "after a 3 s warm-up, 1 round." in markdown
    assert "3 rounds (medians)." in report.render_markdown(document(rounds=3))


def test_markdown_gives_the_two_hop_bound_from_the_baselines() -> None:
    markdown = report.render_markdown(document())
    # 1 / (1/1,500 + 1/1,000) = 600 req/s, 0.6x the Flask baseline of RESULTS
    assert "1 / (1/1,500 + 1/1,000) = 600 req/s, 0.60x the minimal Flask endpoint" in markdown
    assert "The 1-seat booking reached 480 req/s, 80% of that bound." in markdown
    doc = document()
    doc["workloads"] = [w for w in doc["workloads"] if w["id"] != FASTAPI]
    assert "For scale" not in report.render_markdown(doc)
