"""The workloads, their baselines and targets, and the report: ratios, target verdicts,
aggregation over rounds, and docs/benchmarks.md rendered from the JSON document (so the two
files never disagree)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SCHEMA_VERSION = 1
ENTRY = "make bench"

REDIS = "redis_benchmark_hsetnx"
FLASK = "minimal_flask_hsetnx"
FASTAPI = "minimal_fastapi_hsetnx"


@dataclass(frozen=True)
class Target:
    description: str
    min_ratio: float
    max_p99_ms: float | None = None
    # Of the two-hop bound (two_hop below), as a fraction.
    min_two_hop_share: float | None = None

    def summary(self) -> str:
        text = f">= {self.min_ratio:g}x"
        if self.min_two_hop_share is not None:
            text += f", >= {self.min_two_hop_share:.0%} of the two-hop bound"
        if self.max_p99_ms is not None:
            text += f", p99 < {self.max_p99_ms:g} ms"
        return text


@dataclass(frozen=True)
class Workload:
    id: str
    title: str
    short: str  # as a baseline in the table
    request: str  # what each request is, for the method section
    expected_status: int | None  # None: not HTTP
    baseline: str | None
    target: Target | None = None


WORKLOADS: tuple[Workload, ...] = (
    Workload(
        REDIS,
        "redis-benchmark HSETNX",
        "redis-benchmark",
        "`HSETNX bench:hsetnx <new random field> v`, straight to Redis",
        None,
        None,
    ),
    Workload(
        FLASK,
        "minimal Flask + HSETNX (gunicorn as reservations)",
        "minimal Flask",
        "`PUT /reservations`, a fresh seat each time: parse the JSON, one `HSETNX`, echo it",
        201,
        REDIS,
    ),
    Workload(
        FASTAPI,
        "minimal FastAPI + HSETNX (uvicorn as the API layer)",
        "minimal FastAPI",
        "`PUT /reservations`, a fresh seat each time: parse the JSON, one `HSETNX` "
        "(redis.asyncio), echo it",
        201,
        FLASK,
    ),
    Workload(
        "reservations_booking",
        "reservations: `POST /bookings`, 1 seat",
        "reservations booking",
        "a fresh seat of a made-up flight each time (no conflicts), one customer per wrk "
        "thread, a new `Idempotency-Key` each time (the API layer always sends one), straight "
        "to the reservations service",
        201,
        FLASK,
        Target("Reservations booking command >= 0.85x the minimal Flask HSETNX endpoint", 0.85),
    ),
    Workload(
        "flights_seat_map",
        "flights: `GET /flights/{id}/seat_map` (wide-body)",
        "flights seat map",
        "the seat map of the widest aircraft's flight, straight to the flights service",
        200,
        FASTAPI,
    ),
    Workload(
        "flights_search_route",
        "flights: `GET /flights?origin=&destination=&departure_date=`",
        "flights route search",
        "a route and day each time, in turn every one the seeded timetable has (one to three "
        "flights each), straight to the flights service",
        200,
        FASTAPI,
        Target(
            "Flights search by route and date >= 0.8x the minimal FastAPI endpoint, "
            "p99 < 40 ms",
            0.8,
            40.0,
        ),
    ),
    Workload(
        "flights_search_flight_no",
        "flights: `GET /flights?flight_no=&departure_date=`",
        "flights lookup",
        "a flight number and day each time, in turn every flight seeded (one flight each), "
        "straight to the flights service",
        200,
        FASTAPI,
        Target(
            "Flights lookup by flight number and date >= 0.8x the minimal FastAPI endpoint, "
            "p99 < 40 ms",
            0.8,
            40.0,
        ),
    ),
    Workload(
        "flights_search_route_uncached",
        "flights, search page cache off: `GET /flights?origin=&destination=&departure_date=`",
        "flights route search, uncached",
        "the same route searches, straight to a flights service started with "
        "`FLIGHTS_SEARCH_CACHE_TTL=0`: every search a MySQL query, as the first search for a "
        "route and day always is",
        200,
        FASTAPI,
    ),
    Workload(
        "api_get_seats",
        "API: `GET /flights/{id}/seats` (wide-body)",
        "API GET seats",
        "seat map with availability of the same flight, through the API layer",
        200,
        FLASK,
        Target("API GET seats (wide-body) >= 0.7x the minimal Flask HSETNX endpoint", 0.7),
    ),
    Workload(
        "web_cabin",
        "web: the cabin page `GET /flights/{id}` (wide-body), signed out",
        "web cabin page",
        "the widest aircraft's cabin as an HTML page: the API layer's seat map with "
        "availability, drawn seat by seat with each seat's label, through the web front end",
        200,
        "api_get_seats",
    ),
    Workload(
        "api_search_route",
        "API: `GET /flights?origin=&destination=&departure_date=`",
        "API route search",
        "the same route searches as straight to flights, through the API layer",
        200,
        FASTAPI,
        Target("API search by route and date >= 0.5x the minimal FastAPI endpoint", 0.5),
    ),
    Workload(
        "api_search_flight_no",
        "API: `GET /flights?flight_no=&departure_date=`",
        "API lookup",
        "the same lookups as straight to flights, through the API layer",
        200,
        FASTAPI,
        Target(
            "API lookup by flight number and date >= 0.5x the minimal FastAPI endpoint", 0.5
        ),
    ),
    Workload(
        "api_booking_1_seat",
        "API: `POST /bookings`, 1 seat",
        "API booking (1 seat)",
        "1 seat nobody holds, with an `Idempotency-Key` of its own and a customer's bearer "
        "token, through the API layer",
        201,
        FLASK,
        Target(
            "API single-seat booking >= 0.45x the minimal Flask HSETNX endpoint and >= 75% of "
            "the two-hop bound, p99 < 60 ms",
            0.45,
            60.0,
            0.75,
        ),
    ),
    Workload(
        "api_booking_unverified",
        "API, token signatures not checked (bench-only): `POST /bookings`, 1 seat",
        "API booking, unverified tokens",
        "the 1-seat booking, against the API layer with a verifier that takes the customer "
        "from the token unchecked (`benchmarks/baselines.py`, never deployed): what the "
        "booking costs without verification",
        201,
        FLASK,
    ),
    Workload(
        "api_booking_3_seats",
        "API: `POST /bookings`, 3 seats",
        "API booking (3 seats)",
        "3 seats of one flight nobody holds, with an `Idempotency-Key` of its own and a "
        "customer's bearer token, through the API layer",
        201,
        "api_booking_1_seat",
        Target("API 3-seat booking >= 0.85x the 1-seat booking rate", 0.85),
    ),
)
BY_ID = {w.id: w for w in WORKLOADS}


@dataclass(frozen=True)
class Comparison:
    """A second target for a workload, against another workload of the same run: its
    ratio, and what the difference costs per request (servers' CPU, µs)."""

    id: str
    workload: str
    baseline: str
    target: Target
    cost: str  # what the difference in CPU per request is the cost of


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "token_verification",
        "api_booking_1_seat",
        "api_booking_unverified",
        Target("API booking with verified tokens >= 0.9x the same booking unverified", 0.9),
        "verifying the bearer token",
    ),
)


