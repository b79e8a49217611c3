#!/usr/bin/env bash
# Tests the changed-only release flow (build-support/release.py) for real: in a temporary clone
# of HEAD, commit a change, release it to a Docker registry running on 127.0.0.1 (Debian's
# docker-registry), then check what was pushed and which values files changed:
#
#   a change in reservations only  -> only the reservations image, only its values file
#   a change in the shared chassis -> all four images and values files
#   a change in docs only          -> nothing built, pushed or changed
#
# Needs the Docker engine and BASE_IMAGE (build-support/test-env.sh prints it).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
services=(flights reservations api web)
env=staging

"${repo}/build-support/host-tools.sh" docker-registry
work="$(mktemp -d)"
registry_pid=""
cleanup() {
  [[ -z "${registry_pid}" ]] || kill "${registry_pid}" 2>/dev/null || true
  # Images this test tagged for its registry; the flightres/<service>:<sha> tags go too.
  docker images --format '{{.Repository}}:{{.Tag}}' | grep -E "^127\.0\.0\.1:${port:-0}/" \
    | xargs -r docker rmi >/dev/null 2>&1 || true
  for tag in "${released_tags[@]}"; do
    for svc in "${services[@]}"; do docker rmi "flightres/${svc}:${tag}" >/dev/null 2>&1 || true; done
  done
  rm -rf "${work}"
}
released_tags=()
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# A registry on 127.0.0.1 at a free port, storing into the temporary directory. Docker pushes
# to 127.0.0.0/8 over plain HTTP without any daemon configuration.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"${work}/registry.yml" <<EOF
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: ${work}/registry}
http: {addr: "127.0.0.1:${port}"}
EOF
docker-registry serve "${work}/registry.yml" >"${work}/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:${port}/v2/" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:${port}/v2/" >/dev/null || { cat "${work}/registry.log"; fail "registry did not start"; }
registry="127.0.0.1:${port}/flightres"

git clone --quiet "${repo}" "${work}/clone"
cd "${work}/clone"
git config user.email release-test@localhost
git config user.name "release flow test"

tags_of() { # tags_of SERVICE: the tags the registry holds for it, one per line
  curl -fs "http://127.0.0.1:${port}/v2/flightres/$1/tags/list" 2>/dev/null \
    | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin).get("tags") or []))' 2>/dev/null || true
}

scenario() { # scenario NAME FILE EXPECTED-SERVICE...
  local name="$1" file="$2"; shift 2
  local expected=("$@")
  echo "# ${name}: change ${file}; expect: ${expected[*]:-nothing}"
  echo "# release-flow test" >>"${file}"
  git commit --quiet -am "test: ${name}"
  local sha; sha="$(git rev-parse --short HEAD)"
  released_tags+=("${sha}")
  REGISTRY="${registry}" ./build-support/release.py --env "${env}" HEAD~1 >"${work}/out" \
    || fail "${name}: release.py failed"
  sed 's/^/    released: /' "${work}/out"

  local changed; changed="$(git status --porcelain | awk '{print $2}' | sort)"
  local want_changed=""
  for svc in "${expected[@]}"; do want_changed+="deploy/helm/${svc}/values-${env}.yaml"$'\n'; done
  want_changed="$(sort <<<"${want_changed}" | sed '/^$/d')"
  [[ "${changed}" == "${want_changed}" ]] \
    || fail "${name}: changed files are [${changed//$'\n'/ }], expected [${want_changed//$'\n'/ }]"

  for svc in "${services[@]}"; do
    local want=0
    for e in "${expected[@]}"; do [[ "${e}" == "${svc}" ]] && want=1; done
    if ((want)); then
      tags_of "${svc}" | grep -qx "${sha}" || fail "${name}: ${svc}:${sha} was not pushed"
      grep -qx "  tag: \"${sha}\"" "deploy/helm/${svc}/values-${env}.yaml" \
        || fail "${name}: values-${env}.yaml of ${svc} does not name ${sha}"
      grep -qx "  repository: ${registry}/${svc}" "deploy/helm/${svc}/values-${env}.yaml" \
        || fail "${name}: values-${env}.yaml of ${svc} does not name ${registry}/${svc}"
      # The pushed image is the one built from this commit.
      local revision
      revision="$(docker inspect -f '{{index .Config.Labels "org.opencontainers.image.revision"}}' \
        "${registry}/${svc}:${sha}")"
      [[ "${revision}" == "${sha}" ]] || fail "${name}: ${svc} image labelled ${revision}, not ${sha}"
    elif tags_of "${svc}" | grep -qx "${sha}"; then
      fail "${name}: ${svc} was pushed although it did not change"
    fi
  done
  # The GitOps hand-off: commit the values, as the workflow does, before the next change.
  git add -A deploy/helm && git commit --quiet --allow-empty -m "release ${sha}"
  echo "    ok"
}

scenario "reservations only" src/python/reservations/store.py reservations
scenario "shared chassis" src/python/chassis/__init__.py "${services[@]}"
scenario "docs only" docs/deploy.md
echo "release flow: 3 scenarios passed (registry 127.0.0.1:${port})"
