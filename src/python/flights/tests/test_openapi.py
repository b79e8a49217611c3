"""The committed spec (openapi.yaml, design-first) is valid and matches what the app serves.

Both documents are normalised before comparing: ``$ref``s are inlined, documentation-only
keywords (titles, descriptions, examples, operation ids, tags) dropped, header names
lower-cased, and nullability written one way. What must agree: paths, methods, parameters
(location, name, required, schema), response status codes, media types, headers and schemas.
Parameters are never sent as JSON null, so FastAPI's ``anyOf [X, null]`` for an optional
parameter reads as X; in bodies, null stays significant.
"""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from flights.app import create_app
from flights.model import Cursor, Flight, SearchCriteria, SeatMap
from flights.settings import DatabaseConfig, Settings

# Served by the chassis, which keeps them out of FastAPI's schema; the spec documents them.
CHASSIS_PATHS = {"/ping", "/health", "/metrics"}
DOCUMENTATION_ONLY = {
    "title",
    "description",
    "summary",
    "example",
    "examples",
    "operationId",
    "tags",
    "externalDocs",
    "servers",
}


def committed() -> dict[str, Any]:
    text = (resources.files("flights") / "openapi.yaml").read_text("utf-8")
    spec: dict[str, Any] = yaml.safe_load(text)
    return spec


class UnusedRepository:
    """The app's schema needs no database; neither does /ping."""

    def search(self, criteria: SearchCriteria, after: Cursor | None) -> list[Flight]:
        raise AssertionError("not used")

    def get(self, flight_id: int) -> Flight | None:
        raise AssertionError("not used")

    def seat_map(self, configuration_id: int) -> SeatMap | None:
        raise AssertionError("not used")

    def ping(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def app_settings() -> Settings:
    return Settings(database=DatabaseConfig.from_url("mysql://u:p@127.0.0.1:9/unused"))


def served(settings: Settings) -> dict[str, Any]:
    return create_app(settings, UnusedRepository()).openapi()


def inline(document: dict[str, Any], node: Any, seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref.startswith("#/"), f"only local $refs are supported: {ref}"
            assert ref not in seen, f"recursive $ref {ref}"
            target: Any = document
            for part in ref[2:].split("/"):
                target = target[part]
            return inline(document, target, (*seen, ref))
        return {key: inline(document, value, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [inline(document, item, seen) for item in node]
    return node


def schema(node: dict[str, Any], *, parameter: bool = False) -> dict[str, Any]:
    node = {k: v for k, v in node.items() if k not in DOCUMENTATION_ONLY}
    if "anyOf" in node:
        branches = [schema(branch) for branch in node.pop("anyOf")]
        others = [b for b in branches if b != {"type": "null"}]
        if len(others) == 1 and len(branches) == 2:
            merged = {**others[0], **node}
            merged["type"] = [*_types(others[0]), "null"]
            node = merged
        else:
            node["anyOf"] = branches
    if "type" in node:
        types = sorted(set(_types(node)) - ({"null"} if parameter else set()))
        node["type"] = types[0] if len(types) == 1 else types
    if "properties" in node:
        node["properties"] = {k: schema(v) for k, v in node["properties"].items()}
    if isinstance(node.get("items"), dict):
        node["items"] = schema(node["items"])
    if isinstance(node.get("additionalProperties"), dict):
        node["additionalProperties"] = schema(node["additionalProperties"])
    for key in ("required", "enum"):
        if key in node:
            node[key] = sorted(node[key])
    return node


def _types(node: dict[str, Any]) -> list[str]:
    value = node["type"]
    return list(value) if isinstance(value, list) else [value]


def normalise(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """{(path, method): {"parameters": {...}, "responses": {...}}}"""
    operations = {}
    for path, item in inline(document, document["paths"]).items():
        for method, operation in item.items():
            parameters = {}
            for p in operation.get("parameters", []):
                name = p["name"].lower() if p["in"] == "header" else p["name"]
                parameters[(p["in"], name)] = {
                    "required": p.get("required", False),
                    "schema": schema(p["schema"], parameter=True),
                }
            responses = {}
            for status, response in operation["responses"].items():
                responses[str(status)] = {
                    "headers": sorted(name.lower() for name in response.get("headers", {})),
                    "content": {
                        media_type: schema(content.get("schema", {}))
                        for media_type, content in response.get("content", {}).items()
                    },
                }
            operations[(path, method)] = {"parameters": parameters, "responses": responses}
    return operations


def differ(served_node: Any, spec_node: Any, where: str = "") -> list[tuple[str, str]]:
    """Readable differences: (location, what differs)."""
    if isinstance(served_node, dict) and isinstance(spec_node, dict):
        found = []
        for key in sorted(set(served_node) | set(spec_node), key=str):
            if key not in spec_node:
                found.append((f"{where}/{key}", "served, not in the spec"))
            elif key not in served_node:
                found.append((f"{where}/{key}", "in the spec, not served"))
            else:
                found += differ(served_node[key], spec_node[key], f"{where}/{key}")
        return found
    if served_node != spec_node:
        return [(where, f"served {served_node!r}, spec {spec_node!r}")]
    return []


def test_the_committed_spec_is_valid_openapi_3_1() -> None:
    spec = committed()
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_the_served_document_is_valid_openapi_3_1(app_settings: Settings) -> None:
    validate(served(app_settings))


def test_the_served_api_matches_the_committed_spec(app_settings: Settings) -> None:
    spec, app = normalise(committed()), normalise(served(app_settings))
    chassis = {key for key in spec if key[0] in CHASSIS_PATHS}
    assert {key for key in spec if key not in chassis} == set(app)
    differences = [
        f"{method.upper()} {path}{where}: {detail}"
        for (path, method), operation in app.items()
        for where, detail in differ(operation, spec[(path, method)])
    ]
    assert differences == []


def test_the_comparison_notices_a_drift(app_settings: Settings) -> None:
    drifted = copy.deepcopy(served(app_settings))
    limit = next(
        p for p in drifted["paths"]["/flights"]["get"]["parameters"] if p["name"] == "limit"
    )
    limit["schema"]["maximum"] = 1000
    [(where, _)] = differ(normalise(drifted), normalise(served(app_settings)))
    assert "limit" in where
    assert where.endswith("/schema/maximum")
    nullable = copy.deepcopy(committed())
    nullable["components"]["schemas"]["FlightPage"]["properties"]["next_cursor"]["type"] = "string"
    assert (
        normalise(nullable)[("/flights", "get")]
        != normalise(served(app_settings))[("/flights", "get")]
    )


def test_the_chassis_paths_the_spec_documents_are_served(app_settings: Settings) -> None:
    documented = {path for path, _ in normalise(committed())} & CHASSIS_PATHS
    assert documented == CHASSIS_PATHS
    with TestClient(create_app(app_settings, UnusedRepository())) as client:
        for path in sorted(documented):
            assert client.get(path).status_code == 200, path
