"""Gunicorn run programmatically, for the Flask services: no config file, no command line, no
GUNICORN_CMD_ARGS; gunicorn's own messages (start-up, worker exits) as the chassis' JSON lines.

    serve(lambda: create_app(settings), options("web", settings))

Each worker builds its own app (no preloading), so no connection or pool crosses a fork.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from chassis.logs import configure as configure_logs


class ServerSettings(Protocol):
    """What a service's settings say about serving it (its own names for these fields)."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def workers(self) -> int: ...
    @property
    def threads(self) -> int: ...
    @property
    def log_level(self) -> str: ...


def options(
    service: str, settings: ServerSettings, *, worker_class: str = "gthread"
) -> dict[str, Any]:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return {
        "bind": f"{host}:{settings.port}",
        "workers": settings.workers,
        "worker_class": worker_class,
        # Gunicorn turns "sync" with threads > 1 into gthread; sync means one at a time.
        "threads": settings.threads if worker_class == "gthread" else 1,
        "loglevel": settings.log_level.lower(),
        "logger_class": JsonLogger,
        "accesslog": None,  # the chassis logs each request, with its request id
        "errorlog": "-",
        # SIGTERM: stop accepting, let in-flight requests finish, within Kubernetes' default
        # 30 s grace period.
        "graceful_timeout": 20,
        "keepalive": 5,  # seconds; behind a load balancer connections are reused
        "proc_name": service,
    }


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, load_app: Callable[[], Any], options: dict[str, Any]) -> None:
        self._load_app = load_app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._load_app()


def serve(load_app: Callable[[], Any], options: dict[str, Any]) -> None:
    Server(load_app, options).run()


class JsonLogger(Logger):  # type: ignore[misc]
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        configure_logs(cfg.proc_name, cfg.loglevel.upper())
