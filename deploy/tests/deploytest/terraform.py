"""Offline checks of deploy/terraform: parsing (python-hcl2) and the project's conventions.
`terraform validate` needs the providers, which cannot be downloaded here; the module-call
check below covers its most common finding (arguments that the module does not declare)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2

SECRET_ATTRIBUTE = re.compile(r"password|auth_token|secret|private_key|access_key|token$")
SECRET_VARIABLE = re.compile(r"password|token|secret|private_key")
# Settings named like credentials that are not (attribute paths ending so), and variable types
# that cannot hold one (e.g. password_minimum_length, mysql_password_rotation_days).
NOT_SECRETS = (
    "auth_token_update_strategy",
    "token_validity_units.access_token",
    "token_validity_units.id_token",
    "token_validity_units.refresh_token",
)
NOT_SECRET_TYPES = {"number", "bool"}
AWS_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")
EXACT_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
META_ARGUMENTS = {"source", "version", "providers", "depends_on", "count", "for_each"}
# An output whose value is built from one of these carries a secret.
SECRET_REFERENCE = re.compile(
    r"random_password\.|\.auth_token\b|secret_string|\.password\b|var\.\w*(password|token|secret)"
)
# What the API layer needs from modules/identity, and the root outputs that pass it on (the
# api chart's config in deploy/helm/api/values-<env>.yaml).
IDENTITY_OUTPUTS = {
    "auth_issuer": "issuer_url",
    "auth_jwks_url": "jwks_url",
    "auth_audience": "client_id",
    "auth_audience_claim": "audience_claim",
}

Blocks = dict[str, list[dict[str, Any]]]


def unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals and block labels."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def is_literal(value: Any) -> bool:
    return isinstance(value, str) and value.startswith('"') and "${" not in value


def parse_file(path: Path) -> Blocks:
    with path.open() as handle:
        parsed: Blocks = hcl2.load(handle)
    return parsed


def parse_dir(directory: Path) -> dict[Path, Blocks]:
    """Every .tf file below ``directory``; raises on the first one that does not parse."""
    return {path: parse_file(path) for path in sorted(directory.rglob("*.tf"))}


def module_dirs(parsed: dict[Path, Blocks]) -> set[Path]:
    return {path.parent for path in parsed}


def labelled(blocks: Blocks, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for block in blocks.get(kind, []):
        for label, body in block.items():
            yield unquote(label), body


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if not key.startswith("__"):
                yield from walk(value, f"{path}.{unquote(key)}" if path else unquote(key))
    elif isinstance(node, list):
        for item in node:
            yield from walk(item, path)
    else:
        yield path, node


def convention_problems(root: Path, parsed: dict[Path, Blocks]) -> list[str]:
    problems = []
    for path, blocks in parsed.items():
        where = path.relative_to(root)
        for kind in ("variable", "output"):
            for name, body in labelled(blocks, kind):
                if not unquote(body.get("description", "")).strip():
                    problems.append(f"{where}: {kind} {name} has no description")
                if (
                    kind == "output"
                    and SECRET_REFERENCE.search(str(body.get("value", "")))
                    and body.get("sensitive") is not True
                ):
                    problems.append(f"{where}: output {name} carries a secret: sensitive = true")
                if (
                    kind == "variable"
                    and SECRET_VARIABLE.search(name)
                    and body.get("type") not in NOT_SECRET_TYPES
                    and body.get("sensitive") is not True
                ):
                    problems.append(f"{where}: variable {name} must be sensitive = true")
        for attribute, value in walk({k: v for k, v in blocks.items() if k != "variable"}):
            name = attribute.rsplit(".", 1)[-1]
            if (
                SECRET_ATTRIBUTE.search(name)
                and not attribute.endswith(NOT_SECRETS)
                and is_literal(value)
            ):
                problems.append(f"{where}: {attribute} is hard-coded; use a sensitive variable")
            if isinstance(value, str) and AWS_ACCESS_KEY.search(value):
                problems.append(f"{where}: {attribute} holds an AWS access key id")
    problems += provider_problems(root, parsed)
    problems += module_call_problems(root, parsed)
    problems += environment_problems(root, parsed)
    return problems


def provider_problems(root: Path, parsed: dict[Path, Blocks]) -> list[str]:
    """The root configuration pins exact provider versions; modules give bounded ranges."""
    problems = []
    declared: dict[Path, bool] = dict.fromkeys(module_dirs(parsed), False)
    for path, blocks in parsed.items():
        for terraform in blocks.get("terraform", []):
            if "required_version" in terraform:
                declared[path.parent] = True
            for providers in terraform.get("required_providers", []):
                for name, spec in providers.items():
                    if name.startswith("__"):
                        continue
                    where = f"{path.relative_to(root)}: provider {name}"
                    version = unquote(spec.get("version", "")) if isinstance(spec, dict) else ""
                    if not isinstance(spec, dict) or "source" not in spec:
                        problems.append(f"{where} has no source")
                    if path.parent == root:
                        if not EXACT_VERSION.match(version):
                            problems.append(f"{where} must pin an exact version, not {version!r}")
                    elif not version.startswith("~>"):
                        problems.append(f"{where} needs a ~> range, not {version!r}")
    problems += [
        f"{d.relative_to(root)}: no required_version"
        for d, ok in sorted(declared.items())
        if not ok
    ]
    return problems


def variables_of(directory: Path, parsed: dict[Path, Blocks]) -> dict[str, dict[str, Any]]:
    return {
        name: body
        for path, blocks in parsed.items()
        if path.parent == directory
        for name, body in labelled(blocks, "variable")
    }


def module_call_problems(root: Path, parsed: dict[Path, Blocks]) -> list[str]:
    """Module sources are paths in this repository and calls match the module's variables."""
    problems = []
    for path, blocks in parsed.items():
        for name, body in labelled(blocks, "module"):
            where = f"{path.relative_to(root)}: module {name}"
            source = unquote(body.get("source", ""))
            if not source.startswith(("./", "../")):
                problems.append(f"{where}: source {source!r} is not a path in this repository")
                continue
            target = (path.parent / source).resolve()
            if not target.is_relative_to(root.resolve()) or not list(target.glob("*.tf")):
                problems.append(f"{where}: source {source!r} is not a module under {root.name}")
                continue
            declared = variables_of(target, {p.resolve(): b for p, b in parsed.items()})
            given = {k for k in body if not k.startswith("__")} - META_ARGUMENTS
            for unknown in sorted(given - set(declared)):
                problems.append(f"{where}: the module has no variable {unknown}")
            for missing in sorted(n for n, v in declared.items() if "default" not in v):
                if missing not in given:
                    problems.append(f"{where}: required variable {missing} is not set")
    return problems


