#!/usr/bin/env bash
# Makes the base images the examples and tests name available on this engine:
#   public names (debian:bookworm-slim, python:3.11-slim, postgres:15-bookworm, redis:7-bookworm)
#     pulled where a registry answers, otherwise built here from Debian's packages;
#   cs-hardening/busybox-tini:local, a tiny test base (static busybox + tini), always built here.
# Each stand-in carries the hash of its recipe in a label; an image whose recipe changed is rebuilt,
# an unchanged one is kept, so a second run only inspects.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
recipes=$here/base-images
log() { printf '[base-images] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
RECIPE_LABEL=org.cs-hardening.recipe
CACHE=/var/cache/cs-hardening

mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

# The hash of what builds an image: its Dockerfile directory, or the shell function that makes it.
recipe_hash() { cat "$@" | sha256sum | cut -c1-16; }
current_hash() { docker image inspect --format "{{index .Config.Labels \"$RECIPE_LABEL\"}}" "$1" 2>/dev/null || true; }

# True when the image is present and either came from a registry (no recipe label) or was built
# from the current recipe.
up_to_date() {
  local image=$1 want=$2 have
  docker image inspect "$image" >/dev/null 2>&1 || return 1
  have=$(current_hash "$image")
  [ -z "$have" ] || [ "$have" = "$want" ]
}

# apt's package lists: a fresh machine (or one where docker.io was preinstalled) may have none.
apt_ready() {
  if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
    log "fetching apt package lists"
    apt-get update -qq
  fi
}

try_pull() { timeout 300 docker pull -q "$1" >/dev/null 2>&1; }

# Debian packages unpacked into a root directory, without running their maintainer scripts:
# enough for static binaries.
unpack_debs() {
  local root=$1; shift
  local tmp; tmp=$(mktemp -d)
  apt_ready
  (cd "$tmp" && apt-get -o APT::Sandbox::User=root download -qq "$@")
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$root"; done
  rm -rf "$tmp"
}

build_busybox_tini() {
  local image=cs-hardening/busybox-tini:local hash
  hash=$(declare -f build_busybox_tini unpack_debs | recipe_hash)
  up_to_date "$image" "$hash" && return
  log "building $image (static busybox + tini)"
  local root; root=$(mktemp -d)
  unpack_debs "$root" busybox-static tini
  mkdir -p "$root/bin" "$root/sbin" "$root/etc" "$root/tmp" "$root/root" "$root/home"
  chmod 1777 "$root/tmp"
  # Debian puts busybox-static at /bin/busybox; link every applet next to it. adduser is not
  # among the applets, so users are written to /etc/passwd and /etc/group directly.
  for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  ln -sf /usr/bin/tini-static "$root/sbin/tini"
  rm -f "$root/usr/bin/tini"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  rm -rf "$root/usr/share"
  chmod 755 "$root" # mktemp made it 0700; the image's / must be traversable by every user
  tar -C "$root" -c . | docker import \
    --change "LABEL $RECIPE_LABEL=$hash" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/sh"]' - "$image" >/dev/null
  rm -rf "$root"
}

ensure_debian() {
  local image=debian:bookworm-slim hash
  hash=$(declare -f ensure_debian import_debian | recipe_hash)
  up_to_date "$image" "$hash" && return
  try_pull "$image" && { log "pulled $image"; return; }
  # The root file system is kept between engines (each engine has its own image store): the
  # second and third engine import it in seconds instead of running debootstrap again.
  local cached=$CACHE/debian-bookworm-$hash.tar
  if [ -f "$cached" ]; then
    log "importing $image from $cached"
    import_debian "$cached" "$image" "$hash"
    return
  fi
  command -v debootstrap >/dev/null || {
    log "installing debootstrap"; apt_ready; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  log "building $image with debootstrap (minbase, $mirror)"
  local root; root=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$root" "$mirror" >/tmp/cs-debootstrap.log 2>&1 \
    || { tail -20 /tmp/cs-debootstrap.log >&2; die "debootstrap failed"; }
  # As in the official slim image: apt drops downloaded packages after installing them, dpkg
  # skips documentation, and no package lists or caches ship.
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'CONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'CONF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CONF
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/*
  chmod 755 "$root"
  mkdir -p "$CACHE"
  tar -C "$root" -cf "$cached.partial" . && mv "$cached.partial" "$cached"
  rm -rf "$root"
  import_debian "$cached" "$image" "$hash"
}

import_debian() {
  docker import \
    --change "LABEL $RECIPE_LABEL=$3" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' "$1" "$2" >/dev/null
}

# A stand-in described by a Dockerfile in scripts/base-images/<dir>.
ensure_from_recipe() {
  local image=$1 dir=$recipes/$2 hash
  # The base's recipe is part of the recipe: a rebuilt debian:bookworm-slim rebuilds its
  # dependents. (Its recipe label, not its id: ids differ between image stores.)
  hash=$( (cat "$dir"/*; current_hash debian:bookworm-slim) | recipe_hash)
  up_to_date "$image" "$hash" && return
  try_pull "$image" && { log "pulled $image"; return; }
  log "building $image from $dir"
  local log; log=$(mktemp)
  if ! docker build --progress=plain --label "$RECIPE_LABEL=$hash" -t "$image" "$dir" >"$log" 2>&1; then
    tail -25 "$log" >&2
    die "building $image failed (full log: $log)"
  fi
  rm -f "$log"
}

started=$(date +%s)
build_busybox_tini
ensure_debian
ensure_from_recipe python:3.11-slim python &
ensure_from_recipe postgres:15-bookworm postgres &
ensure_from_recipe redis:7-bookworm redis &
for job in $(jobs -p); do wait "$job" || die "a base image failed to build"; done
log "base images ready in $(( $(date +%s) - started )) s"
