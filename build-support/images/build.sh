#!/usr/bin/env bash
# Build the project's local images from Debian packages (no container registry is reachable,
# so nothing can be pulled; see README.md next to this script).
#
#   build-support/images/build.sh [--force] [IMAGE...]
#
# IMAGE is any of: debian-base python redis mariadb (default: all, in that order).
# Existing tags are skipped unless --force. When debian-base is (re)built in this run, the
# images listed after it are rebuilt too, so they never sit on a stale base.
#
# Starts a Docker engine first if none answers (../docker-engine.sh). debian-base needs
# root (debootstrap); installs debootstrap from apt if missing.
# Prints one progress line per step (../progress.sh); the output of a failed build is shown and
# kept in a log.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly here
# shellcheck source=build-support/progress.sh
source "${here}/../progress.sh"
readonly SUITE=bookworm
readonly ALL_IMAGES=(debian-base python redis mariadb)
declare -rA TAGS=(
    [debian-base]=flightres/debian-base:bookworm
    [python]=flightres/python:3.11
    [redis]=flightres/redis:7.0
    [mariadb]=flightres/mariadb:10.11
)

log() { printf 'images: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
    # The header comment above, without the '#'.
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit "${1:-0}"
}

force=0
selected=()
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h | --help) usage 0 ;;
        -*) log "unknown option: $arg"; usage 2 ;;
        *)
            [[ -n "${TAGS[$arg]:-}" ]] || die "unknown image '$arg' (known: ${ALL_IMAGES[*]})"
            selected+=("$arg")
            ;;
    esac
