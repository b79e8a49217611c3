"""RFC 9457 problem details: the one way services report errors.

Service code raises ``Problem`` (or ``DependencyUnavailable``); the framework adapters
turn it, framework errors and unexpected exceptions into ``application/problem+json``.
Every body carries the request id so a client report can be matched to the logs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from chassis.requestid import current_request_id

CONTENT_TYPE = "application/problem+json"

_PHRASES = {status.value: status.phrase for status in HTTPStatus}
_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "request_id"})


class Problem(Exception):
    """An error response. ``title`` defaults to the HTTP reason phrase, which RFC 9457
    asks for when ``type_`` is ``about:blank``; give a ``type_`` URI with a custom title.
    ``extensions`` become extra members of the body and must be JSON-serialisable."""

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        instance: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        if not 400 <= status <= 599:
            raise ValueError(f"a problem needs a 4xx or 5xx status, not {status}")
        clashes = _MEMBERS & extensions.keys()
        if clashes:
            raise TypeError(f"extension members clash with standard ones: {sorted(clashes)}")
        self.status = status
        self.title = title or reason(status)
        self.detail = detail
        self.type = type_
        self.instance = instance
        self.headers = dict(headers or {})
        self.extensions = extensions
        super().__init__(f"{status} {self.title}" + (f": {detail}" if detail else ""))

    def to_json(self, instance: str | None = None) -> bytes:
        """Encode the body; ``instance`` (usually the request path) fills in when unset."""
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail is not None:
            body["detail"] = self.detail
        if self.instance or instance:
            body["instance"] = self.instance or instance
        request_id = current_request_id()
        if request_id is not None:
            body["request_id"] = request_id
        body.update(self.extensions)
        return json.dumps(body, default=str, separators=(",", ":")).encode()


class DependencyUnavailable(Problem):
    """A backing service (database, cache, upstream API) is down: 503 with ``Retry-After``."""

    def __init__(self, dependency: str, detail: str | None = None, *, retry_after: int = 1) -> None:
        super().__init__(
            503,
            detail=detail or f"{dependency} is unavailable, please retry later",
            headers={"Retry-After": str(retry_after)},
        )
        self.dependency = dependency


def reason(status: int) -> str:
    """The HTTP reason phrase, e.g. ``reason(404) == "Not Found"``."""
    return _PHRASES.get(status, "Error")


def validation_problem(
    errors: Iterable[Mapping[str, Any]], *, loc_prefix: Sequence[str | int] = ()
) -> Problem:
    """422 naming each invalid field, from pydantic-style errors (``loc``, ``msg``).

    FastAPI locations already start with ``body``/``query``/``path``; for a model validated
    by hand (e.g. in Flask) pass ``loc_prefix=("body",)`` so fields read the same.
    """
    invalid = [
        {"field": ".".join(map(str, (*loc_prefix, *error["loc"]))), "message": error["msg"]}
        for error in errors
    ]
    fields = ", ".join(dict.fromkeys(item["field"] for item in invalid))
    return Problem(422, detail=f"Invalid request fields: {fields}", errors=invalid)


def framework_detail(
    status: int,
    method: str,
    path: str,
    *,
    allowed: str | None = None,
    max_body_bytes: int | None = None,
) -> str | None:
    """A detail for the errors a web framework raises itself (no route, wrong method, body too
    large), whose stock texts are boilerplate; None for any other status."""
    if status == 404:
        return f"There is no resource at {path}"
    if status == 405:
        return f"{method} is not allowed on {path}" + (f"; allowed: {allowed}" if allowed else "")
    if status == 413:
        return body_too_large(max_body_bytes).detail
    return None


def body_too_large(max_body_bytes: int | None) -> Problem:
    limit = f" of {max_body_bytes} bytes" if max_body_bytes else ""
    return Problem(413, detail=f"The request body is larger than this endpoint's limit{limit}")


def malformed_json() -> Problem:
    return Problem(400, detail="Request body is not valid JSON")


def internal_error() -> Problem:
    # Deliberately generic: the cause is in the log, findable by the request id in the body.
    return Problem(500, detail="Unexpected error; quote the request_id when reporting it")
