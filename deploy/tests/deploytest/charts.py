"""Render the service charts offline with Helm's own engine (helm-python-sdk, no binary).

The charts depend on ``deploy/helm/service-lib`` through ``file://../service-lib``. Helm needs
that dependency packed under ``charts/`` (ignored by Git), so every chart is rendered from a
copy of ``deploy/helm`` in a temporary directory where ``dependency_build`` packs it, exactly
as ``helm dependency build`` (and Argo CD) would.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import helm_python
import yaml

REPO = Path(__file__).resolve().parents[3]
HELM = REPO / "deploy" / "helm"
SERVICES = ("flights", "reservations", "api", "web")
ENVIRONMENTS = ("staging", "production")
# Kubernetes version the manifests are validated against: the EKS version in deploy/terraform.
KUBE_VERSION = "1.31.0"
NAMESPACE = "flightres-staging"

# What values.yaml leaves to the environment on purpose: the api chart renders only with a
# token issuer, the web chart only with its sign-in settings and public URL (their
# values.schema.json require them), and every environment names its own. Rendering a chart's
# defaults (values.yaml alone) supplies these examples in their place.
ENVIRONMENT_ONLY: dict[str, dict[str, Any]] = {
    "api": {
        "config": {
            "AUTH_ISSUER": "https://issuer.example.invalid",
            "AUTH_AUDIENCE": "example-client",
            "AUTH_JWKS_URL": "https://issuer.example.invalid/.well-known/jwks.json",
        }
    },
    "web": {
        "config": {
            "WEB_OIDC_ISSUER": "https://issuer.example.invalid",
            "WEB_OIDC_CLIENT_ID": "example-client",
            "WEB_PUBLIC_URL": "https://www.example.invalid",
        }
    },
}

Manifest = dict[str, Any]
# (service, values file) -> its rendered manifests; the tests' `rendered` fixture.
Render = Callable[[str, str], list[Manifest]]


def copy_charts(destination: Path, source: Path = HELM) -> Path:
    """Copy ``deploy/helm`` to ``destination`` and pack each chart's library dependency."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("charts"))
    for service in SERVICES:
        helm_python.dependency_build(destination / service)
    return destination


def values_files(service: str) -> list[str]:
    return ["values.yaml", *(f"values-{env}.yaml" for env in ENVIRONMENTS)]


def load_values(chart: Path, values_file: str) -> dict[str, Any]:
    """The values Helm merges over the chart's own values.yaml: for values.yaml itself only
    what it leaves to the environments (ENVIRONMENT_ONLY)."""
    if values_file == "values.yaml":
        return merge(ENVIRONMENT_ONLY.get(chart.name, {}), {})
    loaded = yaml.safe_load((chart / values_file).read_text())
    return loaded if isinstance(loaded, dict) else {}


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` over ``base`` as Helm merges values: maps key by key, anything else
    replaced; a None value removes the key. Neither argument is changed."""
    merged = {**base}
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return {k: merge(v, {}) if isinstance(v, dict) else v for k, v in merged.items()}


def render(chart: Path, values: dict[str, Any], release: str | None = None) -> list[Manifest]:
    """Every manifest the chart renders on install, hooks included, in a stable order."""
    name = release or chart.name
    loaded = helm_python.Chart.load(chart)
    try:
        rendered = loaded.render(values, name=name, namespace=NAMESPACE, is_install=True)
    finally:
        loaded.close()
    manifests: list[Manifest] = []
    for path in sorted(rendered):
        if not path.endswith((".yaml", ".yml")):
            continue
        manifests.extend(doc for doc in yaml.safe_load_all(rendered[path]) if doc)
    return manifests


def lint(chart: Path, values: dict[str, Any]) -> list[str]:
    """Helm lint in strict mode: every error and warning, as text (info-level notes pass)."""
    report = helm_python.lint(chart, values, strict=True, kube_version=f"v{KUBE_VERSION}")
    problems = [str(error) for error in report.get("errors", [])]
    problems += [
        f"{message['path']}: {message['error']}"
        for message in report.get("messages", [])
        if int(message.get("severity", 0)) >= 2
    ]
    return problems
