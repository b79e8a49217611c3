#!/usr/bin/env bash
# Shows that `--changed-since` selects only what a change affects: for each service, touch one of
# its source files in a throw-away worktree and ask Pants which test targets are affected. No
# test of another service may be selected, except the API layer's end-to-end tests below
# (integration, fuzz), which run the real services and so must rerun when one of them changes.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
services=(flights reservations api web)
end_to_end='^src/python/api/tests/test_(integration|fuzz)\.py$'
work="$(mktemp -d)"
cleanup() { git -C "${repo}" worktree remove --force "${work}/tree" >/dev/null 2>&1 || true; rm -rf "${work}"; }
trap cleanup EXIT

git -C "${repo}" worktree add --quiet --detach "${work}/tree" HEAD
cd "${work}/tree"

checked=0
for svc in "${services[@]}"; do
  src="$(git ls-files "src/python/${svc}/" | grep -E '\.py$' | grep -v '/tests/' | head -n1 || true)"
  [[ -n "${src}" ]] || { echo "skip ${svc}: no sources yet"; continue; }
  echo "# changed" >> "${src}"
  # One pantsd for the four questions: a scheduler start costs ~20 s each on 2 cores. It ends
  # by itself when the worktree (and so its pid file) is removed below.
  selected="$(./pants --pantsd --changed-since=HEAD --changed-dependents=transitive \
    list --filter-target-type=python_test 2>/dev/null)"
  git checkout --quiet -- "${src}"
  echo "change in ${src} selects:"
  sed 's/^/    /' <<<"${selected:-<nothing>}"
  [[ -n "${selected}" ]] || { echo "FAIL: a change in ${svc} selected no tests"; exit 1; }
  for other in "${services[@]}"; do
    [[ "${other}" == "${svc}" ]] && continue
    if grep "^src/python/${other}/" <<<"${selected}" | grep -vqE "${end_to_end}"; then
      echo "FAIL: a change in ${svc} selected ${other}'s tests"; exit 1
    fi
  done
  checked=$((checked + 1))
done
echo "changed-only selection: ${checked} service(s) checked; none selected another service's tests beyond the end-to-end ones"