def settings(path: Path) -> dict[str, Any]:
    """The attributes a .tfvars or .tfbackend file sets."""
    return {k: unquote(v) for k, v in parse_file(path).items() if not k.startswith("__")}


def environments(root: Path) -> dict[str, Path]:
    """Each environment's values for the root configuration: environments/<name>.tfvars."""
    return {path.stem: path for path in sorted((root / "environments").glob("*.tfvars"))}


def environment_problems(root: Path, parsed: dict[Path, Blocks]) -> list[str]:
    """One root configuration with its state in S3, encrypted and locked in DynamoDB. An
    environment is only values: a .tfvars file setting the same variables as the others (never
    a secret), and a .s3.tfbackend file giving its own state key."""
    backends = [
        body
        for path, blocks in parsed.items()
        if path.parent == root
        for terraform in blocks.get("terraform", [])
        for backend in terraform.get("backend", [])
        for label, body in backend.items()
        if unquote(label) == "s3"
    ]
    problems = []
    if len(backends) != 1:
        problems.append("the root configuration needs exactly one s3 backend")
    elif backends[0].get("encrypt") is not True or not unquote(backends[0].get("dynamodb_table")):
        problems.append("the s3 backend must encrypt and lock (dynamodb_table)")
    declared = variables_of(root, parsed)
    values = {name: settings(path) for name, path in environments(root).items()}
    every = set().union(*values.values())
    for name, given in values.items():
        where = f"environments/{name}.tfvars"
        if given.get("environment") != name:
            problems.append(f"{where}: environment is not {name!r}")
        for variable in sorted(set(given) - set(declared)):
            problems.append(f"{where}: sets {variable}, which the root does not declare")
        for variable in sorted(v for v in given if declared.get(v, {}).get("sensitive") is True):
            problems.append(f"{where}: sets {variable}, a secret (it comes from the pipeline)")
        for variable in sorted(every - set(given)):
            problems.append(f"{where}: does not set {variable}, which another environment sets")
        backend = root / "environments" / f"{name}.s3.tfbackend"
        key = f"flightres/{name}/terraform.tfstate"
        if not backend.is_file() or settings(backend) != {"key": key}:
            problems.append(f"environments/{backend.name}: must set only key = {key!r}")
    return problems


