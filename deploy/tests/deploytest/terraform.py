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
AWS_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")
EXACT_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
META_ARGUMENTS = {"source", "version", "providers", "depends_on", "count", "for_each"}

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
                    kind == "variable"
                    and SECRET_VARIABLE.search(name)
                    and body.get("sensitive") is not True
                ):
                    problems.append(f"{where}: variable {name} must be sensitive = true")
        for attribute, value in walk({k: v for k, v in blocks.items() if k != "variable"}):
            name = attribute.rsplit(".", 1)[-1]
            if SECRET_ATTRIBUTE.search(name) and is_literal(value):
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
