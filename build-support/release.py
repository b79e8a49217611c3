#!/usr/bin/env python3
"""The changed-only release flow: build, tag and push the images of the services a git range
affects, then point those services' Helm values at the new images (the GitOps hand-off: Argo CD
syncs what the values files say).

    REGISTRY=docker.io/flightres build-support/release.py --env staging origin/main

1. Ask Pants which image targets the changes since BASE affect, through their dependencies
   (`--changed-since=BASE --changed-dependents=transitive`): a change in one service selects
   its image, a change in shared code (chassis) selects all, a docs-only change none. Images
   tagged `dev-only` (the development token issuer) are never released.
2. Build those images with Pants, tagged with the short git sha of HEAD.
3. Tag them as REGISTRY/<service>:<sha> and push them (skipped with --no-push).
4. Rewrite the `image:` block of deploy/helm/<service>/values-<env>.yaml for each --env.
   Committing that change is the caller's job (.github/workflows/release.yml does it).

Prints one line per released service: `<service> <image>`. Exits 0 with nothing to release.
Runs outside Pants (it drives Pants); standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IMAGE_TARGET = re.compile(r"^src/python/(?P<service>[a-z0-9_-]+):image$")
# The tag of images that are never released (BUILD: `tags=["dev-only"]`).
DEV_ONLY = "dev-only"


@dataclass(frozen=True)
class Release:
    service: str
    target: str
    image: str  # REGISTRY/<service>:<sha>


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    registry = (args.registry or os.environ.get("REGISTRY", "")).rstrip("/")
    if not registry:
        print("release: set REGISTRY (e.g. docker.io/flightres) or --registry", file=sys.stderr)
        return 2
    sha = git("rev-parse", "--short", "HEAD")
    targets = affected_images(args.base)
    if not targets:
        print(f"release: no image is affected since {args.base}: nothing to do", file=sys.stderr)
        return 0
    releases = [
        Release(service=service, target=target, image=f"{registry}/{service}:{sha}")
        for target, service in targets
    ]
    build(releases, sha)
    for release in releases:
        run("docker", "tag", built_image_id(release.target), release.image)
        if args.push:
            run("docker", "push", "--quiet", release.image)
        for env in args.env:
            update_values(release, env, registry, sha)
        print(f"{release.service} {release.image}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="git ref the changes are counted from (e.g. origin/main)")
    parser.add_argument("--registry", help="registry and namespace (default: $REGISTRY)")
    parser.add_argument(
        "--env",
        action="append",
        choices=["staging", "production"],
        default=[],
        help="values-<env>.yaml to update; repeatable (default: none)",
    )
    parser.add_argument("--no-push", dest="push", action="store_false", help="build and tag only")
    return parser


def affected_images(base: str) -> list[tuple[str, str]]:
    """(target, service) for each service image the changes since BASE affect."""
    listed = pants(
        f"--changed-since={base}",
        "--changed-dependents=transitive",
        "list",
        "--filter-target-type=docker_image",
        # Development tools with an image but no deployment (src/python/devissuer).
        f"--filter-tag-regex=-^{DEV_ONLY}$",
    )
    found = []
    for line in listed.splitlines():
        match = IMAGE_TARGET.match(line.strip())
        if match:
            found.append((line.strip(), match["service"]))
    return sorted(found)


def build(releases: Sequence[Release], sha: str) -> None:
    # GIT_COMMIT is a build arg (pants.toml): it tags the images and labels their revision.
    env = {**os.environ, "GIT_COMMIT": sha}
    pants("package", *(release.target for release in releases), env=env, capture=False)


def built_image_id(target: str) -> str:
    """The image `./pants package TARGET` just built, from the metadata file Pants writes."""
    path, name = target.split(":")
    info = REPO / "dist" / path.replace("/", ".") / f"{name}.docker-info.json"
    return str(json.loads(info.read_text())["image_id"])


def update_values(release: Release, env: str, registry: str, sha: str) -> None:
    """Replace the top-level `image:` block of values-<env>.yaml, keeping everything else."""
    path = REPO / "deploy" / "helm" / release.service / f"values-{env}.yaml"
    lines = path.read_text().splitlines(keepends=True)
    try:
        start = lines.index("image:\n")
    except ValueError:
        raise SystemExit(f"release: {path} has no top-level 'image:' block") from None
    end = start + 1
    while end < len(lines) and lines[end].startswith((" ", "\t")):
        end += 1
    block = [
        "image:\n",
        f"  repository: {registry}/{release.service}\n",
        f'  tag: "{sha}"\n',
    ]
    path.write_text("".join(lines[:start] + block + lines[end:]))


def pants(*args: str, env: dict[str, str] | None = None, capture: bool = True) -> str:
    return run(str(REPO / "pants"), *args, env=env, capture=capture)


def git(*args: str) -> str:
    return run("git", "-C", str(REPO), *args)


def run(*cmd: str, env: dict[str, str] | None = None, capture: bool = True) -> str:
    # Fixed commands; their arguments come from this script's own command line.
    result = subprocess.run(
        cmd,  # noqa: S603
        cwd=REPO,
        env=env,
        check=False,
        text=True,
        stdout=subprocess.PIPE if capture else sys.stderr,
    )
    if result.returncode != 0:
        raise SystemExit(f"release: `{' '.join(cmd)}` failed with exit code {result.returncode}")
    return result.stdout.strip() if capture else ""


if __name__ == "__main__":
    sys.exit(main())