def resources(parsed: dict[Path, Blocks], directory: Path, kind: str) -> dict[str, dict[str, Any]]:
    """The resources of type ``kind`` declared in ``directory``, by name."""
    found: dict[str, dict[str, Any]] = {}
    for path, blocks in parsed.items():
        if path.parent != directory:
            continue
        for resource_type, body in labelled(blocks, "resource"):
            if resource_type == kind:
                found.update((unquote(name), b) for name, b in body.items())
    return found


def outputs_of(parsed: dict[Path, Blocks], directory: Path) -> dict[str, dict[str, Any]]:
    return {
        name: body
        for path, blocks in parsed.items()
        if path.parent == directory
        for name, body in labelled(blocks, "output")
    }


def one_block(body: dict[str, Any], name: str) -> dict[str, Any]:
    blocks = body.get(name) or [{}]
    block: dict[str, Any] = blocks[0]
    return block


def identity_problems(root: Path, parsed: dict[Path, Blocks]) -> list[str]:
    """modules/identity: a Cognito user pool behind deletion protection with a sound password
    policy, a public web client (no secret; code flow only; short-lived, revocable tokens),
    called from the root, whose outputs give the api chart its AUTH_* settings."""
    module = root / "modules" / "identity"
    problems = []
    calls = [
        body
        for path, blocks in parsed.items()
        if path.parent == root
        for _, body in labelled(blocks, "module")
        if unquote(body.get("source", "")) == "./modules/identity"
    ]
    if len(calls) != 1:
        problems.append(f"the root calls modules/identity {len(calls)} times, not once")
    elif calls[0].get("deletion_protection") != "${var.deletion_protection}":
        problems.append("the root does not pass deletion_protection to modules/identity")

    pools = resources(parsed, module, "aws_cognito_user_pool")
    clients = resources(parsed, module, "aws_cognito_user_pool_client")
    if len(pools) != 1 or len(clients) != 1:
        return [*problems, f"modules/identity: {len(pools)} user pools, {len(clients)} clients"]
    ((pool_name, pool),) = pools.items()
    ((client_name, client),) = clients.items()
    if "var.deletion_protection" not in str(pool.get("deletion_protection", "")):
        problems.append("the user pool's deletion_protection does not follow the variable")
    policy = one_block(pool, "password_policy")
    minimum = str(policy.get("minimum_length", ""))
    default = variables_of(module, parsed).get("password_minimum_length", {}).get("default")
    length = default if minimum == "${var.password_minimum_length}" else minimum
    if not isinstance(length, int) or length < 12:
        problems.append(f"the password policy allows passwords shorter than 12 ({length!r})")
    if client.get("generate_secret") is not False:
        problems.append("the web client is public: generate_secret must be false")
    if [unquote(f) for f in client.get("allowed_oauth_flows", [])] != ["code"]:
        problems.append("the web client must allow the authorization code flow only")
    if any("USER_PASSWORD_AUTH" in str(f) for f in client.get("explicit_auth_flows", [])):
        problems.append("the web client allows USER_PASSWORD_AUTH (the password sent as is)")
    if client.get("enable_token_revocation") is not True:
        problems.append("the web client's tokens must be revocable")
    if not client.get("token_validity_units") or "access_token_validity" not in client:
        problems.append("the web client's token validity is not set explicitly")

    outputs = outputs_of(parsed, module)
    issuer = f"https://${{aws_cognito_user_pool.{pool_name}.endpoint}}"
    expected = {
        "issuer_url": issuer,
        "jwks_url": issuer + "/.well-known/jwks.json",
        "client_id": f"${{aws_cognito_user_pool_client.{client_name}.id}}",
        "audience_claim": "client_id",
    }
    for name, value in expected.items():
        given = unquote(outputs.get(name, {}).get("value"))
        if given != value:
            problems.append(f"modules/identity: output {name} is {given!r}, not {value!r}")
    root_outputs = outputs_of(parsed, root)
    for name, inner in IDENTITY_OUTPUTS.items():
        if root_outputs.get(name, {}).get("value") != f"${{module.identity.{inner}}}":
            problems.append(f"the root has no output {name} = module.identity.{inner}")
    return problems


