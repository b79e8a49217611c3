"""Configuration from the environment: the server settings, and errors naming the variable."""

from __future__ import annotations

import pytest

from reservations.cli import gunicorn_options
from reservations.settings import Settings
from testsupport.environment import assert_rejected, clear_environment, set_environment


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)
    set_environment(monkeypatch, {"RESERVATIONS_REDIS_URL": "redis://redis:6379/0"})


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
    assert_rejected(monkeypatch, Settings.from_env, name, value)