# --- figures --------------------------------------------------------------------------------


def aggregate(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One workload's figures over its rounds: medians of throughput and latencies (each
    round is one fixed-length run), sums of requests and errors."""
    if not runs:
        raise ValueError("no runs to aggregate")

    def median(key: str) -> float | None:
        values = [float(r[key]) for r in runs if r.get(key) is not None]
        return statistics.median(values) if values else None

    return {
        "throughput_rps": median("throughput_rps"),
        "p50_ms": median("p50_ms"),
        "p99_ms": median("p99_ms"),
        "requests": sum(int(r["requests"]) for r in runs),
        "errors": sum(int(r["errors"]) for r in runs),
        "other_cpu_share": median("other_cpu_share"),
        "cpu_ms_per_request": median("cpu_ms_per_request"),
    }


def ratio(value: float | None, baseline: float | None) -> float | None:
    if value is None or baseline is None or baseline <= 0:
        return None
    return value / baseline


def two_hop(throughputs: Mapping[str, float | None]) -> float | None:
    """What a request through two minimal endpoints could reach, every process sharing the
    same cores: it costs the CPU of both, so at most 1 / (1/FastAPI + 1/Flask) per second."""
    flask, fastapi = throughputs.get(FLASK), throughputs.get(FASTAPI)
    if not flask or not fastapi:
        return None
    return 1 / (1 / flask + 1 / fastapi)


def verdict(
    target: Target,
    figures: Mapping[str, Any],
    ratio_: float | None,
    two_hop_share: float | None = None,
) -> dict[str, Any]:
    """Met only with the ratio, the share of the two-hop bound and the p99 bound (each if
    the target has one) and no errors."""
    shortfalls = []
    if ratio_ is None:
        shortfalls.append("no baseline figure")
    elif ratio_ < target.min_ratio:
        shortfalls.append(f"{format_ratio(ratio_)} < {target.min_ratio:g}x")
    if target.min_two_hop_share is not None:
        if two_hop_share is None:
            shortfalls.append("no two-hop bound")
        elif two_hop_share < target.min_two_hop_share:
            shortfalls.append(
                f"{two_hop_share:.0%} of the two-hop bound < {target.min_two_hop_share:.0%}"
            )
    p99 = figures.get("p99_ms")
    if target.max_p99_ms is not None and (p99 is None or p99 >= target.max_p99_ms):
        shortfalls.append(f"p99 {format_ms(p99)} ms >= {target.max_p99_ms:g} ms")
    if figures.get("errors"):
        shortfalls.append(f"{figures['errors']} errors")
    return {
        "description": target.description,
        "min_ratio": target.min_ratio,
        "max_p99_ms": target.max_p99_ms,
        "min_two_hop_share": target.min_two_hop_share,
        "met": not shortfalls,
        "shortfalls": shortfalls,
    }


def evaluate(results: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The workloads measured (by id, in WORKLOADS order) with their baseline, the ratio to
    it, the share of the two-hop bound (for targets that name it) and the target verdict."""
    bound = two_hop({key: figures.get("throughput_rps") for key, figures in results.items()})
    entries = []
    for workload in WORKLOADS:
        if workload.id not in results:
            continue
        figures = dict(results[workload.id])
        base = results.get(workload.baseline) if workload.baseline else None
        base_rps = base.get("throughput_rps") if base else None
        value = ratio(figures.get("throughput_rps"), base_rps)
        if workload.target and workload.target.min_two_hop_share is not None:
            share = ratio(figures.get("throughput_rps"), bound)
            figures["two_hop_share"] = round(share, 4) if share is not None else None
        entries.append(
            {
                "id": workload.id,
                "title": workload.title,
                "request": workload.request,
                "expected_status": workload.expected_status,
                **figures,
                "baseline": workload.baseline,
                "baseline_name": BY_ID[workload.baseline].short if workload.baseline else None,
                "baseline_throughput_rps": base_rps,
                "ratio": round(value, 4) if value is not None else None,
                "target": (
                    verdict(workload.target, figures, value, figures.get("two_hop_share"))
                    if workload.target
                    else None
                ),
            }
        )
    return entries


