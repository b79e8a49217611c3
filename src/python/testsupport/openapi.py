"""The one rule for every service's spec: the committed ``<package>/openapi.yaml`` is what the
service serves (``chassis.openapi``), the app's routes are exactly its operations, and every
response a test sees is one it documents.

``Spec("flights")`` reads the document. ``spec.check(...)`` (``spec.check_httpx`` as an
httpx/TestClient response hook) raises AssertionError unless the status is documented for the
operation, the headers it marks required are there, the media type is documented and the body
validates against the schema (``$ref``s resolved); a request outside the spec must get the
chassis' 404 or 405 problem. ``routes(app)`` lists a FastAPI or Flask app's operations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

# jsonschema comes with openapi-spec-validator (3rdparty/python/BUILD maps it).
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from openapi_spec_validator import validate

from chassis.openapi import committed

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
# The spec itself and FastAPI's viewer of it: served, but not operations of the service.
DOCUMENTATION = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect"})
# What a request outside the spec gets (the chassis' 404 or 405).
_OUTSIDE_THE_SPEC = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}


class Spec:
    def __init__(self, package: str) -> None:
        self.document = committed(package)

    def validate(self) -> None:
        """Raise unless the document is valid OpenAPI 3.1."""
        assert self.document["openapi"].startswith("3.1.")
        validate(self.document)

    def operations(self) -> set[tuple[str, str]]:
        """(METHOD, path template) for every operation in the spec."""
        return {
            (method.upper(), path)
            for path, item in self.document["paths"].items()
            for method in item
            if method in HTTP_METHODS
        }

    def check_httpx(self, response: httpx.Response) -> None:
        request, body = response.request, response.read()
        self.check(request.method, request.url.path, response.status_code, response.headers, body)

    def check(
        self, method: str, path: str, status: int, headers: Mapping[str, str], body: bytes
    ) -> None:
        """Raise AssertionError unless the spec documents this response."""
        headers = {name.lower(): value for name, value in headers.items()}
        assert "x-request-id" in headers, f"{method} {path}: no X-Request-ID"
        if path in DOCUMENTATION:
            return
        template = self._template(path)
        operation = self.document["paths"][template].get(method.lower()) if template else None
        if operation is None:
            expected = 404 if template is None else 405
            assert status == expected, f"{method} {path} is not in the spec but answered {status}"
            response = _OUTSIDE_THE_SPEC
        else:
            documented = operation["responses"]
            assert str(status) in documented, f"{method} {template} answered undocumented {status}"
            response = self._resolve(documented[str(status)])
        for name, header in response.get("headers", {}).items():
            if self._resolve(header).get("required"):
                assert name.lower() in headers, f"{method} {template} {status} lacks {name}"
        content_type = headers.get("content-type")
        if "content" not in response:
            assert body == b"", f"{method} {template} {status} must have no body"
            assert content_type is None, f"{method} {template} {status}: no body, no Content-Type"
            return
        media_type = (content_type or "").split(";")[0].strip()
        assert (
            media_type in response["content"]
        ), f"{method} {template} {status}: {media_type!r} not in {sorted(response['content'])}"
        if media_type == "text/plain":
            return
        # Refs in the schema point into the spec's components; serve them from the root.
        schema = response["content"][media_type]["schema"]
        validator = Draft202012Validator(
            {**schema, "components": self.document["components"]},
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        instance = json.loads(body)
        errors = sorted(validator.iter_errors(instance), key=str)
        assert not errors, f"{method} {template} {status}: {errors[0].message} in {instance}"

    def _template(self, path: str) -> str | None:
        matches = [
            template
            for template in self.document["paths"]
            if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path)
        ]
        assert len(matches) <= 1, f"{path} matches {matches} in the spec"
        return matches[0] if matches else None

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node


def routes(app: Any) -> set[tuple[str, str]]:
    """(METHOD, path template) for every route of a FastAPI or Flask ``app``, without the HEAD
    and OPTIONS the frameworks add to every route and without the DOCUMENTATION routes."""
    if hasattr(app, "url_map"):  # Flask: "/bookings/<booking_id>" is "/bookings/{booking_id}"
        found = {
            (method, re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule))
            for rule in app.url_map.iter_rules()
            for method in rule.methods
        }
    else:  # FastAPI (Starlette): the paths are templates already
        found = {
            (method, route.path)
            for route in app.routes
            for method in getattr(route, "methods", None) or ()
        }
    return {
        (method, path)
        for method, path in found
        if method not in {"HEAD", "OPTIONS"} and path not in DOCUMENTATION
    }
