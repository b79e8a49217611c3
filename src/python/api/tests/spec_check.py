"""The committed OpenAPI document, and a check of responses against it: the status must be
documented for the operation, the media type must match, the body must validate against
the documented schema. HTTP tests run every response through it, so drift shows at once."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

import httpx
import yaml

# jsonschema comes with openapi-spec-validator (3rdparty/python/BUILD maps it).
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})


@cache
def spec() -> dict[str, Any]:
    text = (resources.files("api") / "openapi.yaml").read_text(encoding="utf-8")
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


def _template(path: str) -> str | None:
    for template in spec()["paths"]:
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return str(template)
    return None


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def check_response(response: httpx.Response) -> None:
    """Raise AssertionError unless the spec documents this response. Requests outside the
    spec must get the chassis' 404 (no such path) or 405 (no such method)."""
    response.read()
    method, path = response.request.method, response.request.url.path
    assert "X-Request-ID" in response.headers, f"{method} {path}: no X-Request-ID"
    if path in ("/openapi.json", "/docs"):
        return  # the spec itself and its viewer
    template = _template(path)
    operation = spec()["paths"][template].get(method.lower()) if template else None
    if operation is None:
        expected = 404 if template is None else 405
        assert response.status_code == expected, f"{method} {path} is not in the spec"
        documented = {"content": {"application/problem+json": {"schema": {"type": "object"}}}}
    else:
        responses = operation["responses"]
        status = str(response.status_code)
        assert status in responses, f"{method} {template} answered undocumented {status}"
        documented = _resolve(responses[status])
    for header, definition in documented.get("headers", {}).items():
        if definition.get("required"):
            assert header in response.headers, f"{method} {path}: no {header} header"
    if "content" not in documented:
        assert response.content == b"", f"{method} {path} {response.status_code} has a body"
        return
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    assert media_type in documented["content"], f"{method} {path}: unexpected {media_type!r}"
    if media_type == "text/plain":
        return
    schema = documented["content"][media_type]["schema"]
    validator = Draft202012Validator(
        {**schema, "components": spec()["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    instance = json.loads(response.content)
    errors = sorted(validator.iter_errors(instance), key=str)
    assert not errors, f"{method} {path} {response.status_code}: {errors[0].message}"
