"""Flask adapter: ``install(app, service=..., checks=...)`` right after creating the app.

A WSGI middleware around ``app.wsgi_app`` carries the request id, metrics and the access
log (Flask's request hooks cost several times more per request); error handlers turn
``Problem``, werkzeug's HTTP errors and any other exception into problem+json.
Health probes must be sync callables.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import flask
from flask import Flask, request
from prometheus_client import CollectorRegistry
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from chassis import config, health, logs, metrics, problems, requestid
from chassis.health import Check
from chassis.metrics import HttpMetrics
from chassis.problems import Problem

if TYPE_CHECKING:
    # _typeshed exists only for type checkers: nothing for Pants to depend on.
    from _typeshed.wsgi import (
        StartResponse,  # pants: no-infer-dep
        WSGIApplication,  # pants: no-infer-dep
        WSGIEnvironment,  # pants: no-infer-dep
    )

log = logging.getLogger(__name__)


def install(
    app: Flask,
    *,
    service: str,
    checks: Sequence[Check] = (),
    version: str | None = None,
    registry: CollectorRegistry | None = None,
    spec: Mapping[str, Any] | None = None,
) -> None:
    """Add request ids, JSON logs (level from ``LOG_LEVEL``), problem+json errors, metrics,
    and the ``/ping``, ``/health`` and ``/metrics`` routes; with ``spec`` (the committed
    document, ``chassis.openapi``), ``/openapi.json`` serving it."""
    if any(inspect.iscoroutinefunction(check.probe) for check in checks):
        raise TypeError("Flask health checks need sync probes")
    logs.configure(service, config.log_level())
    http_metrics = HttpMetrics(registry)
    if app.request_class is flask.Request:
        app.request_class = _Request

    # The middleware runs outside Flask's request context, so note the matched rule for it.
    def note_rule() -> None:
        request.environ[_RULE_KEY] = request.url_rule

    app.before_request_funcs.setdefault(None, []).insert(0, note_rule)
    app.wsgi_app = _Middleware(app.wsgi_app, http_metrics)  # type: ignore[method-assign]

    app.register_error_handler(Problem, _on_problem)
    app.register_error_handler(HTTPException, _on_http_exception)
    app.register_error_handler(Exception, _on_unhandled)

    def ping() -> flask.Response:
        return flask.Response(health.PING_BODY, content_type=health.CONTENT_TYPE)

    def readiness() -> flask.Response:
        status, body = health.report(health.run_sync(checks), service=service, version=version)
        return flask.Response(json.dumps(body), status, content_type=health.CONTENT_TYPE)

    def scrape() -> flask.Response:
        return flask.Response(http_metrics.exposition(), content_type=metrics.CONTENT_TYPE)

    app.add_url_rule("/ping", "chassis_ping", ping)
    app.add_url_rule("/health", "chassis_health", readiness)
    app.add_url_rule("/metrics", "chassis_metrics", scrape)
    if spec is not None:
        document = json.dumps(spec)

        def openapi() -> flask.Response:
            return flask.Response(document, content_type="application/json")

        app.add_url_rule("/openapi.json", "chassis_openapi", openapi)


_RULE_KEY = "chassis.url_rule"


class _Middleware:
    def __init__(self, app: WSGIApplication, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request_id = requestid.accept_or_generate(environ.get("HTTP_X_REQUEST_ID"))
        token = requestid.bind(request_id)
        started = time.perf_counter()
        status = 500

        def start_with_request_id(
            status_line: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            nonlocal status
            status = int(status_line[:3])
            headers.append((requestid.HEADER, request_id))
            return start_response(status_line, headers, exc_info)

        try:
            return self.app(environ, start_with_request_id)
        finally:
            route = _route_template(environ.pop(_RULE_KEY, None))
            method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/"
            seconds = time.perf_counter() - started
            self.metrics.observe(method, route, status, seconds)
            logs.access(method, path, route, status, seconds)
            requestid.unbind(token)


class _Request(flask.Request):
    def get_json(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().get_json(*args, **kwargs)
        except RecursionError as exc:
            # JSON nested deeper than Python's recursion limit (a few KB of "[[[["): werkzeug
            # only turns ValueError into a bad request.
            raise problems.malformed_json() from exc

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:  # wrong content type: keep werkzeug's 415
            return super().on_json_loading_failed(e)
        raise problems.malformed_json() from e


# Werkzeug writes /flights/<int:flight_id>; label it /flights/{flight_id} like FastAPI so
# dashboards read the same for every service. Rules are few, so cache the conversions.
_PLACEHOLDER = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
_templates: dict[str, str] = {}


def _route_template(rule: Rule | None) -> str:
    if rule is None:
        return metrics.UNMATCHED
    template = _templates.get(rule.rule)
    if template is None:
        template = _templates[rule.rule] = _PLACEHOLDER.sub(r"{\1}", rule.rule)
    return template


def _problem_response(problem: Problem) -> flask.Response:
    return flask.Response(
        problem.to_json(instance=request.path),
        problem.status,
        headers=problem.headers,
        content_type=problems.CONTENT_TYPE,
    )


def _on_problem(exc: Problem) -> flask.Response:
    if exc.status >= 500:
        log.warning("%s", exc)
    return _problem_response(exc)


def _on_http_exception(exc: HTTPException) -> Any:
    if exc.response is not None or exc.code is None or exc.code < 400:
        return exc  # already a complete response (abort(response), redirects)
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    detail = exc.description
    if detail == type(exc).description:  # werkzeug's stock text: boilerplate
        detail = problems.framework_detail(
            exc.code,
            request.method,
            request.path,
            allowed=headers.get("Allow"),
            max_body_bytes=request.max_content_length,
        )
    return _problem_response(Problem(exc.code, detail=detail, headers=headers))


def _on_unhandled(exc: Exception) -> flask.Response:
    log.error("unhandled exception in %s %s", request.method, request.path, exc_info=exc)
    return _problem_response(problems.internal_error())
