"""The GitHub Actions workflows in .github/workflows (docs/workflows.md).

Every file must pass check-jsonschema against GitHub's workflow schema, the copy built into its
wheel (`--builtin-schema vendor.github-workflows`): nothing is fetched, and the validation runs
with every proxy pointing at a closed port to prove it. A broken workflow file must be rejected
by the same validation the real files pass.

Then what the project relies on, asserted on the files as they are (the `if:` conditions, the
triggers, the commands): ci tests what changed on pull requests and everything on main; release
builds the changed images on main (staging) and v* tags (production) and commits their Helm
values, and its release-point and hand-off scripts are run for real in throw-away git
repositories; infra plans pull requests and applies v* tags behind each environment's protection,
for exactly the environments in deploy/terraform/environments.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploytest import terraform as tf

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
TERRAFORM = REPO / "deploy" / "terraform"
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
EVERYTHING = {"make test", "./pants lint check ::"}

Workflow = dict[str, Any]
Job = dict[str, Any]
Step = dict[str, Any]


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


# --- what the workflows do -----------------------------------------------------------------


def workflow(name: str) -> Workflow:
    doc: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    # PyYAML follows YAML 1.1, where the key `on` is the boolean true; GitHub reads "on".
    doc["on"] = doc.pop(True)
    return doc


def steps(job: Job) -> list[Step]:
    return list(job["steps"])


def script_lines(job: Job) -> list[str]:
    return [line.strip() for step in steps(job) for line in step.get("run", "").splitlines()]


def uses(job: Job, action: str) -> list[Step]:
    """The steps of JOB that use ACTION (owner/repo, any version)."""
    return [step for step in steps(job) if step.get("uses", "").split("@")[0] == action]


def step_with_id(job: Job, step_id: str) -> Step:
    (step,) = (step for step in steps(job) if step.get("id") == step_id)
    return step


def step_running(job: Job, command: str) -> Step:
    """The first step of JOB whose script contains COMMAND."""
    return next(step for step in steps(job) if command in step.get("run", ""))


@pytest.mark.parametrize("name", ["ci.yml", "infra.yml", "release.yml"])
def test_jobs_time_out_actions_are_pinned_and_scripts_hold_no_expressions(name: str) -> None:
    for job_name, job in workflow(name)["jobs"].items():
        assert "timeout-minutes" in job, job_name
        for step in steps(job):
            if "uses" in step:
                assert PINNED.match(step["uses"]), f"{job_name}: {step['uses']} is not @vN"
            # Expressions are spliced into the script before the shell sees it: values go
            # through env instead.
            assert "${{" not in step.get("run", ""), f"{job_name}: {step}"


@pytest.mark.parametrize(
    ("name", "job_name"), [("ci.yml", "changed"), ("ci.yml", "full"), ("release.yml", "images")]
)
def test_pants_jobs_restore_the_caches_and_set_up_both_pythons(name: str, job_name: str) -> None:
    job = workflow(name)["jobs"][job_name]
    (cache,) = uses(job, "actions/cache")
    assert set(cache["with"]["path"].split()) >= PANTS_CACHES
    assert CACHE_KEY_FILES in cache["with"]["key"]
    # Python 3.9 for Pants, then 3.11 (the code) so that it is the default python3.
    pythons = [step["with"]["python-version"] for step in uses(job, "actions/setup-python")]
    assert pythons == ["3.9", "3.11"]
    first_run = next(i for i, step in enumerate(steps(job)) if "run" in step)
    assert steps(job).index(cache) < first_run, "the caches are restored after a script ran"


def test_ci_tests_what_changed_on_pull_requests_and_everything_on_main() -> None:
    ci = workflow("ci.yml")
    assert ci["on"] == {"pull_request": {"branches": ["main"]}, "push": {"branches": ["main"]}}
    assert set(ci["jobs"]) == {"changed", "full"}
    changed, full = ci["jobs"]["changed"], ci["jobs"]["full"]

    assert changed["if"] == "github.event_name == 'pull_request'"
    assert CHANGED_ONLY in script_lines(changed)
    assert not EVERYTHING & set(script_lines(changed))
    # The whole history, so that origin/main exists to compare with.
    assert uses(changed, "actions/checkout")[0]["with"]["fetch-depth"] == 0

    assert full["if"] == "github.event_name == 'push'"
    assert set(script_lines(full)) >= EVERYTHING


def test_release_runs_on_main_and_v_tags_one_at_a_time() -> None:
    release = workflow("release.yml")
    assert release["on"] == {"push": {"branches": ["main"], "tags": ["v*"]}}
    assert release["concurrency"] == {"group": "release", "cancel-in-progress": False}
    images = release["jobs"]["images"]
    assert "if" not in images  # main (staging) and v* tags (production) alike
    # The previous release point must be in the checkout, and the values commit pushed.
    assert uses(images, "actions/checkout")[0]["with"]["fetch-depth"] == 0
    assert images["permissions"] == {"contents": "write"}


def test_release_pushes_the_changed_images_and_commits_their_values() -> None:
    images = workflow("release.yml")["jobs"]["images"]
    (login,) = uses(images, "docker/login-action")
    assert login["with"] == {
        "username": "${{ secrets.DOCKER_USERNAME }}",
        "password": "${{ secrets.DOCKER_PASSWORD }}",
    }
    point = step_with_id(images, "point")
    assert point["env"]["BEFORE"] == "${{ github.event.before }}"
    release = step_with_id(images, "release")
    assert 'build-support/release.py --env "${RELEASE_ENV}" "${BASE}"' in release["run"]
    assert release["env"]["REGISTRY"] == "docker.io/${{ vars.DOCKER_NAMESPACE }}"
    hand_off = step_running(images, "git push")
    assert "git add -- 'deploy/helm/*/values-*.yaml'" in hand_off["run"]
    assert "git diff --cached --quiet" in hand_off["run"]
    order = [steps(images).index(step) for step in (login, point, release, hand_off)]
    assert order == sorted(order)


def test_pacts_are_published_from_main_when_a_broker_is_configured() -> None:
    pacts = workflow("release.yml")["jobs"]["pacts"]
    assert pacts["if"] == "github.ref == 'refs/heads/main'"
    # Secrets cannot appear in `if:`; their values in env can.
    assert pacts["env"]["PACT_BROKER_BASE_URL"] == "${{ secrets.PACT_BROKER_BASE_URL }}"
    assert step_running(pacts, "contracts/publish.sh")["if"] == "env.PACT_BROKER_BASE_URL != ''"


def terraform_lines(job: Job) -> list[str]:
    return [line for line in script_lines(job) if line.startswith("terraform ")]


def test_infra_plans_pull_requests_and_applies_v_tags_behind_the_environment() -> None:
    infra = workflow("infra.yml")
    assert "deploy/terraform/**" in infra["on"]["pull_request"]["paths"]
    assert infra["on"]["push"] == {"tags": ["v*"]}
    assert infra["permissions"]["id-token"] == "write", "the OIDC role cannot be assumed"
    assert set(infra["jobs"]) == {"plan", "apply"}
    plan, apply = infra["jobs"]["plan"], infra["jobs"]["apply"]
    # The one root configuration with the environment's state and values.
    init = (
        'terraform init -backend-config="environments/${ENVIRONMENT}.s3.tfbackend"'
        ' -backend-config="bucket=${TF_STATE_BUCKET}"'
    )
    plan_out = (
        'terraform plan -var-file="environments/${ENVIRONMENT}.tfvars"'
        " -lock-timeout=10m -out=tfplan"
    )

    assert plan["if"] == "github.event_name == 'pull_request'"
    # Unprotected, with a read-only role: a pull request's code never gets the role that applies.
    assert plan["environment"] == {"name": "${{ matrix.environment }}-plan"}
    assert terraform_lines(plan) == [
        "terraform fmt -check -recursive -diff",
        init,
        "terraform validate",
        plan_out,
    ]

    assert apply["if"] == "github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')"
    # Protected: required reviewers approve before the job gets the environment's apply role.
    assert apply["environment"] == {"name": "${{ matrix.environment }}"}
    assert terraform_lines(apply) == [
        init,
        "terraform validate",
        plan_out,
        "terraform apply -lock-timeout=10m tfplan",
    ]
    # In matrix order, one at a time: a failed sandbox apply stops the later ones.
    assert apply["strategy"]["max-parallel"] == 1
    assert apply["strategy"]["fail-fast"] is True

    for job in (plan, apply):
        assert job["strategy"]["matrix"]["environment"] == list(tf.environments(TERRAFORM))
        assert job["env"]["ENVIRONMENT"] == "${{ matrix.environment }}"
        assert job["defaults"]["run"]["working-directory"] == "deploy/terraform"
        assert uses(job, "hashicorp/setup-terraform")
        (aws,) = uses(job, "aws-actions/configure-aws-credentials")
        assert aws["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"


def test_infra_gives_terraform_every_variable_without_a_default() -> None:
    """What an environment's .tfvars does not set comes from the job's TF_VAR_ variables, and
    every TF_VAR_ a job sets is a variable Terraform declares (none left over from a removed
    one, such as a password that now lives in Secrets Manager)."""
    declared = tf.variables_of(TERRAFORM, tf.parse_dir(TERRAFORM))
    required = {name for name, variable in declared.items() if "default" not in variable}
    for job in workflow("infra.yml")["jobs"].values():
        given = {name.removeprefix("TF_VAR_") for name in job["env"] if name.startswith("TF_VAR_")}
        assert given <= set(declared), given - set(declared)
        for values in tf.environments(TERRAFORM).values():
            assert required - given - set(tf.settings(values)) == set(), values.name


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
    step = step_with_id(workflow("release.yml")["jobs"]["images"], "point")
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
    return run_step(
        step_running(workflow("release.yml")["jobs"]["images"], "git push"),
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