done
if ((${#selected[@]} == 0)); then
    selected=("${ALL_IMAGES[@]}")
fi

steps=$((${#selected[@]} + 1))
step "1/${steps}" "Docker engine" "${here}/../docker-engine.sh"
# The engine script manages the default socket; talk to that one.
export DOCKER_HOST=unix:///var/run/docker.sock

# ---------------------------------------------------------------------------------------
# How this machine's apt reaches Debian: the images must use the same mirror and settings.

# Repository URI that the host's apt uses for SUITE (e.g. bookworm-security), or "".
host_repo_uri() {
    # shellcheck disable=SC2016  # $(...) are apt-get's format fields, not shell
    apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null \
        | awk -v suite="$1" '$1 == suite { print $2; exit }'
}
main_mirror="$(host_repo_uri "$SUITE")"
security_mirror="$(host_repo_uri "${SUITE}-security")"
main_mirror="${main_mirror:-http://deb.debian.org/debian/}"
security_mirror="${security_mirror:-http://deb.debian.org/debian-security/}"

# Host apt settings that apt inside the images needs as well. Check-Valid-Until/Check-Date:
# a snapshot mirror serves Release files whose Valid-Until lies in the past.
apt_valid_until="" apt_check_date="" apt_http_proxy="" apt_https_proxy=""
eval "$(apt-config shell apt_valid_until Acquire::Check-Valid-Until apt_check_date Acquire::Check-Date \
    apt_http_proxy Acquire::http::Proxy apt_https_proxy Acquire::https::Proxy)"

# Proxies reach the builds as build args: Docker predefines http_proxy & co. as build args
# that are not recorded in the image history, so credentials in them are not baked in.
http_proxy="${http_proxy:-${HTTP_PROXY:-${apt_http_proxy}}}"
https_proxy="${https_proxy:-${HTTPS_PROXY:-${apt_https_proxy}}}"
no_proxy="${no_proxy:-${NO_PROXY:-}}"
proxy_build_args=()
for var in http_proxy https_proxy no_proxy; do
    if [[ -n "${!var}" ]]; then
        proxy_build_args+=(--build-arg "${var}=${!var}" --build-arg "${var^^}=${!var}")
    fi
done
export http_proxy https_proxy no_proxy # debootstrap's wget honours these

# ---------------------------------------------------------------------------------------

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

image_size() {
    docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1000000 }'
}

rootfs=""
cleanup_rootfs() {
    [[ -n "$rootfs" && -d "$rootfs" ]] || return 0
    # A failed debootstrap can leave proc/sys mounted inside the target: unmount before rm.
    awk -v root="$rootfs" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r \
        | while read -r mnt; do umount -l "$mnt" || true; done
    rm -rf --one-file-system "$rootfs"
}

build_debian_base() {
    local tag="$1"
    [[ "$(id -u)" -eq 0 ]] || die "debian-base needs root for debootstrap (run: sudo $0)"
    if ! command -v debootstrap >/dev/null 2>&1; then
        log "debootstrap not found: installing it"
        # A fresh machine may have empty package lists: update first.
        { apt-get -o DPkg::Lock::Timeout=300 update -qq \
            && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
                --no-install-recommends debootstrap; } >&2 \
            || die "apt-get install debootstrap failed"
    fi

    rootfs="$(mktemp -d /var/tmp/flightres-rootfs.XXXXXX)"
    trap cleanup_rootfs EXIT
    local -a include=()
    [[ "$main_mirror" == https:* ]] && include=(--include=ca-certificates)
    log "debootstrap ${SUITE} from ${main_mirror} (security: ${security_mirror})"
    debootstrap --variant=minbase --components=main "${include[@]}" \
        "$SUITE" "$rootfs" "$main_mirror" >&2 \
        || die "debootstrap failed"

    # apt: the host's mirror for the suite, its updates and security suites.
    rm -f "$rootfs/etc/apt/sources.list"
    cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${main_mirror}
Suites: ${SUITE} ${SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${security_mirror}
Suites: ${SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    {
        echo "// The host's apt settings for its mirror (copied by build-support/images/build.sh)."
        [[ -n "$apt_valid_until" ]] && echo "Acquire::Check-Valid-Until \"${apt_valid_until}\";"
        [[ -n "$apt_check_date" ]] && echo "Acquire::Check-Date \"${apt_check_date}\";"
        true
    } >"$rootfs/etc/apt/apt.conf.d/50mirror"
    # Untested here (this machine's mirror is plain http): an https mirror behind an
    # intercepting proxy needs the host's extra CAs for apt inside the images.
    if [[ "$main_mirror" == https:* ]] && compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
        chroot "$rootfs" update-ca-certificates >&2
    fi

    install -m 0644 "$here/debian-base/apt-container.conf" "$rootfs/etc/apt/apt.conf.d/90container"
    install -m 0644 "$here/debian-base/dpkg-excludes.cfg" "$rootfs/etc/dpkg/dpkg.cfg.d/90container-excludes"
    install -m 0755 "$here/debian-base/policy-rc.d" "$rootfs/usr/sbin/policy-rc.d"

    # debootstrap only knows the release itself: apply the updates/security suites now, in
    # this one layer, through the apt configuration written above (which tests it, too).
    log "applying ${SUITE}-updates and ${SUITE}-security"
    mount -t proc proc "$rootfs/proc"
    { chroot "$rootfs" apt-get update -qq \
        && chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq; } >&2 \
        || die "apt-get update/upgrade inside the new rootfs failed"
    umount "$rootfs/proc"

    # What the dpkg excludes keep out of later layers, and what Docker supplies at run time.
    find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$rootfs"/usr/share/{man,info,lintian}/* "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
        "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"
    find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    : >"$rootfs/etc/machine-id"

    tar --numeric-owner --xattrs -C "$rootfs" -c . \
        | docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' \
            --message "debootstrap --variant=minbase ${SUITE} ${main_mirror}" - "$tag" >&2 \
        || die "docker import failed"
    cleanup_rootfs
    rootfs=""
}

build_dockerfile_image() {
    local name="$1" tag="$2"
    # DOCKER_BUILDKIT=0: CLI 28 would otherwise require the buildx plugin, which docker.io
    # does not ship; the classic builder is enough for these Dockerfiles.
    DOCKER_BUILDKIT=0 docker build --force-rm --tag "$tag" \
        --build-arg "BASE_IMAGE=${TAGS[debian-base]}" "${proxy_build_args[@]}" \
        "$here/$name" >&2 \
        || die "building $tag failed"
}

base_rebuilt=0
number=1
for name in "${selected[@]}"; do
    number=$((number + 1))
    tag="${TAGS[$name]}"
    if image_exists "$tag" && ((force == 0 && base_rebuilt == 0)); then
        echo "[${number}/${steps}] ${tag} ... ok (exists, $(image_size "$tag"))" >&2
        continue
    fi
    if [[ "$name" != debian-base ]] && ! image_exists "${TAGS[debian-base]}"; then
        die "$tag needs ${TAGS[debian-base]}: run $0 debian-base $name"
    fi
    old_id="$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
    if [[ "$name" == debian-base ]]; then
        step "${number}/${steps}" "${tag} (debootstrap)" build_debian_base "$tag"
        base_rebuilt=1
    else
        step "${number}/${steps}" "${tag}" build_dockerfile_image "$name" "$tag"
    fi
    # A rebuild leaves the previous image untagged: remove it unless something still uses it.
    if [[ -n "$old_id" && "$old_id" != "$(docker image inspect --format '{{.Id}}' "$tag")" ]]; then
        docker image rm "$old_id" >/dev/null 2>&1 || true
    fi
done
