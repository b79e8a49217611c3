"""The GitHub Actions workflows in .github/workflows (docs/workflows.md).

Every file must pass check-jsonschema against GitHub's workflow schema, the copy built into its
wheel (`--builtin-schema vendor.github-workflows`): nothing is fetched, and the validation runs
with every proxy pointing at a closed port to prove it. Then what the project relies on:

- ci: pull requests run Pants' changed-only lint, check and test against origin/main (full
  history checked out); main runs `make test` and `./pants lint check ::`; Pants' caches and
  both Pythons are set up.
- release: main releases to staging and v* tags to production with build-support/release.py,
  logged in to Docker Hub with DOCKER_USERNAME / DOCKER_PASSWORD, one release at a time; its
  release-point and values-commit scripts are run for real in throw-away git repositories.
- infra: plan on pull requests touching deploy/terraform, apply only on v* tags behind a
  per-environment GitHub environment, for exactly the directories in
  deploy/terraform/environments.

Each behaviour check returns its problems, and a test breaks a copy of the workflow and expects
the check to report it, so no check can pass vacuously. A broken workflow file must be rejected
by the same schema validation the real files pass.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
ENVIRONMENTS = REPO / "deploy" / "terraform" / "environments"
SCHEMA = "vendor.github-workflows"
CLOSED_PORT = "http://127.0.0.1:9"
# An action pinned to its major version: owner/repo[/path]@v4.
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@v\d+$")
PANTS_CACHES = {
    "~/.cache/pants/named_caches",
    "~/.cache/pants/lmdb_store",
    "~/.cache/flightres-pants",
}
CACHE_KEY_FILES = "hashFiles('3rdparty/python/*.lock', 'pants.toml')"
CHANGED_ONLY = "./pants --changed-since=origin/main --changed-dependents=transitive lint check test"

Workflow = dict[str, Any]
Job = dict[str, Any]
Step = dict[str, Any]
Event = tuple[str, str]  # (github.event_name, github.ref)

PULL_REQUEST: Event = ("pull_request", "refs/pull/7/merge")
PUSH_MAIN: Event = ("push", "refs/heads/main")
PUSH_TAG: Event = ("push", "refs/tags/v1.2.0")


# --- schema validation ---------------------------------------------------------------------


def validate(*paths: Path) -> tuple[bool, str]:
    """check-jsonschema's verdict on the files against GitHub's workflow schema, and its output.
    Offline: any attempt to download would go to a proxy on a closed port and fail."""
    offline = {
        name: CLOSED_PORT
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")
    }
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", SCHEMA, "--color", "never"]
        + [str(path) for path in paths],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, **offline, "NO_PROXY": "", "no_proxy": ""},
    )
    return result.returncode == 0, result.stdout + result.stderr


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


def test_the_schema_is_the_copy_in_the_wheel() -> None:
    spec = importlib.util.find_spec("check_jsonschema")
    assert spec is not None, "check-jsonschema is not installed (3rdparty/python:reqs)"
    assert spec.origin is not None
    vendored = Path(spec.origin).parent / "builtin_schemas" / "vendor" / "github-workflows.json"
    assert vendored.is_file(), f"no vendored GitHub workflow schema at {vendored}"


def test_the_workflows_are_there() -> None:
    assert [path.name for path in workflow_files()] == ["ci.yml", "infra.yml", "release.yml"]


@pytest.mark.parametrize("name", ["ci.yml", "infra.yml", "release.yml"])
def test_workflow_matches_the_github_schema(name: str) -> None:
    valid, output = validate(WORKFLOWS / name)
    assert valid, f"{name} does not match GitHub's workflow schema:\n{output}"


MINIMAL = """\
name: minimal
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - run: echo hello
"""


def test_a_minimal_workflow_passes(tmp_path: Path) -> None:
    (tmp_path / "minimal.yml").write_text(MINIMAL)
    valid, output = validate(tmp_path / "minimal.yml")
    assert valid, output


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (MINIMAL.replace("on: push\n", ""), "'on' is a required property"),
        (MINIMAL.replace("    runs-on: ubuntu-24.04\n", ""), "'runs-on' is a required property"),
        (MINIMAL.replace("    steps:", "    step:"), "('step' was unexpected)"),
        (MINIMAL.replace("on: push", "on: pushed"), "'pushed' is not one of"),
    ],
    ids=["no-on", "job-without-runs-on", "misspelt-steps", "unknown-event"],
)
def test_a_broken_workflow_is_rejected(tmp_path: Path, broken: str, expected: str) -> None:
    path = tmp_path / "broken.yml"
    path.write_text(broken)
    valid, output = validate(path)
    assert not valid, f"the schema validation accepted a broken workflow:\n{broken}"
    assert expected in output


# --- reading workflows ---------------------------------------------------------------------


def load(path: Path) -> Workflow:
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict), f"{path} is not a mapping"
    # PyYAML follows YAML 1.1, where the key `on` is the boolean true; GitHub reads "on".
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def workflow(name: str) -> Workflow:
    return load(WORKFLOWS / name)


def steps(job: Job) -> list[Step]:
    return list(job.get("steps") or [])


def script_lines(job: Job) -> list[str]:
    return [
        line.strip()
        for step in steps(job)
        if "run" in step
        for line in str(step["run"]).splitlines()
        if line.strip()
    ]


def action_steps(job: Job, action: str) -> list[Step]:
    return [step for step in steps(job) if str(step.get("uses", "")).split("@")[0] == action]


def step_running(job: Job, command: str) -> tuple[int, Step] | None:
    """The first step whose script runs COMMAND (not merely prints it), and its index."""
    for index, step in enumerate(steps(job)):
        for line in str(step.get("run", "")).splitlines():
            if command in line and not line.strip().startswith(("echo ", "#")):
                return index, step
    return None


def step_with_id(job: Job, step_id: str) -> Step:
    matches = [step for step in steps(job) if step.get("id") == step_id]
    assert len(matches) == 1, f"expected one step with id {step_id!r}"
    return matches[0]


# A job's `if:` as far as these workflows use it: ==, startsWith on github.event_name and
# github.ref, joined with && and ||. Anything else fails loudly instead of being guessed.
CONDITIONS: list[tuple[re.Pattern[str], Callable[[re.Match[str], Event], bool]]] = [
    (re.compile(r"github\.event_name == '([^']*)'"), lambda m, event: event[0] == m[1]),
    (re.compile(r"github\.ref == '([^']*)'"), lambda m, event: event[1] == m[1]),
    (
        re.compile(r"startsWith\(github\.ref, '([^']*)'\)"),
        lambda m, event: event[1].startswith(m[1]),
    ),
]


def job_runs_for(job: Job, event: Event) -> bool:
    condition = str(job.get("if", "")).strip()
    condition = condition.removeprefix("${{").removesuffix("}}").strip()
    if not condition:
        return True

    def holds(term: str) -> bool:
        for pattern, test in CONDITIONS:
            match = pattern.fullmatch(term.strip())
            if match:
                return test(match, event)
        raise AssertionError(f"cannot evaluate the job condition {term!r}")

    return any(
        all(holds(term) for term in alternative.split("&&"))
        for alternative in condition.split("||")
    )


def jobs_for(wf: Workflow, event: Event) -> dict[str, Job]:
    return {name: job for name, job in wf["jobs"].items() if job_runs_for(job, event)}


def environment_directories() -> list[str]:
    return sorted(path.parent.name for path in ENVIRONMENTS.glob("*/versions.tf"))


def matrix_environments(job: Job) -> list[str] | None:
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    environments = matrix.get("environment")
    return None if environments is None else sorted(environments)


# --- checks: each returns its problems -----------------------------------------------------


def common_problems(wf: Workflow) -> list[str]:
    problems = []
    for name, job in wf["jobs"].items():
        if "timeout-minutes" not in job:
            problems.append(f"{name}: no timeout-minutes")
        for step in steps(job):
            uses = step.get("uses")
            if uses is not None and not PINNED.match(str(uses)):
                problems.append(f"{name}: {uses} is not pinned to a major version (@vN)")
            if "${{" in str(step.get("run", "")):
                # Expressions are spliced into the script before the shell sees it: values
                # go through env instead.
                problems.append(f"{name}: an expression inside run: {step.get('name', step)}")
    return problems


def pants_setup_problems(name: str, job: Job) -> list[str]:
    problems = []
    caches = action_steps(job, "actions/cache")
    if not caches:
        return [f"{name}: Pants' caches are not cached (actions/cache)"]
    options = caches[0].get("with") or {}
    missing = PANTS_CACHES - set(str(options.get("path", "")).split())
    if missing:
        problems.append(f"{name}: actions/cache does not cache {sorted(missing)}")
    if CACHE_KEY_FILES not in str(options.get("key", "")):
        problems.append(f"{name}: the cache key is not {CACHE_KEY_FILES}")
    pythons = [
        str((step.get("with") or {}).get("python-version", ""))
        for step in action_steps(job, "actions/setup-python")
    ]
    if "3.9" not in pythons or pythons[-1:] != ["3.11"]:
        problems.append(f"{name}: Python 3.9 (Pants) and then 3.11 (the code) not set up")
    first_pants = min(
        (
            index
            for index, step in enumerate(steps(job))
            if re.search(r"pants|make ", str(step.get("run", "")))
        ),
        default=None,
    )
    cache_index = steps(job).index(caches[0])
    if first_pants is not None and cache_index > first_pants:
        problems.append(f"{name}: the cache is restored after Pants has run")
    return problems


def full_history(job: Job) -> bool:
    return any(
        (step.get("with") or {}).get("fetch-depth") == 0
        for step in action_steps(job, "actions/checkout")
    )


def ci_problems(wf: Workflow) -> list[str]:
    problems = []
    on = wf.get("on") or {}
    if "main" not in ((on.get("pull_request") or {}).get("branches") or []):
        problems.append("ci does not run on pull requests to main")
    if "main" not in ((on.get("push") or {}).get("branches") or []):
        problems.append("ci does not run on pushes to main")

    pr_jobs = jobs_for(wf, PULL_REQUEST)
    changed = [name for name, job in pr_jobs.items() if CHANGED_ONLY in script_lines(job)]
    if not changed:
        problems.append(f"no pull request job runs `{CHANGED_ONLY}`")
    for name in changed:
        if not full_history(pr_jobs[name]):
            problems.append(f"{name}: no fetch-depth 0 checkout, so no origin/main to compare with")
    for name, job in pr_jobs.items():
        if {"make test", "./pants lint check ::"} & set(script_lines(job)):
            problems.append(f"{name}: pull requests run everything, not the changed targets")

    main_lines = [line for job in jobs_for(wf, PUSH_MAIN).values() for line in script_lines(job)]
    for command in ("make test", "./pants lint check ::"):
        if command not in main_lines:
            problems.append(f"pushes to main do not run `{command}`")

    for name, job in wf["jobs"].items():
        problems += pants_setup_problems(name, job)
    return problems + common_problems(wf)


def release_job(wf: Workflow) -> tuple[str, Job] | None:
    for name, job in wf["jobs"].items():
        if step_running(job, "build-support/release.py"):
            return name, job
    return None


def release_problems(wf: Workflow) -> list[str]:
    problems = []
    on = wf.get("on") or {}
    push = on.get("push") or {}
    if "main" not in (push.get("branches") or []) or "v*" not in (push.get("tags") or []):
        problems.append("release does not run on pushes to main and on v* tags")
    if set(on) != {"push"}:
        problems.append(f"release runs on more than pushes: {sorted(on)}")

    found = release_job(wf)
    if found is None:
        return [*problems, "no job runs build-support/release.py"]
    name, job = found
    for event in (PUSH_MAIN, PUSH_TAG):
        if name not in jobs_for(wf, event):
            problems.append(f"{name} does not run for {event}")
    concurrency = job.get("concurrency") or wf.get("concurrency") or {}
    if not concurrency.get("group") or concurrency.get("cancel-in-progress") is not False:
        problems.append("releases can race: no concurrency group that never cancels")
    if not full_history(job):
        problems.append(f"{name}: no fetch-depth 0 checkout: the previous release point is missing")
    if (job.get("permissions") or wf.get("permissions") or {}).get("contents") != "write":
        problems.append(f"{name}: cannot push the values commit (permissions: contents: write)")

    release_index, release_step = step_running(job, "build-support/release.py") or (0, {})
    logins = action_steps(job, "docker/login-action")
    credentials = {
        "username": "${{ secrets.DOCKER_USERNAME }}",
        "password": "${{ secrets.DOCKER_PASSWORD }}",
    }
    if not any((step.get("with") or {}) == credentials for step in logins):
        problems.append(f"{name}: no docker/login-action with DOCKER_USERNAME / DOCKER_PASSWORD")
    elif steps(job).index(logins[0]) > release_index:
        problems.append(f"{name}: logs in to Docker Hub after releasing")
    release_env = release_step.get("env") or {}
    if release_env.get("REGISTRY") != "docker.io/${{ vars.DOCKER_NAMESPACE }}":
        problems.append(f"{name}: REGISTRY is not docker.io/<vars.DOCKER_NAMESPACE>")
    point = [step for step in steps(job) if step.get("id") == "point"]
    if not point or (point[0].get("env") or {}).get("BEFORE") != "${{ github.event.before }}":
        problems.append(f"{name}: main's release point is not the push's github.event.before")
    if "--env" not in str(release_step.get("run", "")):
        problems.append(f"{name}: release.py is not given the environment (--env)")

    handoff = step_running(job, "git push")
    if handoff is None or handoff[0] < release_index:
        problems.append(f"{name}: the values files are not committed and pushed after release.py")
    else:
        script = str(handoff[1]["run"])
        for needed in ("git add -- 'deploy/helm/*/values-*.yaml'", "git diff --cached --quiet"):
            if needed not in script:
                problems.append(f"{name}: the values commit step lacks `{needed}`")

    problems += pants_setup_problems(name, job)
    problems += pact_problems(wf)
    return problems + common_problems(wf)


def pact_problems(wf: Workflow) -> list[str]:
    publishing = [
        (name, job) for name, job in wf["jobs"].items() if step_running(job, "contracts/publish.sh")
    ]
    if not publishing:
        return ["nothing runs contracts/publish.sh"]
    problems = []
    for name, job in publishing:
        env = job.get("env") or {}
        if env.get("PACT_BROKER_BASE_URL") != "${{ secrets.PACT_BROKER_BASE_URL }}":
            problems.append(f"{name}: PACT_BROKER_BASE_URL does not come from the secret")
        _, step = step_running(job, "contracts/publish.sh") or (0, {})
        if "env.PACT_BROKER_BASE_URL != ''" not in str(step.get("if", "")):
            problems.append(f"{name}: publishes even without a broker (no if: on the secret)")
        if name not in jobs_for(wf, PUSH_MAIN):
            problems.append(f"{name}: does not publish main's pacts")
    return problems


def terraform_lines(job: Job) -> list[str]:
    return [line for line in script_lines(job) if line.startswith("terraform ")]


def infra_problems(wf: Workflow, environments: list[str]) -> list[str]:
    problems = []
    on = wf.get("on") or {}
    if "deploy/terraform/**" not in ((on.get("pull_request") or {}).get("paths") or []):
        problems.append("infra does not run on pull requests touching deploy/terraform/**")
    push = on.get("push") or {}
    if push.get("tags") != ["v*"] or "branches" in push:
        problems.append("infra pushes are not exactly the v* tags")
    if (wf.get("permissions") or {}).get("id-token") != "write":
        problems.append("no id-token: write: the OIDC role cannot be assumed")

    applying = {
        n: j
        for n, j in wf["jobs"].items()
        if any("terraform apply" in line for line in terraform_lines(j))
    }
    if not applying:
        problems.append("no job runs terraform apply")
    for name, job in applying.items():
        for event in (PULL_REQUEST, PUSH_MAIN):
            if job_runs_for(job, event):
                problems.append(f"{name} applies on {event}")
        if not job_runs_for(job, PUSH_TAG):
            problems.append(f"{name} does not apply on v* tags")
        environment = job.get("environment") or {}
        environment = environment.get("name") if isinstance(environment, dict) else environment
        if environment != "${{ matrix.environment }}":
            problems.append(f"{name}: not behind the environment of its matrix entry")

    plans = jobs_for(wf, PULL_REQUEST)
    if not plans:
        problems.append("nothing runs on pull requests")
    for name, job in plans.items():
        lines = terraform_lines(job)
        for command in (
            "terraform fmt -check",
            "terraform init",
            "terraform validate",
            "terraform plan",
        ):
            if not any(line.startswith(command) for line in lines):
                problems.append(f"{name}: no `{command}` on pull requests")

    for name, job in wf["jobs"].items():
        if matrix_environments(job) != environments:
            problems.append(
                f"{name}: matrix {matrix_environments(job)} is not the environments "
                f"{environments} in deploy/terraform/environments"
            )
        directory = ((job.get("defaults") or {}).get("run") or {}).get("working-directory")
        if directory != "deploy/terraform/environments/${{ matrix.environment }}":
            problems.append(f"{name}: does not run in its environment's directory")
        if not action_steps(job, "hashicorp/setup-terraform"):
            problems.append(f"{name}: no hashicorp/setup-terraform")
        aws = action_steps(job, "aws-actions/configure-aws-credentials")
        if not aws or not (aws[0].get("with") or {}).get("role-to-assume"):
            problems.append(f"{name}: no AWS role (configure-aws-credentials role-to-assume)")
    return problems + common_problems(wf)


# --- the workflows pass their checks -------------------------------------------------------


def test_ci_runs_the_changed_targets_on_pull_requests_and_everything_on_main() -> None:
    assert ci_problems(workflow("ci.yml")) == []


def test_release_builds_the_changed_images_and_hands_off_to_argo_cd() -> None:
    assert release_problems(workflow("release.yml")) == []


def test_infra_plans_on_pull_requests_and_applies_on_tags_for_every_environment() -> None:
    environments = environment_directories()
    # The Terraform files are in this test's sandbox (deploy/terraform:terraform).
    assert "staging" in environments, f"no environments found in {ENVIRONMENTS}"
    assert infra_problems(workflow("infra.yml"), environments) == []


# --- and each check fails on a broken copy -------------------------------------------------


def _job(wf: Workflow, name: str) -> Job:
    job: Job = wf["jobs"][name]
    return job


def _replace_in_scripts(job: Job, old: str, new: str) -> None:
    for step in steps(job):
        if "run" in step:
            step["run"] = str(step["run"]).replace(old, new)


def _ci_pr_runs_everything(wf: Workflow) -> None:
    _replace_in_scripts(_job(wf, "changed"), CHANGED_ONLY, "./pants lint check test ::")


def _ci_shallow(wf: Workflow) -> None:
    action_steps(_job(wf, "changed"), "actions/checkout")[0]["with"]["fetch-depth"] = 1


def _ci_no_lmdb_cache(wf: Workflow) -> None:
    options = action_steps(_job(wf, "full"), "actions/cache")[0]["with"]
    options["path"] = options["path"].replace("~/.cache/pants/lmdb_store", "")


def _ci_full_run_on_prs(wf: Workflow) -> None:
    _job(wf, "full")["if"] = "github.event_name == 'pull_request'"


def _ci_unpinned(wf: Workflow) -> None:
    action_steps(_job(wf, "full"), "actions/checkout")[0]["uses"] = "actions/checkout@main"


def _ci_no_python39(wf: Workflow) -> None:
    job = _job(wf, "changed")
    job["steps"] = [s for s in steps(job) if (s.get("with") or {}).get("python-version") != "3.9"]


def _release_other_secret(wf: Workflow) -> None:
    login = action_steps(_job(wf, "images"), "docker/login-action")[0]
    login["with"]["password"] = "${{ secrets.DOCKERHUB_TOKEN }}"


def _release_cancels(wf: Workflow) -> None:
    wf["concurrency"]["cancel-in-progress"] = True


def _release_no_tags(wf: Workflow) -> None:
    del wf["on"]["push"]["tags"]


def _release_no_commit(wf: Workflow) -> None:
    job = _job(wf, "images")
    job["steps"] = [s for s in steps(job) if "git push" not in str(s.get("run", ""))]


def _release_pacts_always(wf: Workflow) -> None:
    _, step = step_running(_job(wf, "pacts"), "contracts/publish.sh") or (0, {})
    del step["if"]


def _release_script_injection(wf: Workflow) -> None:
    step = step_with_id(_job(wf, "images"), "point")
    step["run"] = str(step["run"]).replace('base="${BEFORE}"', 'base="${{ github.event.before }}"')


def _infra_drop_staging(wf: Workflow) -> None:
    _job(wf, "apply")["strategy"]["matrix"]["environment"].remove("staging")


def _infra_apply_on_prs(wf: Workflow) -> None:
    _job(wf, "apply")["if"] = (
        "github.event_name == 'pull_request' || startsWith(github.ref, 'refs/tags/v')"
    )


def _infra_apply_unprotected(wf: Workflow) -> None:
    del _job(wf, "apply")["environment"]


def _infra_no_fmt(wf: Workflow) -> None:
    job = _job(wf, "plan")
    job["steps"] = [s for s in steps(job) if "terraform fmt" not in str(s.get("run", ""))]


def _infra_apply_on_main(wf: Workflow) -> None:
    wf["on"]["push"]["branches"] = ["main"]


BROKEN: list[tuple[str, Callable[[Workflow], None], str]] = [
    ("ci.yml", _ci_pr_runs_everything, "no pull request job runs"),
    ("ci.yml", _ci_shallow, "no fetch-depth 0 checkout"),
    ("ci.yml", _ci_no_lmdb_cache, "does not cache ['~/.cache/pants/lmdb_store']"),
    ("ci.yml", _ci_full_run_on_prs, "pull requests run everything"),
    ("ci.yml", _ci_unpinned, "actions/checkout@main is not pinned"),
    ("ci.yml", _ci_no_python39, "Python 3.9 (Pants) and then 3.11"),
    ("release.yml", _release_other_secret, "DOCKER_USERNAME / DOCKER_PASSWORD"),
    ("release.yml", _release_cancels, "releases can race"),
    ("release.yml", _release_no_tags, "on pushes to main and on v* tags"),
    ("release.yml", _release_no_commit, "values files are not committed"),
    ("release.yml", _release_pacts_always, "publishes even without a broker"),
    ("release.yml", _release_script_injection, "an expression inside run"),
    ("infra.yml", _infra_drop_staging, "is not the environments"),
    ("infra.yml", _infra_apply_on_prs, "applies on ('pull_request'"),
    ("infra.yml", _infra_apply_unprotected, "not behind the environment"),
    ("infra.yml", _infra_no_fmt, "no `terraform fmt -check` on pull requests"),
    ("infra.yml", _infra_apply_on_main, "infra pushes are not exactly the v* tags"),
]


def problems_of(name: str, wf: Workflow) -> list[str]:
    if name == "ci.yml":
        return ci_problems(wf)
    if name == "release.yml":
        return release_problems(wf)
    return infra_problems(wf, environment_directories())


@pytest.mark.parametrize(
    ("name", "breaks", "expected"),
    BROKEN,
    ids=[breaks.__name__.strip("_") for _, breaks, _ in BROKEN],
)
def test_a_check_reports_a_broken_copy(
    name: str, breaks: Callable[[Workflow], None], expected: str
) -> None:
    broken = copy.deepcopy(workflow(name))
    breaks(broken)
    problems = problems_of(name, broken)
    assert any(expected in problem for problem in problems), problems


# --- the release steps' scripts, run for real ----------------------------------------------


def run_step(step: Step, cwd: Path, given: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Runs a step's script the way GitHub runs `shell: bash`. The step's env values that are
    expressions must be in GIVEN (what GitHub would put there); literal ones are used as they
    are. Git sees no user or system configuration."""
    env: dict[str, str] = {}
    for key, value in (step.get("env") or {}).items():
        if "${{" in str(value):
            assert key in given, f"the test must give {key} (the step sets it to {value})"
        else:
            env[key] = str(value)
    env.update(given)
    bash = shutil.which("bash") or "/bin/bash"
    script = cwd.parent / "step.sh"
    script.write_text(str(step["run"]))
    return subprocess.run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env={**isolated_git_env(cwd.parent), **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def isolated_git_env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "LC_ALL": "C",
    }


