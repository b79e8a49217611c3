"""FastAPI adapter: ``install(app, service=..., checks=...)`` right after creating the app.

Request id, metrics and the access log live in one pure ASGI middleware (cheaper than
BaseHTTPMiddleware, and its contextvar is visible to handlers). It is also the last line
of defence: an exception nobody handled becomes a 500 problem here, so Starlette's
ServerErrorMiddleware never re-raises it and the trace is logged once, as JSON.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from prometheus_client import CollectorRegistry
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chassis import config, health, logs, metrics, problems, requestid
from chassis.health import Check
from chassis.metrics import HttpMetrics
from chassis.problems import Problem

log = logging.getLogger(__name__)

_HEADER_KEY = requestid.HEADER.lower().encode()


def install(
    app: FastAPI,
    *,
    service: str,
    checks: Sequence[Check] = (),
    version: str | None = None,
    registry: CollectorRegistry | None = None,
    max_body_bytes: int | None = None,
    spec: Mapping[str, Any] | None = None,
) -> None:
    """Add request ids, JSON logs (level from ``LOG_LEVEL``), problem+json errors, metrics,
    and the ``/ping``, ``/health`` and ``/metrics`` routes. With ``max_body_bytes``, a larger
    request body is refused with 413 before more of it is read. With ``spec`` (the committed
    document, ``chassis.openapi``), ``/openapi.json`` and ``/docs`` serve it instead of one
    FastAPI generates."""
    if spec is not None:
        document = dict(spec)
        app.openapi = lambda: document  # type: ignore[method-assign]
    logs.configure(service, config.log_level())
    http_metrics = HttpMetrics(registry)
    app.add_middleware(_ChassisMiddleware, metrics=http_metrics, max_body_bytes=max_body_bytes)
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(HTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)

    async def ping() -> Response:
        return Response(health.PING_BODY, media_type=health.CONTENT_TYPE)

    async def readiness() -> Response:
        results = await health.run_async(checks)
        status, body = health.report(results, service=service, version=version)
        return Response(json.dumps(body), status, media_type=health.CONTENT_TYPE)

    async def scrape() -> Response:
        return Response(http_metrics.exposition(), media_type=metrics.CONTENT_TYPE)

    for path, endpoint in (("/ping", ping), ("/health", readiness), ("/metrics", scrape)):
        app.add_api_route(path, endpoint, methods=["GET"], include_in_schema=False)


class _ChassisMiddleware:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics, max_body_bytes: int | None) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = requestid.accept_or_generate(_header(scope, _HEADER_KEY))
        echoed = (_HEADER_KEY, request_id.encode())
        token = requestid.bind(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_request_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                # A new list: the response may reuse its header list across requests.
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        try:
            if self.max_body_bytes is None:
                await self.app(scope, receive, send_with_request_id)
            elif _declared_length(scope) > self.max_body_bytes:
                too_large = problems.body_too_large(self.max_body_bytes)
                refusal = _problem_response(too_large, scope["path"])
                await refusal(scope, receive, send_with_request_id)
            else:
                limited = _limited(receive, self.max_body_bytes)
                await self.app(scope, limited, send_with_request_id)
        except Exception:
            log.exception("unhandled exception in %s %s", scope["method"], scope["path"])
            if response_started:
                raise  # too late for an error response; let the server drop the connection
            response = _problem_response(problems.internal_error(), scope["path"])
            await response(scope, receive, send_with_request_id)
        finally:
            route = _route_template(scope)
            seconds = time.perf_counter() - started
            self.metrics.observe(scope["method"], route, status, seconds)
            logs.access(scope["method"], scope["path"], route, status, seconds)
            requestid.unbind(token)


def _declared_length(scope: Scope) -> int:
    declared = _header(scope, b"content-length")
    return int(declared) if declared and declared.isdigit() else 0


def _limited(receive: Receive, limit: int) -> Receive:
    """RECEIVE, failing the request with 413 once the body (chunked, or longer than its
    Content-Length said) has grown past LIMIT bytes."""
    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                # FastAPI passes an HTTPException raised while it reads the body on to the
                # exception handlers; any other exception would become its own 400.
                raise HTTPException(413, detail=problems.body_too_large(limit).detail)
        return message

    return receive_within_limit


def _header(scope: Scope, key: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == key:
            return str(value.decode("latin-1"))
    return None


def _route_template(scope: Scope) -> str:
    # Routing stores the matched route in the scope; 405s count under the route too.
    template = getattr(scope.get("route"), "path_format", None)
    return template if isinstance(template, str) else metrics.UNMATCHED


def _problem_response(problem: Problem, path: str) -> Response:
    return Response(
        problem.to_json(instance=path),
        problem.status,
        headers=problem.headers,
        media_type=problems.CONTENT_TYPE,
    )


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    if exc.status >= 500:
        log.warning("%s", exc)
    return _problem_response(exc, request.url.path)


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code < 400:
        return await http_exception_handler(request, exc)
    headers = exc.headers
    if exc.status_code == 405 and (methods := _allowed_methods(request)):
        headers = {**(headers or {}), "Allow": methods}
    # Starlette fills an unset detail with the reason phrase, which the title already says.
    detail: str | None = str(exc.detail)
    if exc.detail == problems.reason(exc.status_code):
        allowed = (headers or {}).get("Allow")
        detail = problems.framework_detail(
            exc.status_code, request.method, request.url.path, allowed=allowed
        )
    problem = Problem(exc.status_code, detail=detail, headers=headers)
    return _problem_response(problem, request.url.path)


def _allowed_methods(request: Request) -> str:
    """Every method a route of this path allows. Starlette's 405 names the first matching
    route's only, and FastAPI makes a route per operation (GET and POST of one path are two).
    Empty when the path's routes sit in an included router: Starlette's header stands then."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        problem = problems.malformed_json()  # 400 like Flask: unparseable, not invalid
    else:
        problem = problems.validation_problem(errors)
    return _problem_response(problem, request.url.path)
