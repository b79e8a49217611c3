from __future__ import annotations

from typing import Any

from benchmarks import worker_models
from benchmarks.worker_models import MODELS, is_default

DESCRIBED = {
    "reservations": {"worker_class": "gthread", "workers": 2, "threads": 4},
    "uvicorn_options": {"workers": 1},
}


def test_models_name_every_setting_and_cover_both_services() -> None:
    assert {m.service for m in MODELS} == {"reservations", "api"}
    for model in MODELS:
        if model.service == "api":
            assert set(model.env) == {"API_WORKERS"}
        elif model.env["RESERVATIONS_WORKER_CLASS"] == "sync":
            assert set(model.env) == {"RESERVATIONS_WORKER_CLASS", "RESERVATIONS_WORKERS"}
        else:
            assert len(model.env) == 3
    assert len({m.name for m in MODELS}) == len(MODELS)


def test_the_defaults_are_marked() -> None:
    defaults = [m.name for m in MODELS if is_default(m, DESCRIBED)]
    assert defaults == ["gunicorn gthread, 2 workers x 4 threads", "uvicorn, 1 process"]
    sync = {**DESCRIBED, "reservations": {"worker_class": "sync", "workers": 8, "threads": 4}}
    assert next(m.name for m in MODELS if is_default(m, sync)) == "gunicorn sync, 8 workers"


def row(service: str, name: str, rps: float, default: bool = False) -> dict[str, Any]:
    runs = [{"throughput_rps": rps - 10}, {"throughput_rps": rps}, {"throughput_rps": rps + 5}]
    return {
        "service": service,
        "name": name,
        "default": default,
        "throughput_rps": rps,
        "p50_ms": 20.0,
        "p99_ms": 41.25,
        "errors": 0,
        "other_cpu_share": 0.01,
        "runs": runs,
    }


def test_markdown_tables_and_verdicts() -> None:
    doc = {
        "generated_at": "2026-12-03T13:00:00Z",
        "git_sha": "0123456789ab",
        "cores": 2,
        "settings": {
            "command": "make bench BENCH_ARGS=--worker-models",
            "quick": False,
            "concurrency": 32,
            "duration_s": 10,
            "warmup_s": 3,
            "rounds": 3,
        },
        "models": [
            row("reservations", "gunicorn gthread, 2 workers x 4 threads", 1_000, default=True),
            row("reservations", "gunicorn sync, 8 workers", 1_250),
            row("api", "uvicorn, 1 process", 700, default=True),
            row("api", "uvicorn, 2 worker processes", 650),
        ],
        "notes": [],
    }
    markdown = worker_models.render_markdown(doc)
    assert "## Reservations service" in markdown
    assert (
        "| gunicorn gthread, 2 workers x 4 threads (default) | 1,000 | 20.0 | 41.2 | 0 "
        "| 990, 1,000, 1,005 | 1% |"
    ) in markdown
    assert (
        "Most requests/s: gunicorn sync, 8 workers. The default, gunicorn gthread, 2 workers "
        "x 4 threads, reached 80% of it."
    ) in markdown
    assert "Most requests/s: uvicorn, 1 process. It is the default." in markdown
    assert "Smoke run" not in markdown
