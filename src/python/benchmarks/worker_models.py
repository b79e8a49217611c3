"""Server settings chosen by measurement (``make bench BENCH_ARGS=--worker-models``): the
reservations service and the API layer each under several worker models on the booking
workload, in interleaved rounds, and the page that records it (docs/benchmarks-worker-models.md).

Every model names all of its settings, so the table does not depend on the defaults; the
rows the services run with by default are marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks import report
from benchmarks.report import format_ms, format_rps, format_share


@dataclass(frozen=True)
class Model:
    service: str  # "reservations" or "api"
    name: str
    env: dict[str, str]


def _gunicorn(worker_class: str, workers: int, threads: int = 1) -> Model:
    name = f"gunicorn {worker_class}, {workers} workers"
    env = {"RESERVATIONS_WORKER_CLASS": worker_class, "RESERVATIONS_WORKERS": str(workers)}
    if worker_class == "gthread":
        name += f" x {threads} threads"
        env["RESERVATIONS_THREADS"] = str(threads)
    return Model("reservations", name, env)


def _uvicorn(workers: int) -> Model:
    name = "uvicorn, 1 process" if workers == 1 else f"uvicorn, {workers} worker processes"
    return Model("api", name, {"API_WORKERS": str(workers)})


MODELS: tuple[Model, ...] = (
    _gunicorn("gthread", 2, 4),
    _gunicorn("gthread", 2, 8),
    _gunicorn("gthread", 4, 2),
    _gunicorn("sync", 4),
    _gunicorn("sync", 8),
    _uvicorn(1),
    _uvicorn(2),
    _uvicorn(3),
)
# The workload each service's models are measured on.
WORKLOAD = {"reservations": "reservations_booking", "api": "api_booking_1_seat"}
TITLE = {"reservations": "Reservations service", "api": "API layer"}


def is_default(model: Model, described: Mapping[str, Any]) -> bool:
    """Whether the model is what the service runs with when nothing is set (``described``:
    ``baselines.pex describe`` in a clean environment)."""
    if model.service == "api":
        return model.env["API_WORKERS"] == str(described["uvicorn_options"]["workers"])
    r = described["reservations"]
    default = _gunicorn(r["worker_class"], r["workers"], r["threads"])
    return model.env == default.env


def render_markdown(doc: Mapping[str, Any]) -> str:
    s = doc["settings"]
    rounds = "1 round" if s["rounds"] == 1 else f"{s['rounds']} interleaved rounds (medians)"
    lines = [
        "# Server settings, chosen by measurement",
        "",
        f"<!-- Written by `{s['command']}`; do not edit, run it again. -->",
        "",
        f"Run {doc['generated_at']} at git `{doc['git_sha']}` on {doc['cores']} cores: "
        f"{rounds}, every model once per round in turn, "
        f"wrk with {s['concurrency']} connections for {s['duration_s']:g} s after a "
        f"{s['warmup_s']:g} s warm-up. The reservations models serve its booking "
        "command straight (1 seat); the API models serve `POST /bookings` (1 seat) against "
        "the reservations service at its defaults. Everything shares the same cores, as in "
        "[`benchmarks.md`](benchmarks.md).",
        "",
    ]
    if s.get("quick"):
        lines += ["> **Smoke run** (`--quick`): not measurements.", ""]
    for service in ("reservations", "api"):
        rows = [m for m in doc["models"] if m["service"] == service]
        if rows:
            lines += [f"## {TITLE[service]}", "", *table(rows), "", verdict(rows), ""]
    return "\n".join(lines)


def table(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [
        "| Model | Requests/s | p50 ms | p99 ms | Errors | Requests/s by round "
        "| Other CPU |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for m in rows:
        name = m["name"] + (" (default)" if m["default"] else "")
        rounds = ", ".join(format_rps(r["throughput_rps"]) for r in m["runs"])
        lines.append(
            f"| {name} | {format_rps(m['throughput_rps'])} | {format_ms(m['p50_ms'])} "
            f"| {format_ms(m['p99_ms'])} | {m['errors']:,} | {rounds} "
            f"| {format_share(m['other_cpu_share'])} |"
        )
    return lines


def verdict(rows: Sequence[Mapping[str, Any]]) -> str:
    best = max(rows, key=lambda m: m["throughput_rps"] or 0)
    text = f"Most requests/s: {best['name']}."
    default = next((m for m in rows if m["default"]), None)
    if default is None or default is best:
        return f"{text} It is the default." if default else text
    share = report.ratio(default["throughput_rps"], best["throughput_rps"])
    return f"{text} The default, {default['name']}, reached {share or 0:.0%} of it."
