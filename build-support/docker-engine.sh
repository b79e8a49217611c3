#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine; start one if not.
#
# Idempotent: when `docker info` already works this prints one line and exits 0.
# Otherwise it installs Debian's docker.io if dockerd is missing, starts dockerd
# in the background (these machines have no systemd) and waits until it answers.
#
#   Socket:  /var/run/docker.sock (the default, so no DOCKER_HOST is needed)
#   Log:     /var/log/flightres-dockerd.log
#   Storage: overlay2, falling back to vfs when overlay2 does not work here
#   Ports:   published ports bind to 127.0.0.1 unless a run names another
#            address (--ip=127.0.0.1): nothing a test starts is reachable from
#            outside this machine.
#
# CLI/engine versions: /usr/local/bin/docker (CLI 28.x, API 1.50) comes first in
# PATH and negotiates down to the API 1.41 of Debian's engine 20.10, so both it
# and /usr/bin/docker (from docker.io) work. The version check below fails
# loudly if a future CLI stops negotiating that far down.
#
# Environment:
#   DOCKERD_WAIT_SECONDS   how long to wait for the engine (default 30)
set -euo pipefail

readonly SOCKET=/var/run/docker.sock
readonly LOG=/var/log/flightres-dockerd.log
readonly LOCK=/var/lock/flightres-docker-engine.lock
readonly WAIT_SECONDS="${DOCKERD_WAIT_SECONDS:-30}"

log() { printf 'docker-engine: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Talk to the default socket even if the caller's DOCKER_HOST points elsewhere:
# this script manages exactly that engine.
docker_cli() { DOCKER_HOST="unix://${SOCKET}" docker "$@"; }

engine_answers() { docker_cli info >/dev/null 2>&1; }

report_ready() {
    local server_version cli_version
    server_version="$(docker_cli version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || true)"
    cli_version="$(docker_cli version --format '{{.Client.Version}}' 2>/dev/null || true)"
    [[ -n "$server_version" ]] \
        || die "the engine answers 'docker info' but '$(command -v docker) version' cannot read its version; try /usr/bin/docker (the CLI from docker.io)"
    log "engine ${server_version} ready on unix://${SOCKET} (CLI $(command -v docker) ${cli_version})"
}

if [[ -n "${DOCKER_HOST:-}" && "${DOCKER_HOST}" != "unix://${SOCKET}" ]]; then
    log "note: DOCKER_HOST=${DOCKER_HOST} is set; this script manages unix://${SOCKET} only"
fi

if command -v docker >/dev/null 2>&1 && engine_answers; then
    report_ready
    exit 0
fi

[[ "$(id -u)" -eq 0 ]] || die "no Docker engine answers on ${SOCKET} and starting one needs root (run: sudo $0)"

# Serialise concurrent callers (several builds/tests may call this at once):
# only one may install or start dockerd.
exec 9>"$LOCK"
flock -w 300 9 || die "timed out waiting for ${LOCK} (another $0 is stuck?)"

# Another caller may have started the engine while we waited for the lock.
if command -v docker >/dev/null 2>&1 && engine_answers; then
    report_ready
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    log "dockerd or docker not found: installing Debian's docker.io"
    export DEBIAN_FRONTEND=noninteractive
    # DPkg::Lock::Timeout: wait for another apt run instead of failing at once.
    apt-get -o DPkg::Lock::Timeout=300 update -qq \
        || die "apt-get update failed (is the Debian mirror reachable?)"
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends docker.io >/dev/null \
        || die "apt-get install docker.io failed"
    command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd is still not in PATH"
fi

# A dockerd that is still coming up (e.g. started by a caller that gave up on the
# lock) gets the same grace period instead of a second dockerd next to it.
if pgrep -x dockerd >/dev/null 2>&1; then
    log "a dockerd process exists but does not answer yet; waiting for it"
    for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
        engine_answers && { report_ready; exit 0; }
        sleep 0.25
    done
    die "dockerd (pid $(pgrep -x dockerd | tr '\n' ' ')) runs but does not answer on ${SOCKET}; see ${LOG}"
fi

# Start dockerd with the given storage driver; return 0 once it answers,
# 1 if it exits or does not answer within WAIT_SECONDS.
start_dockerd() {
    local driver="$1" pid i
    log "starting dockerd (storage driver ${driver}), log ${LOG}"
    printf '\n==== %s: dockerd --storage-driver %s ====\n' "$(date -Is)" "$driver" >>"$LOG"
    # setsid + nohup: the engine must outlive this script and its terminal.
    setsid nohup dockerd \
        --host "unix://${SOCKET}" \
        --storage-driver "$driver" \
        --ip 127.0.0.1 \
        >>"$LOG" 2>&1 </dev/null &
    pid=$!
    for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
        if engine_answers; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            log "dockerd (${driver}) exited during start-up"
            return 1
        fi
        sleep 0.25
    done
    log "dockerd (${driver}) did not answer within ${WAIT_SECONDS}s; stopping it (pid ${pid})"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 1
}

if start_dockerd overlay2 || start_dockerd vfs; then
    report_ready
    exit 0
fi

log "last lines of ${LOG}:"
tail -n 20 "$LOG" >&2 || true
die "could not start a Docker engine (tried overlay2 and vfs)"
