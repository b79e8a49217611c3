"""Configuration from the environment: the server settings, and errors naming the variable."""

from __future__ import annotations

import pytest

from chassis import ConfigError
from reservations.cli import gunicorn_options
from reservations.settings import Settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RESERVATIONS_WORKER_CLASS", "RESERVATIONS_WORKERS", "RESERVATIONS_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RESERVATIONS_REDIS_URL", "redis://redis:6379/0")


def test_default_server() -> None:
    options = gunicorn_options(Settings.from_env())
    assert (options["worker_class"], options["workers"], options["threads"]) == ("gthread", 2, 4)


def test_sync_workers_serve_one_request_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESERVATIONS_WORKER_CLASS", "sync")
    monkeypatch.setenv("RESERVATIONS_WORKERS", "8")
    options = gunicorn_options(Settings.from_env())
    # threads > 1 would make gunicorn switch to gthread
    assert (options["worker_class"], options["workers"], options["threads"]) == ("sync", 8, 1)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RESERVATIONS_WORKER_CLASS", "gevent"),
        ("RESERVATIONS_WORKER_CLASS", "Sync"),
        ("RESERVATIONS_WORKERS", "0"),
        ("RESERVATIONS_THREADS", "many"),
    ],
)
def test_a_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        Settings.from_env()