def git(cwd: Path, *args: str) -> str:
    binary = shutil.which("git") or "/usr/bin/git"
    result = subprocess.run(
        [
            binary,
            "-c",
            "user.name=someone",
            "-c",
            "user.email=someone@example.com",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "advice.detachedHead=false",
            *args,
        ],
        cwd=cwd,
        env=isolated_git_env(cwd),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


def commit_file(repo: Path, path: str, text: str, message: str) -> str:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text)
    git(repo, "add", path)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@pytest.fixture()
def history(tmp_path: Path) -> dict[str, Any]:
    """A repository with main = root, v1.0.0, v1.1.0 (tagged), pushed to a bare origin and
    cloned as actions/checkout with fetch-depth 0 leaves it."""
    origin = tmp_path / "origin.git"
    seed = tmp_path / "seed"
    seed.mkdir()
    git(seed, "init", "-q")
    shas = {"root": commit_file(seed, "README.md", "one\n", "root")}
    shas["v1.0.0"] = commit_file(seed, "README.md", "two\n", "first release")
    git(seed, "tag", "v1.0.0")
    shas["v1.1.0"] = commit_file(seed, "README.md", "three\n", "second release")
    git(seed, "tag", "v1.1.0")
    git(seed, "checkout", "-q", "-b", "side", "v1.0.0")
    shas["side"] = commit_file(seed, "side.txt", "side\n", "not on main")
    git(seed, "tag", "v9.0.0")
    git(seed, "checkout", "-q", "main")
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    return {"work": work, "shas": shas, "tmp": tmp_path}


