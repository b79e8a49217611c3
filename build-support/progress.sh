# shellcheck shell=bash
# Progress lines for the scripts behind `make start`, `make test` and the image build (sourced):
#
#   step 2/5 "Docker engine" build-support/docker-engine.sh
#
# prints "[2/5] Docker engine ... ok (3s)" and nothing more: what the command writes to stderr
# (apt and dpkg, debootstrap, image builds, Pants) goes to a log file, which is deleted when the
# command succeeds and named, after its last lines, when it fails. The command's stdout is its
# result and passes through: env_lines="$(step 3/5 Images build-support/test-env.sh)".
# A step inside another step's command writes its line into that step's log.

step() {
  local counter="$1" title="$2"
  shift 2
  if [[ -n "${FLIGHTRES_STEP_LOG:-}" ]]; then
    echo "[${counter}] ${title}" >&2
    "$@"
    return
  fi
  local log status started=${SECONDS} errexit=${-//[^e]/}
  log="$(mktemp -t flightres-step.XXXXXX)"
  printf '[%s] %s ... ' "${counter}" "${title}" >&2
  # A subshell, so that a failure or an `exit` (die) ends the step rather than its caller; run
  # as a plain command, not under `if` or `||`, where a shell function would lose `set -e`.
  set +e
  # shellcheck disable=SC2094  # the command only appends to the log
  (
    set -e
    export FLIGHTRES_STEP_LOG="${log}"
    "$@"
  ) 2>>"${log}"
  status=$?
  [[ -z "${errexit}" ]] || set -e
  if ((status == 0)); then
    rm -f "${log}"
    echo "ok ($((SECONDS - started))s)" >&2
  else
    echo "FAILED (exit ${status}); the last lines of its output:" >&2
    tail -n 20 "${log}" | sed 's/^/    /' >&2
    echo "    All of it: ${log}" >&2
  fi
  return "${status}"
}
