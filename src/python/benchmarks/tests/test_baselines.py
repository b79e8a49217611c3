from __future__ import annotations

import pytest

from benchmarks.baselines import describe


def test_the_baselines_are_described_with_the_services_server_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The report's server settings come from the services' own settings, read from the
    same environment as the baselines': change one, and both change."""
    monkeypatch.setenv("RESERVATIONS_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("RESERVATIONS_WORKER_CLASS", "sync")
    monkeypatch.setenv("RESERVATIONS_WORKERS", "8")
    monkeypatch.setenv("API_WORKERS", "2")
    described = describe()
    assert described["reservations"]["worker_class"] == "sync"
    assert described["reservations"]["workers"] == 8
    assert described["uvicorn_options"]["workers"] == 2