def release_point(
    history: dict[str, Any], ref: str, before: str = ""
) -> tuple[int, str, dict[str, str]]:
    work: Path = history["work"]
    if ref.startswith("refs/tags/"):
        git(work, "checkout", "-q", ref.removeprefix("refs/tags/"))
    out = history["tmp"] / "github_output"
    out.write_text("")
    step = step_with_id(_job(workflow("release.yml"), "images"), "point")
    result = run_step(step, work, {"GITHUB_REF": ref, "GITHUB_OUTPUT": str(out), "BEFORE": before})
    return result.returncode, result.stdout + result.stderr, outputs(out)


def test_a_tag_releases_to_production_since_the_previous_tag(history: dict[str, Any]) -> None:
    code, log, found = release_point(history, "refs/tags/v1.1.0")
    assert code == 0, log
    assert found == {"base": "v1.0.0", "env": "production"}


def test_the_first_tag_releases_since_the_root_commit(history: dict[str, Any]) -> None:
    code, log, found = release_point(history, "refs/tags/v1.0.0")
    assert code == 0, log
    assert found == {"base": history["shas"]["root"], "env": "production"}


def test_a_tag_off_main_is_refused(history: dict[str, Any]) -> None:
    code, log, found = release_point(history, "refs/tags/v9.0.0")
    assert code != 0
    assert "v9.0.0 is not on main" in log
    assert found == {}