def identity_output(parsed: dict[Path, Blocks], root: Path, name: str) -> str:
    """The value of one of modules/identity's outputs, as written (a literal or an expression)."""
    value = unquote(outputs_of(parsed, root / "modules" / "identity")[name]["value"])
    return str(value)


def datastore_credential_problems(root: Path, parsed: dict[Path, Blocks]) -> list[str]:
    """modules/databases: Redis only over TLS with an AUTH token that Terraform generates
    (no pipeline secret), MySQL with an RDS-managed master password (never in the state), both
    credentials in Secrets Manager under a customer key, named by root outputs."""
    module = root / "modules" / "databases"
    problems = []
    redis = resources(parsed, module, "aws_elasticache_replication_group").get("redis", {})
    if redis.get("transit_encryption_enabled") is not True:
        problems.append("Redis without in-transit encryption (TLS)")
    if redis.get("at_rest_encryption_enabled") is not True:
        problems.append("Redis without encryption at rest")
    token = str(redis.get("auth_token", ""))
    if not re.fullmatch(r"\$\{random_password\.\w+\.result\}", token):
        problems.append(f"Redis auth_token is {token!r}, not a generated random_password")
    mysql = resources(parsed, module, "aws_db_instance").get("mysql", {})
    if mysql.get("manage_master_user_password") is not True:
        problems.append("MySQL's master password is not managed by RDS (Secrets Manager)")
    if "password" in mysql:
        problems.append("MySQL's master password is given to Terraform (it lands in the state)")
    if not mysql.get("master_user_secret_kms_key_id"):
        problems.append("the RDS-managed secret is not encrypted with the data key")
    for name, body in resources(parsed, module, "aws_secretsmanager_secret").items():
        if not body.get("kms_key_id"):
            problems.append(f"secret {name} is not encrypted with the data key")
    root_outputs = outputs_of(parsed, root)
    for name in ("mysql_master_user_secret_arn", "redis_url_secret_arn"):
        if name not in root_outputs:
            problems.append(f"the root has no output {name} (where the services' credential is)")
    return problems


def region(root: Path, parsed: dict[Path, Blocks], environment: str) -> str:
    """The AWS region of an environment: its .tfvars' region, else the root's default."""
    values = environments(root).get(environment)
    if values is not None and "region" in settings(values):
        return str(settings(values)["region"])
    return str(unquote(variables_of(root, parsed)["region"]["default"]))
