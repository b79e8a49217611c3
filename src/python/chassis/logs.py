"""One JSON object per line on stdout, each stamped with the service and request id.

``configure`` owns the root logger's output and adopts the servers' own loggers
(uvicorn, gunicorn, werkzeug) so everything a container prints is machine-parseable.
Fields passed with ``extra=`` become top-level keys.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import time
from json.encoder import encode_basestring_ascii as _quote
from typing import IO

from chassis.requestid import current_request_id

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
# Server loggers to route through ours; their access logs are replaced by ``access``.
_ADOPTED = ("uvicorn", "uvicorn.error", "uvicorn.access", "gunicorn.error", "werkzeug")
# Per-request lines of servers and clients: the chassis logs each request itself, once. httpx
# logs every upstream call at INFO, a JSON line each: two per API request, a measurable share
# of its CPU (docs/benchmarks.md).
_SERVER_ACCESS = ("uvicorn.access", "werkzeug", "httpx")

# Probes and scrapes arrive every few seconds; at INFO they would drown real traffic.
_QUIET_ROUTES = frozenset({"/ping", "/health", "/metrics"})

access_log = logging.getLogger("chassis.access")


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": self.service,
        }
        request_id = current_request_id()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry.setdefault(key, value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, separators=(",", ":"))


class _ChassisHandler(logging.StreamHandler[IO[str]]):
    """The handler ``configure`` installs; reconfiguring replaces it and leaves others alone."""

    def __init__(self, stream: IO[str], service: str) -> None:
        super().__init__(stream)
        self.quoted_service = _quote(service)
        self.setFormatter(JsonFormatter(service))

    def write_line(self, line: str) -> None:
        self.acquire()
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass  # like logging itself: a broken stdout must not fail the request
        finally:
            self.release()


_handler: _ChassisHandler | None = None


def configure(service: str, level: str | int = "INFO", stream: IO[str] | None = None) -> None:
    global _handler
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _ChassisHandler)]:
        root.removeHandler(old)
    _handler = _ChassisHandler(stream if stream is not None else sys.stdout, service)
    root.addHandler(_handler)
    root.setLevel(level)
    for name in _ADOPTED:
        adopted = logging.getLogger(name)
        adopted.handlers.clear()
        adopted.propagate = True
    for name in _SERVER_ACCESS:
        logging.getLogger(name).setLevel(logging.WARNING)


def access(method: str, path: str, route: str, status: int, seconds: float) -> None:
    """The one line logged per request (health probes and scrapes at DEBUG).

    It honours the ``chassis.access`` logger's level but bypasses logging's record and
    handler machinery and json.dumps, which together cost more than serving a minimal
    request. The line has the same shape as any other; strings are JSON-escaped.
    """
    level, level_name = (
        (logging.DEBUG, "DEBUG") if route in _QUIET_ROUTES else (logging.INFO, "INFO")
    )
    handler = _handler
    if handler is None or not access_log.isEnabledFor(level):
        return
    handler.write_line(
        f'{{"time":"{_utc(time.time())}","level":"{level_name}","logger":"chassis.access",'
        f'"message":{_quote(f"{method} {path} {status}")},"service":{handler.quoted_service},'
        f'"request_id":{_quote(current_request_id() or "")},"method":{_quote(method)},'
        f'"path":{_quote(path)},"route":{_quote(route)},"status":{status},'
        f'"duration_ms":{seconds * 1000:.3f}}}'
    )


@functools.lru_cache(maxsize=4)
def _utc_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def _utc(created: float) -> str:
    second, millisecond = divmod(int(created * 1000), 1000)
    return f"{_utc_second(second)}.{millisecond:03d}Z"