def test_main_releases_to_staging_since_the_push_before(history: dict[str, Any]) -> None:
    before = history["shas"]["v1.0.0"]
    code, log, found = release_point(history, "refs/heads/main", before)
    assert code == 0, log
    assert found == {"base": before, "env": "staging"}


@pytest.mark.parametrize("before", ["0" * 40, "1234567" * 5 + "89abc"])
def test_main_without_a_known_previous_commit_is_refused(
    history: dict[str, Any], before: str
) -> None:
    code, log, found = release_point(history, "refs/heads/main", before)
    assert code != 0
    assert "is not in the history" in log
    assert found == {}


VALUES = 'image:\n  tag: "0.1.0"\n\nreplicaCount: 1\n'


@pytest.fixture()
def deployed(tmp_path: Path) -> dict[str, Path]:
    """origin with main holding two services' staging values, and a checkout of it."""
    seed = tmp_path / "seed"
    seed.mkdir()
    git(seed, "init", "-q")
    for service in ("flights", "api"):
        commit_file(seed, f"deploy/helm/{service}/values-staging.yaml", VALUES, service)
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    return {"origin": origin, "work": work, "runner_temp": runner_temp, "tmp": tmp_path}


def hand_off(deployed: dict[str, Path], released: str) -> subprocess.CompletedProcess[str]:
    (deployed["runner_temp"] / "released.txt").write_text(released)
    found = step_running(_job(workflow("release.yml"), "images"), "git push")
    assert found is not None
    return run_step(
        found[1],
        deployed["work"],
        {
            "RELEASE_ENV": "staging",
            "RUNNER_TEMP": str(deployed["runner_temp"]),
            "GITHUB_SHA": "abc1234",
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_REPOSITORY": "acme/flightres",
            "GITHUB_RUN_ID": "42",
        },
    )