def compare(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """COMPARISONS between the evaluated workloads (both measured: else left out): the ratio
    of their throughputs, the verdict, and the difference in the servers' CPU per request."""
    found = {e["id"]: e for e in entries}
    compared = []
    for comparison in COMPARISONS:
        this, base = found.get(comparison.workload), found.get(comparison.baseline)
        if this is None or base is None:
            continue
        value = ratio(this.get("throughput_rps"), base.get("throughput_rps"))
        cpu, base_cpu = this.get("cpu_ms_per_request"), base.get("cpu_ms_per_request")
        cost_us = None if cpu is None or base_cpu is None else round((cpu - base_cpu) * 1000, 1)
        compared.append(
            {
                "id": comparison.id,
                "workload": comparison.workload,
                "baseline": comparison.baseline,
                "ratio": round(value, 4) if value is not None else None,
                "cost": comparison.cost,
                "cost_us_per_request": cost_us,
                "target": verdict(comparison.target, this, value),
            }
        )
    return compared


# --- Markdown ------------------------------------------------------------------------------


def format_rps(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def format_ms(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def format_ratio(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}x" if value >= 0.1 else f"{value:.3f}x"


def format_share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def target_cell(target: Mapping[str, Any] | None) -> str:
    if target is None:
        return ""
    wanted = Target(
        target["description"],
        target["min_ratio"],
        target["max_p99_ms"],
        target.get("min_two_hop_share"),
    ).summary()
    return f"{wanted}: {'met' if target['met'] else '**MISSED**'}"


def results_table(workloads: Sequence[Mapping[str, Any]]) -> str:
    lines = [
        "| Workload | Requests/s | p50 ms | p99 ms | Errors | Compared with | Ratio | Target "
        "| Other CPU |",
        "|---|---:|---:|---:|---:|---|---:|---|---:|",
    ]
    for w in workloads:
        errors = f"**{w['errors']:,}** of {w['requests']:,}" if w["errors"] else "0"
        title = w["title"] + (f" — {w['detail']}" if w.get("detail") else "")
        compared = (w["baseline_name"], format_ratio(w["ratio"])) if w["baseline"] else ("-", "-")
        lines.append(
            f"| {title} | {format_rps(w['throughput_rps'])} | {format_ms(w['p50_ms'])} "
            f"| {format_ms(w['p99_ms'])} | {errors} | {compared[0]} | {compared[1]} "
            f"| {target_cell(w['target'])} | {format_share(w.get('other_cpu_share'))} |"
        )
    return "\n".join(lines)


def targets_list(workloads: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    for w in workloads:
        target = w["target"]
        if target is None:
            continue
        figures = f"{format_ratio(w['ratio'])}"
        if w.get("two_hop_share") is not None:
            figures += f", {w['two_hop_share']:.0%} of the two-hop bound"
        figures += f", p99 {format_ms(w['p99_ms'])} ms"
        lines.append(_target_line(target, figures))
    return lines


def comparison_lines(
    comparisons: Sequence[Mapping[str, Any]], verify_us: float | None = None
) -> list[str]:
    lines = []
    for c in comparisons:
        target = c["target"]
        figures = f"{format_ratio(c['ratio'])}"
        cost = c.get("cost_us_per_request")
        if cost is not None:
            figures += f"; {c['cost']}: {cost:,.0f} µs of server CPU per request"
        if verify_us is not None and c["id"] == "token_verification":
            figures += f" ({verify_us:,.0f} µs for the verifier alone, in process)"
        lines.append(_target_line(target, figures))
    return lines


def _target_line(target: Mapping[str, Any], figures: str) -> str:
    if target["met"]:
        return f"- {target['description']}: **met** ({figures})."
    why = "; ".join(target["shortfalls"])
    return f"- {target['description']}: **MISSED** ({figures}: {why})."


def two_hop_paragraph(workloads: Sequence[Mapping[str, Any]]) -> list[str]:
    rps = {w["id"]: w["throughput_rps"] for w in workloads}
    bound = two_hop(rps)
    if bound is None:
        return []
    flask, fastapi = rps[FLASK], rps[FASTAPI]
    text = (
        f"For scale: a request through the minimal FastAPI endpoint and then the minimal Flask "
        f"one, on these same shared cores (wrk included), could reach at most "
        f"1 / (1/{format_rps(fastapi)} + 1/{format_rps(flask)}) = {format_rps(bound)} req/s, "
        f"{format_ratio(ratio(bound, flask))} the minimal Flask endpoint (the two-hop bound). "
        "An API booking is those two hops with the real work in each: in the API layer "
        "validation and the check against the cached seat map, in the reservations service "
        "validation and one Lua script (the seats, the booking record, the idempotency record "
        "and one event per seat)."
    )
    booked = rps.get("api_booking_1_seat")
    if booked:
        text += (
            f" The 1-seat booking reached {format_rps(booked)} req/s, "
            f"{booked / bound:.0%} of that bound."
        )
    return ["", text]


def render_markdown(doc: Mapping[str, Any]) -> str:
    s, m, g = doc["settings"], doc["machine"], doc["git"]
    workloads = doc["workloads"]
    sha = (g["sha"] or "unknown")[:12] + (" (with uncommitted changes)" if g.get("dirty") else "")
    lines = [
        "# Benchmarks",
        "",
        f"<!-- Written by `{s['command']}`; do not edit, run it again. -->",
        "",
        f"Run {doc['generated_at']} at git `{sha}` on {m['cores']} cores "
        f"({m.get('cpu_model') or 'unknown CPU'}): concurrency {s['concurrency']}, "
        f"{s['duration_s']:g} s per workload after a {s['warmup_s']:g} s warm-up, "
        f"{'1 round' if s['rounds'] == 1 else str(s['rounds']) + ' rounds (medians)'}. "
        f"Machine-readable: [`benchmarks.json`](benchmarks.json).",
        "",
    ]
    if s.get("quick"):
        lines += [
            "> **Smoke run** (`--quick`): workloads this short only show that the benchmark "
            "works end to end. They are not measurements; run `make bench` for figures.",
            "",
        ]
    busy = [w for w in workloads if (w.get("other_cpu_share") or 0) > 0.10]
    if busy:
        lines += [
            "> **Disturbed:** other processes used more than 10 % of the CPUs during "
            + ", ".join(w["id"] for w in busy)
            + "; those figures understate what this machine can do.",
            "",
        ]
    failed = [w for w in workloads if w["errors"]]
    if failed:
        lines += [
            "> **Errors** in " + ", ".join(w["id"] for w in failed) + ": see the table.",
            "",
        ]
    lines += ["## Results", "", results_table(workloads), "", "### Targets", ""]
    verify_us = s.get("auth", {}).get("verify_us")
    targets = targets_list(workloads) + comparison_lines(doc.get("comparisons", []), verify_us)
    lines += targets or ["- (no target workload was run)"]
    lines += two_hop_paragraph(workloads)
    for note in doc.get("notes", []):
        lines += ["", f"Note: {note}"]
    lines += ["", "## Method", "", *method(doc), "", "## Machine and run", "", *machine(doc)]
    return "\n".join(lines) + "\n"


def method(doc: Mapping[str, Any]) -> list[str]:
    s = doc["settings"]
    servers = s["servers"]
    auth = s.get("auth") or {"customers": 0}
    images = s.get("service_images") or {}
    lines = [
        f"`{s['command']}` builds the images with Pants and runs `docker-compose.yml`, the "
        "stack `make start` runs, as a Compose project of its own (`flightres-bench-<run id>`: "
        "its own image tags, secrets and free ports, so it never meets a developer's stack), "
        "with `docker-compose.debug.yml` (flights, reservations and the databases published on "
        "127.0.0.1) and `docker-compose.bench.yml` (the baselines, the seed's days, health "
        "checks every 10 minutes instead of 5 s). It takes the project down (containers, "
        "networks, volumes) however it ends, also on failure, Ctrl-C or SIGTERM:",
        "",
        f"- MariaDB (`{s['images']['mysql']}`) and Redis (`{s['images']['redis']}`) "
        "(`MYSQL_IMAGE`, `REDIS_IMAGE`); the flights database migrated and seeded by the "
        f"stack's one-shot jobs (`flights seed --days {s['seed_days']}`: "
        f"{s['flights_seeded']:,} flights).",
        f"- The images ({', '.join(sorted(images)) or 'n/a'}), the services with the settings "
        "`docker-compose.yml` gives them, otherwise their defaults "
        f"(flights: {servers['flights']}; reservations: {servers['reservations']}; "
        f"API layer: {servers['api']}).",
        "  Those are the services' defaults, chosen by measurement: "
        "[`benchmarks-worker-models.md`](benchmarks-worker-models.md) "
        f"(`{ENTRY} BENCH_ARGS=--worker-models`).",
        "- How each side is reached: wrk, on the host, reaches the services and the "
        "baselines alike at ports published on 127.0.0.1 (Docker's docker-proxy); behind "
        "them, the API layer reaches flights and reservations, and the services and the "
        "baselines reach MariaDB and Redis, over the project's Docker networks. The "
        "baselines run in containers of the same project from an image built like the "
        "services' (the same base image and Dockerfile), one at a time with "
        "`docker-compose run`, as do the flights service without its search page cache, the "
        "unverified API layer and the worker models.",
        f"- One workload at a time: wrk with {s['wrk_threads']} threads and "
        f"{s['concurrency']} connections for a fixed {s['duration_s']:g} s after a "
        f"{s['warmup_s']:g} s warm-up (not counted). Closed loop: each connection sends its "
        "next request when the previous answer arrives; p50/p99 are wrk's.",
        "- Errors: responses that are neither 2xx/3xx nor the expected status, plus socket "
        "errors (connect, read, write, timeout).",
        "- Ratio: requests/s divided by the baseline's requests/s from the same run. Every "
        "process shares the same cores (wrk included), so ratios say more than absolute "
        "figures. *Server CPU per request*: the CPU of every running container of the "
        "project (each container's cgroup: servers, databases, the baseline of the moment, "
        "`docker exec`s) plus the Docker engine's processes that serve them (dockerd and "
        "containerd: logs; each container's shim; the docker-proxy of each published port), "
        "over the measured requests. *Other CPU*: the share of all cores that processes other than "
        "those and wrk used meanwhile; figures are only comparable when it is near 0.",
        "",
        "Workloads:",
        "",
    ]
    for w in doc["workloads"]:
        expected = f" Expected status {w['expected_status']}." if w["expected_status"] else ""
        lines.append(f"- {w['title']}: {w['request']}.{expected}")
    lines += [
        "",
        "Baselines, measured in the same run against the same Redis container:",
        "",
        f"- redis-benchmark: {s['redis_benchmark']}, in a container of its own on Redis' "
        "network (`docker-compose run redis`; its CPU counts as other).",
        "- minimal Flask: `src/python/benchmarks/baselines.py` (one endpoint, no "
        "validation, no event, no chassis), served by `chassis.gunicorn` with "
        "`gunicorn_options` from the same settings as the service "
        f"({servers['minimal_flask']}).",
        "- minimal FastAPI: `src/python/benchmarks/baselines.py` (one endpoint, "
        "`redis.asyncio`, no chassis), served by uvicorn with the API layer's options "
        f"({servers['minimal_fastapi']}).",
        "- unverified API layer (bench-only): `src/python/benchmarks/baselines.py` "
        "(`baselines api-unverified`): the API layer's own app (`api.app.create_app`), "
        "served like it and with its settings, but with a verifier that reads the customer "
        "from the token's `sub` without checking its signature or claims.",
        "",
        "Searches go through every route and day (origin, destination, departure date) and "
        "every flight number and day of the seeded timetable, each once, in a fixed shuffled "
        "order, wrk's threads taking turns, then around again; straight to flights and "
        "through the API layer they are the same requests. The flights service keeps a "
        "search page for its query string for `FLIGHTS_SEARCH_CACHE_TTL` (30 s): after the "
        "warm-up, which goes through every search at least once, nearly every search of a "
        "measured window is answered from memory; the *search page cache off* row is the "
        "MySQL path that every first search takes.",
        "",
        "Bookings through the API layer carry a bearer token: the stack's dev issuer signed "
        f"one per customer ({auth['customers']:,} customers) before any load, so minting is "
        "never part of a request; the API layer verifies them as `docker-compose.yml` "
        "configures it (the issuer's JWKS), and the customers take turns. "
        "Bookings take seats nobody holds from the seeded flights (the wide-body one "
        f"excluded), {s['booking_window_flights']} flights at a time, one group of seats per "
        "flight in turn; the 1-seat and 3-seat workloads use disjoint flights, the unverified "
        "1-seat booking goes on with the 1-seat booking's. Bookings straight to the "
        "reservations service use made-up flight ids and customers, a new seat every time. "
        "For every booking workload, the reservations service's event stream "
        "(one `SeatReserved` event per seat a booking took) must have grown by at least the "
        "seats the successful requests asked for (`seats_reserved` in the JSON); a shortfall "
        "would be listed as a note.",
    ]
    return lines


def machine(doc: Mapping[str, Any]) -> list[str]:
    m, s, d = doc["machine"], doc["settings"], doc["durations_s"]
    rows = [
        ("Date (UTC)", doc["generated_at"]),
        ("Git", f"`{doc['git']['sha']}`" + (" + local changes" if doc["git"].get("dirty") else "")),
        ("Cores / memory", f"{m['cores']} / {m.get('memory_gib')} GiB"),
        ("CPU", m.get("cpu_model")),
        ("OS / kernel", f"{m.get('os')} / {m.get('kernel')}"),
        ("Python (services)", s.get("service_python")),
        ("Docker engine", m.get("docker_server")),
        ("wrk", m.get("wrk")),
        ("redis-benchmark", m.get("redis_benchmark")),
        ("Load average at start", ", ".join(f"{v:.2f}" for v in m["load_average_at_start"])),
        (
            "Durations",
            f"setup {d['setup']:.0f} s, workloads {d['workloads']:.0f} s, total {d['total']:.0f} s",
        ),
    ]
    lines = ["| | |", "|---|---|"]
    lines += [f"| {name} | {value if value is not None else 'n/a'} |" for name, value in rows]
    for name, image in (s.get("service_images") or {}).items():
        lines.append(f"| Image flightres/{name} | `{image}` |")
    return lines
