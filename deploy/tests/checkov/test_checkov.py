"""checkov, offline, on deploy/terraform with each environment's values and on every rendered
chart: any finding that deploy/checkov-skips.yaml does not list fails, and so does a listed one
that no longer occurs.

checkov's HCL parser clashes with python-hcl2, so checkov comes from its own resolve as a
standalone PEX (deploy/tests/checkov:checkov) that Pants builds into this test's sandbox. Outside
Pants, CHECKOV names a checkov executable (default: `checkov` on PATH)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploytest import charts

TERRAFORM = charts.REPO / "deploy" / "terraform"
SKIPS = charts.REPO / "deploy" / "checkov-skips.yaml"
PEX = charts.REPO / "deploy.tests.checkov" / "checkov.pex"

Finding = dict[str, Any]


def checkov_command() -> list[str]:
    if PEX.is_file():
        return [sys.executable, str(PEX)]
    return [os.environ.get("CHECKOV") or shutil.which("checkov") or "checkov"]


def checkov(directory: Path, framework: str, *options: str) -> dict[str, Any]:
    home = os.environ.get("HOME") or str(directory.parent)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin"),
        "HOME": home,
        # Unpacked once per machine, outside the sandbox.
        "PEX_ROOT": str(Path(home) / ".cache" / "flightres-checkov-pex"),
        "CKV_PARSE_ERROR_FAIL": "true",
        "BC_SKIP_MAPPING": "TRUE",
        "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
        "LOG_LEVEL": "ERROR",
    }
    result = subprocess.run(
        [
            *checkov_command(),
            "--directory",
            str(directory),
            "--framework",
            framework,
            *options,
            "--skip-download",
            "--quiet",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=directory.parent,
        timeout=600,
    )
    # 0: no findings, 1: findings; anything else (or no JSON) is a crash or a parse error.
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert result.stdout.lstrip().startswith(("{", "[")), result.stderr[-3000:]
    report = json.loads(result.stdout)
    if isinstance(report, list):
        (report,) = (r for r in report if r.get("check_type") == framework)
    assert report["summary"]["parsing_errors"] == 0, report["results"].get("parsing_errors")
    assert report["summary"]["resource_count"] > 0
    return dict(report)


def terraform_findings(copy: Path, environments: tuple[str, ...] | None = None) -> list[Finding]:
    """checkov's findings on the root configuration, once per environment with its .tfvars,
    each marked with its environment."""
    if environments is None:
        environments = tuple(p.stem for p in sorted((copy / "environments").glob("*.tfvars")))
    return [
        {**finding, "environment": environment}
        for environment in environments
        for finding in checkov(
            copy, "terraform", "--var-file", str(copy / "environments" / f"{environment}.tfvars")
        )["results"]["failed_checks"]
    ]


def skips(framework: str) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = yaml.safe_load(SKIPS.read_text())[framework]
    assert all(e.get("reason", "").strip() for e in entries), "every skip needs a reason"
    return entries


def matches(skip: dict[str, str], finding: Finding) -> bool:
    if skip["check"] != finding["check_id"]:
        return False
    if "file" in skip and not finding["file_path"].lstrip("/").endswith(skip["file"]):
        return False
    return "environment" not in skip or finding.get("environment") == skip["environment"]


def unaccepted(failed: list[Finding], accepted: list[dict[str, str]]) -> list[str]:
    new = [
        f"{f['check_id']} {f['check_name']}: {f['resource']} in {f['file_path']}"
        + (f" ({f['environment']})" if f.get("environment") else "")
        for f in failed
        if not any(matches(s, f) for s in accepted)
    ]
    stale = [
        f"stale skip {s['check']} {s.get('file', '')}: matches no finding"
        for s in accepted
        if not any(matches(s, f) for f in failed)
    ]
    return sorted(set(new)) + stale


@pytest.fixture(scope="module")
def manifests_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every chart rendered with every values file, one YAML file per combination."""
    root = tmp_path_factory.mktemp("checkov")
    chart_root = charts.copy_charts(root / "helm")
    out = root / "manifests"
    out.mkdir()
    for service in charts.SERVICES:
        for values_file in charts.values_files(service):
            chart = chart_root / service
            rendered = charts.render(chart, charts.load_values(chart, values_file))
            (out / f"{service}-{values_file}").write_text(yaml.safe_dump_all(rendered))
    return out


def test_terraform_has_no_new_findings(tmp_path: Path) -> None:
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, copy)
    assert unaccepted(terraform_findings(copy), skips("terraform")) == []


def test_terraform_scan_fails_on_a_public_unencrypted_unprotected_database(tmp_path: Path) -> None:
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, copy)
    main = copy / "modules" / "databases" / "main.tf"
    text = main.read_text()
    text = text.replace("storage_encrypted     = true", "storage_encrypted     = false")
    text = text.replace("publicly_accessible    = false", "publicly_accessible    = true")
    main.write_text(text)
    # What sandbox may do (its skip names the environment), staging may not.
    values = copy / "environments" / "staging.tfvars"
    text = values.read_text()
    values.write_text(text.replace("deletion_protection  = true", "deletion_protection  = false"))
    problems = unaccepted(terraform_findings(copy, ("staging",)), skips("terraform"))
    assert any(p.startswith("CKV_AWS_16 ") for p in problems), problems
    assert any(p.startswith("CKV_AWS_17 ") for p in problems), problems
    assert any(p.startswith("CKV_AWS_293 ") for p in problems), problems


def test_terraform_scan_fails_on_a_parse_error(tmp_path: Path) -> None:
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, copy)
    (copy / "modules" / "network" / "broken.tf").write_text('resource "aws_vpc" {{\n')
    with pytest.raises(AssertionError):
        checkov(copy, "terraform")


def test_rendered_manifests_have_no_new_findings(manifests_dir: Path) -> None:
    report = checkov(manifests_dir, "kubernetes")
    assert unaccepted(report["results"]["failed_checks"], skips("kubernetes")) == []


def test_manifest_scan_fails_on_a_privileged_container(manifests_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "manifests"
    shutil.copytree(manifests_dir, copy)
    path = copy / "flights-values-staging.yaml"
    documents = list(yaml.safe_load_all(path.read_text()))
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    context = deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    context.update(privileged=True, allowPrivilegeEscalation=True, readOnlyRootFilesystem=False)
    path.write_text(yaml.safe_dump_all(documents))
    failed = checkov(copy, "kubernetes")["results"]["failed_checks"]
    problems = unaccepted(failed, skips("kubernetes"))
    assert any(p.startswith("CKV_K8S_16 ") for p in problems), problems
