"""Argo CD: every manifest matches the Application/AppProject schema (the npm package
@kubernetes-models/argo-cd, run with Node), the sync policies are what the environments need,
and each Application's chart renders with its values files."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploytest import charts, checks
from deploytest import terraform as tf

ARGOCD = charts.REPO / "deploy" / "argocd"
TERRAFORM = charts.REPO / "deploy" / "terraform"
NODE_PROJECT = charts.REPO / "deploy" / "tests" / "node"
KNOWN_SPEC_KEYS = {
    "Application": {"project", "source", "destination", "syncPolicy", "ignoreDifferences"},
    "AppProject": {
        "description",
        "sourceRepos",
        "destinations",
        "clusterResourceWhitelist",
        "namespaceResourceWhitelist",
        "orphanedResources",
    },
}


def load_manifests(directory: Path = ARGOCD) -> list[dict[str, Any]]:
    return [
        doc
        for path in sorted(directory.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def applications() -> list[dict[str, Any]]:
    return [m for m in load_manifests() if m["kind"] == "Application"]


@pytest.fixture(scope="session")
def validator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Node project with its locked packages, installed by `npm ci` (from npm's cache
    when `.ci/run` has run `npm ci --prefix deploy/tests/node` before)."""
    installed = NODE_PROJECT / "node_modules"
    if installed.is_dir():
        return NODE_PROJECT
    project = tmp_path_factory.mktemp("node")
    for name in ("package.json", "package-lock.json", "validate-argocd.mjs"):
        shutil.copy(NODE_PROJECT / name, project / name)
    npm = shutil.which("npm") or "/usr/bin/npm"
    subprocess.run(
        [npm, "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=project,
        check=True,
        timeout=300,
    )
    return project


def schema_errors(validator: Path, manifests: list[dict[str, Any]]) -> dict[str, list[str]]:
    node = shutil.which("node") or "/usr/bin/node"
    result = subprocess.run(
        [node, "validate-argocd.mjs"],
        cwd=validator,
        input=json.dumps(manifests),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    errors: dict[str, list[str]] = {}
    for entry in json.loads(result.stdout):
        errors[f"{entry['kind']}/{entry['name']}"] = entry["errors"]
    for manifest in manifests:
        # The models accept unknown fields; a misspelt key would silently do nothing.
        unknown = set(manifest.get("spec", {})) - KNOWN_SPEC_KEYS.get(manifest["kind"], set())
        if unknown:
            key = f"{manifest['kind']}/{manifest['metadata']['name']}"
            errors[key] = [*errors.get(key, []), f"unknown spec fields {sorted(unknown)}"]
    return errors


def test_manifests_match_the_argo_cd_schemas(validator: Path) -> None:
    manifests = load_manifests()
    assert {m["kind"] for m in manifests} == {"AppProject", "Application"}
    errors = schema_errors(validator, manifests)
    assert len(errors) == len(manifests)
    assert {name: e for name, e in errors.items() if e} == {}


def test_schema_validation_fails_on_broken_manifests(validator: Path) -> None:
    project, app = next(m for m in load_manifests() if m["kind"] == "AppProject"), applications()[0]
    broken_app = json.loads(json.dumps(app))
    broken_app["spec"]["project"] = 3
    broken_app["spec"]["syncPolicy"]["automated"] = "yes"
    misspelt = json.loads(json.dumps(app))
    misspelt["metadata"]["name"] = "misspelt"
    misspelt["spec"]["syncPolicies"] = misspelt["spec"].pop("syncPolicy")
    broken_project = json.loads(json.dumps(project))
    broken_project["spec"]["sourceRepos"] = "https://example.invalid/repo.git"
    errors = schema_errors(validator, [broken_app, misspelt, broken_project])
    assert all(errors.values()), errors


def test_one_application_per_service_and_environment() -> None:
    names = sorted(m["metadata"]["name"] for m in applications())
    assert names == sorted(f"{s}-{e}" for s in charts.SERVICES for e in charts.ENVIRONMENTS)
    assert {"web-staging", "web-production"} <= set(names)
    for app in applications():
        service = app["metadata"]["name"].rsplit("-", 1)[0]
        assert app["spec"]["source"]["path"] == f"deploy/helm/{service}"
        assert app["spec"]["source"]["helm"]["releaseName"] == service


@pytest.mark.parametrize("app", applications(), ids=lambda a: a["metadata"]["name"])
def test_sync_policy_per_environment(app: dict[str, Any]) -> None:
    env = app["metadata"]["labels"]["flightres.example/environment"]
    spec = app["spec"]
    assert spec["destination"]["namespace"] == f"flightres-{env}"
    automated = spec["syncPolicy"].get("automated")
    if env == "staging":
        assert automated == {"prune": True, "selfHeal": True}
    else:
        assert automated is None, "production syncs by hand"


def test_project_admits_exactly_the_repo_namespaces_and_kinds(rendered: charts.Render) -> None:
    manifests = load_manifests()
    project = next(m for m in manifests if m["kind"] == "AppProject")["spec"]
    repos = {a["spec"]["source"]["repoURL"] for a in applications()}
    assert repos == set(project["sourceRepos"])
    assert {a["spec"]["project"] for a in applications()} == {"flightres"}
    destinations = {(d["server"], d["namespace"]) for d in project["destinations"]}
    assert {
        (a["spec"]["destination"]["server"], a["spec"]["destination"]["namespace"])
        for a in applications()
    } == destinations
    allowed = {(k["group"], k["kind"]) for k in project["namespaceResourceWhitelist"]}
    used = {
        (m["apiVersion"].rpartition("/")[0], m["kind"])
        for s in charts.SERVICES
        for v in ("values-staging.yaml", "values-production.yaml")
        for m in rendered(s, v)
    }
    assert used == allowed


@pytest.mark.parametrize("app", applications(), ids=lambda a: a["metadata"]["name"])
def test_each_application_renders(chart_root: Path, app: dict[str, Any]) -> None:
    source = app["spec"]["source"]
    path = Path(source["path"])
    assert path.parts[:2] == ("deploy", "helm")
    chart = chart_root / path.relative_to("deploy/helm")
    values: dict[str, Any] = {}
    for values_file in source["helm"]["valueFiles"]:
        assert (charts.REPO / path / values_file).is_file(), values_file
        values = {**values, **charts.load_values(chart, values_file)}
    manifests = charts.render(chart, values, release=source["helm"]["releaseName"])
    assert checks.kubernetes_schema_problems(manifests) == []
    assert checks.one(manifests, "Deployment")["metadata"]["name"] == path.name
    if path.name == "api":
        # The Application's values files give its environment's token issuer (the api chart
        # has none of its own), as modules/identity's outputs shape it.
        env = app["metadata"]["labels"]["flightres.example/environment"]
        parsed = tf.parse_dir(TERRAFORM)
        issuer = tf.identity_output(parsed, TERRAFORM, "issuer_url")
        jwks_path = tf.identity_output(parsed, TERRAFORM, "jwks_url").removeprefix(issuer)
        region = tf.region(TERRAFORM, parsed, env)
        assert checks.auth_config_problems(manifests, region, jwks_path) == []
        assert env in str(source["helm"]["valueFiles"])
    if path.name == "web":
        # The web front end signs in where its environment's api Application checks tokens,
        # and calls that api release's Service.
        env = app["metadata"]["labels"]["flightres.example/environment"]
        (api_app,) = (
            a
            for a in applications()
            if a["spec"]["source"]["path"] == "deploy/helm/api"
            and a["metadata"]["labels"]["flightres.example/environment"] == env
        )
        assert api_app["spec"]["destination"] == app["spec"]["destination"]
        api_source = api_app["spec"]["source"]
        api_values: dict[str, Any] = {}
        for values_file in api_source["helm"]["valueFiles"]:
            api_values = {**api_values, **charts.load_values(chart_root / "api", values_file)}
        api = charts.render(
            chart_root / "api", api_values, release=api_source["helm"]["releaseName"]
        )
        region = tf.region(TERRAFORM, tf.parse_dir(TERRAFORM), env)
        assert checks.web_config_problems(manifests, api, region) == []
        assert env in str(source["helm"]["valueFiles"])