def test_the_hand_off_commits_nothing_when_nothing_was_released(deployed: dict[str, Path]) -> None:
    head = git(deployed["origin"], "rev-parse", "main")
    result = hand_off(deployed, "")
    assert result.returncode == 0, result.stderr
    assert "nothing to commit" in result.stdout
    assert git(deployed["origin"], "rev-parse", "main") == head


def test_the_hand_off_pushes_the_values_commit_on_top_of_main(deployed: dict[str, Path]) -> None:
    work = deployed["work"]
    # Meanwhile someone pushed to main: the values commit must be replayed on top.
    other = deployed["tmp"] / "other"
    git(deployed["tmp"], "clone", "-q", str(deployed["origin"]), str(other))
    theirs = commit_file(other, "docs/notes.md", "meanwhile\n", "a change meanwhile")
    git(other, "push", "-q", "origin", "main")
    # What release.py leaves: a values file changed, plus build output that must not be committed.
    values = work / "deploy/helm/flights/values-staging.yaml"
    values.write_text(VALUES.replace("0.1.0", "abc1234"))
    (work / "dist").mkdir()
    (work / "dist" / "flights.pex").write_text("binary")

    result = hand_off(deployed, "flights docker.io/acme/flights:abc1234\n")

    assert result.returncode == 0, result.stdout + result.stderr
    origin = deployed["origin"]
    assert git(origin, "log", "-1", "--format=%s", "main") == "release(staging): flights"
    assert git(origin, "log", "-1", "--format=%an|%cn", "main") == (
        "github-actions[bot]|github-actions[bot]"
    )
    assert git(origin, "rev-parse", "main^") == theirs
    changed = git(origin, "diff-tree", "--no-commit-id", "--name-only", "-r", "main")
    assert changed.splitlines() == ["deploy/helm/flights/values-staging.yaml"]
    assert 'tag: "abc1234"' in git(origin, "show", "main:deploy/helm/flights/values-staging.yaml")
