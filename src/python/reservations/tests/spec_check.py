"""The committed OpenAPI document, and checks of responses against it.

``SpecCheckingClient`` is a Flask test client that validates every response it receives:
the status must be documented for the operation, the media type must match, and the body
must validate against the documented JSON Schema. Integration tests use it by default, so
no response they see can drift from the spec unnoticed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml
from flask.testing import FlaskClient

# jsonschema comes with openapi-spec-validator (see BUILD), werkzeug with flask.
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # pants: no-infer-dep
from werkzeug.datastructures import Headers  # pants: no-infer-dep
from werkzeug.test import TestResponse  # pants: no-infer-dep

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})


@cache
def spec() -> dict[str, Any]:
    text = (resources.files("reservations") / "openapi.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def operations() -> set[tuple[str, str]]:
    """(METHOD, path template) for every operation in the spec."""
    return {
        (method.upper(), path)
        for path, item in spec()["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$")


def path_template(path: str) -> str | None:
    matches = [t for t in spec()["paths"] if _template_regex(t).match(path)]
    assert len(matches) <= 1, f"{path} matches {matches} in the spec"
    return matches[0] if matches else None


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


_OUTSIDE_THE_SPEC = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}


def check_response(
    method: str,
    path: str,
    status: int,
    headers: Headers | Mapping[str, str],
    body: bytes,
) -> None:
    """Raise AssertionError unless the response is one the spec documents.

    Requests outside the spec must get the chassis' 404 (no such path) or 405 (no such
    method) problem."""
    template = path_template(path)
    operation = spec()["paths"][template].get(method.lower()) if template else None
    if operation is None:
        expected = 404 if template is None else 405
        assert status == expected, f"{method} {path} is not in the spec but answered {status}"
        response = _OUTSIDE_THE_SPEC
    else:
        documented = operation["responses"]
        assert str(status) in documented, f"{method} {template} answered undocumented {status}"
        response = _resolve(documented[str(status)])
    for header in response.get("headers", {}):
        assert header in headers, f"{method} {template} {status} lacks the {header} header"
    content_type = headers.get("Content-Type")
    if "content" not in response:
        assert body == b"", f"{method} {template} {status} must have no body"
        assert content_type is None, f"{method} {template} {status}: no body, no Content-Type"
        return
    media_type = (content_type or "").split(";")[0].strip()
    assert (
        media_type in response["content"]
    ), f"{method} {template} {status}: {media_type!r} not in {sorted(response['content'])}"
    schema = response["content"][media_type]["schema"]
    if media_type == "text/plain":
        return
    instance = json.loads(body)
    # Refs in the schema point into the spec's components; serve them from the root.
    validator = Draft202012Validator(
        {**schema, "components": spec()["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    errors = sorted(validator.iter_errors(instance), key=str)
    assert not errors, f"{method} {template} {status}: {errors[0].message} in {instance}"


class SpecCheckingClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        request = response.request
        check_response(
            request.method, request.path, response.status_code, response.headers, response.data
        )
        return response
