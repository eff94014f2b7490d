#!/usr/bin/env bash
# Brings up a real Docker engine with the buildx and compose plugins on a Debian machine, as
# root, and builds the local stand-ins for the public base images the examples and tests use.
# Idempotent: each step first checks whether it is already done, so a second run takes ~1 s.
#
#   scripts/setup-engine.sh [--engine] [ENGINE]
#
#   ENGINE (or CS_ENGINE=…), one of the engines users run:
#     modern-containerd  Docker 28.5 + containerd 2.1 with the containerd image store — what a
#                        fresh install of Docker 29 uses (the default)
#     modern             the same engine on the overlay2 image store (Docker 28 as most have it)
#     bookworm           Debian bookworm's Docker Engine 20.10 (API 1.41), buildx 0.13, compose 2.26
#   --engine             engine and plugins only, no base images
#
# CS_PLATFORMS=linux/arm64[,…] also makes other platforms buildable and runnable here: QEMU's
# user-mode emulators registered with the kernel (binfmt_misc, fix-binary flag, so they work
# inside containers), the engine pulling through the local registry as its docker.io mirror, and
# the base images published there as multi-platform indexes (scripts/build-base-images.sh), so
# `FROM python:3.11-slim` resolves per platform as it does against Docker Hub.
#
# Without ENGINE, an engine that already answers (a runner's own, DOCKER_HOST, one started
# earlier) is used as it is; only where none answers is the default one installed and started.
# With ENGINE, that engine is made the one answering on /var/run/docker.sock: another engine of
# this script's is stopped first (each keeps its own data root, so switching back is quick); an
# engine this script did not start is never stopped.
#
# Why stand-ins: these machines reach no container registry, so `FROM python:3.11-slim` cannot
# pull. We build images with the same public names from Debian's packages instead; the examples
# then build unchanged here and on GitHub's runners (where the real images are pulled).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf '[setup-engine] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

ENGINES="modern-containerd modern bookworm"
DEFAULT_ENGINE=modern-containerd
OPT=/opt/cs-engines            # unpacked engines and plugins
STATE=/var/lib/cs-engines      # one data root per engine
RUN=/var/run/cs-engines        # exec roots, pid files, the active engine's description
SOCKET=/var/run/docker.sock

only_engine=false
wanted=${CS_ENGINE:-}
PLATFORMS=${CS_PLATFORMS:-}
REGISTRY=127.0.0.1:5000
for arg in "$@"; do
  case "$arg" in
    --engine) only_engine=true ;;
    -h|--help) sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) wanted=$arg ;;
  esac
done
if [ -n "$wanted" ] && ! [[ " $ENGINES " == *" $wanted "* ]]; then
  die "unknown engine '$wanted'; choose one of: $ENGINES"
fi

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }
answering_root() { timeout 10 docker info --format '{{.DockerRootDir}}' 2>/dev/null || true; }
describe() { timeout 10 docker info --format '{{.ServerVersion}}, {{.Driver}}{{range .DriverStatus}}{{if eq (index . 0) "driver-type"}} ({{index . 1}}){{end}}{{end}}' 2>/dev/null || true; }

mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

# Packages of another Debian release, downloaded with a throwaway apt configuration (the
# machine's own sources stay untouched) and unpacked — not installed — into a directory: forky's
# packages would pull a newer libc if installed; unpacked, their binaries run on bookworm's.
unpack_release() {
  local release=$1 into=$2; shift 2
  local tmp; tmp=$(mktemp -d)
  mkdir -p "$tmp/lists/partial" "$tmp/archives/partial" "$tmp/debs" "$into"
  echo "deb $mirror $release main" >"$tmp/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o "Dir::Etc::SourceParts=-"
              -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache::Archives=$tmp/archives"
              -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root")
  apt-get "${opts[@]}" update -qq
  (cd "$tmp/debs" && apt-get "${opts[@]}" download -qq "$@")
  for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$into"; done
  rm -rf "$tmp"
}

# Debian bookworm packages the engines need from the machine's own release.
apt_install() {
  local missing=()
  for package in "$@"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
  [ ${#missing[@]} -eq 0 ] && return
  [ "$(id -u)" = 0 ] || die "installing ${missing[*]} needs root"
  log "installing ${missing[*]} (Debian bookworm)"
  export DEBIAN_FRONTEND=noninteractive
  # Package scripts must not start a daemon of their own on the default socket: this script
  # decides which engine runs (exit 101 = "action forbidden" for invoke-rc.d).
  local policy=/usr/sbin/policy-rc.d added=false
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; added=true; fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  $added && rm -f "$policy"
  return 0
}

# The binaries of each engine: dockerd, the directory to put first on PATH (its containerd,
# shim and docker-init), and its buildx/compose plugins.
install_engine() {
  local engine=$1
  case "$engine" in
    bookworm)
      apt_install docker.io iptables ca-certificates
      if [ ! -x "$OPT/bookworm-plugins/usr/libexec/docker/cli-plugins/docker-buildx" ]; then
        log "fetching buildx 0.13 and compose 2.26 (Debian trixie's packages) for Engine 20.10"
        unpack_release trixie "$OPT/bookworm-plugins" docker-buildx docker-compose
      fi
      ;;
    modern|modern-containerd)
      # runc stays bookworm's (forky's needs glibc 2.38); tini backs `docker run --init`.
      apt_install runc iptables tini ca-certificates
      if [ ! -x "$OPT/modern/usr/sbin/dockerd" ]; then
        log "fetching Docker 28.5, containerd 2.1, buildx 0.29 and compose 2.40 (Debian forky's packages)"
        unpack_release forky "$OPT/modern" docker.io docker-cli containerd docker-buildx docker-compose
        ln -sf /usr/bin/tini-static "$OPT/modern/usr/bin/tini-static"
      fi
      ;;
  esac
}

dockerd_of() { [ "$1" = bookworm ] && echo /usr/sbin/dockerd || echo "$OPT/modern/usr/sbin/dockerd"; }
path_of() { [ "$1" = bookworm ] && echo "$PATH" || echo "$OPT/modern/usr/bin:$OPT/modern/usr/sbin:$PATH"; }
plugins_of() { [ "$1" = bookworm ] && echo "$OPT/bookworm-plugins/usr/libexec/docker/cli-plugins" || echo "$OPT/modern/usr/libexec/docker/cli-plugins"; }

# The CLI looks in ~/.docker/cli-plugins first: the active engine's plugins are linked there.
# A plugin the user put there themselves is left alone.
link_plugins() {
  local dir; dir=$(plugins_of "$1")
  mkdir -p "$HOME/.docker/cli-plugins"
  for plugin in docker-buildx docker-compose; do
    local link="$HOME/.docker/cli-plugins/$plugin"
    if [ -e "$link" ] && [ ! -L "$link" ]; then log "keeping your own $link"; continue; fi
    ln -sfn "$dir/$plugin" "$link"
  done
}

stop_engine() {
  local pidfile=$RUN/$1.pid pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping the $1 engine (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true # it may have gone since
    for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && { log "the $1 engine did not stop; killing it"; kill -KILL "$pid"; sleep 1; }
  fi
  rm -f "$pidfile"
  stop_managed_containerd "$1"
}

# dockerd starts its own containerd and stops it when it stops itself; one killed (or cut off with
# the machine) leaves it running with the engine's metadata database locked, and the next dockerd's
# containerd then waits on that lock until it gives up ("timeout" opening boltdb). So it is stopped
# here too, found by its config path, which is the engine's own.
stop_managed_containerd() {
  local pattern="containerd --config $RUN/$1/containerd/" pids
  pids=$(pgrep -f "$pattern" || true)
  [ -n "$pids" ] || return 0
  log "stopping the $1 engine's leftover containerd ($pids)"
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 1 40); do pgrep -f "$pattern" >/dev/null || return 0; sleep 0.25; done
  pkill -KILL -f "$pattern" || true
  sleep 1
}

start_engine() {
  local engine=$1
  mkdir -p "$STATE/$engine" "$RUN/$engine"
  local config=$RUN/$engine.json
  # Never /etc/docker/daemon.json: each engine is exactly as described.
  engine_config "$engine" >"$config"
  # A daemon that was killed leaves its pid file behind; a new one then refuses to start.
  [ -f "$RUN/$engine.pid" ] && ! kill -0 "$(cat "$RUN/$engine.pid")" 2>/dev/null && rm -f "$RUN/$engine.pid"
  local logfile=/var/log/cs-dockerd-$engine.log attempt
  stop_managed_containerd "$engine"
  # Twice at most: a first start that waits on a lock (a containerd that was still going away)
  # is stopped and started again once, with what it logged kept beside the log.
  for attempt in 1 2; do
    log "starting the $engine engine (log: $logfile)"
    PATH=$(path_of "$engine") nohup "$(dockerd_of "$engine")" \
      --data-root "$STATE/$engine" --exec-root "$RUN/$engine" --pidfile "$RUN/$engine.pid" \
      --config-file "$config" --host "unix://$SOCKET" >"$logfile" 2>&1 &
    local started=$!
    for _ in $(seq 1 120); do engine_answers && return; sleep 0.25; done
    tail -20 "$logfile" >&2 || true
    [ "$attempt" = 2 ] && break
    log "the $engine engine did not answer within 30 s; stopping it and starting it once more"
    cp "$logfile" "$logfile.first-attempt"
    # By the pid it was started with: a dockerd stuck this early may not have written its pid file.
    echo "$started" >"$RUN/$engine.pid"
    stop_engine "$engine"
  done
  echo "$started" >"$RUN/$engine.pid"
  stop_engine "$engine" # nothing left running that answers nobody
  die "the $engine engine did not answer within 30 s, twice (logs: $logfile, $logfile.first-attempt)"
}

# The daemon configuration of an engine: the containerd image store where it is that engine; the
# local registry as docker.io's mirror where other platforms are wanted (the engine asks it first
# and falls back to docker.io, so names it does not hold behave as before).
engine_config() {
  local settings=()
  [ "$1" = modern-containerd ] && settings+=('"features": {"containerd-snapshotter": true}')
  [ -n "$PLATFORMS" ] && settings+=("\"registry-mirrors\": [\"http://$REGISTRY\"]")
  local IFS=,
  echo "{${settings[*]}}"
}

# What the tests and tools need to know about the engine this script runs: its name, dockerd
# and PATH (a disposable second engine of the same kind is started from them).
record_active() {
  local engine=$1
  mkdir -p "$RUN"
  { echo "CS_ENGINE=$engine"; echo "CS_DOCKERD=$(dockerd_of "$engine")"; echo "CS_ENGINE_PATH=$(path_of "$engine")"
    echo "CS_DAEMON_CONFIG=$RUN/$engine.json"; } >"$RUN/active.env"
}

ensure_engine() {
  if engine_answers; then
    local root; root=$(answering_root)
    # One of ours answers and none is named: that one is wanted, so a changed configuration (the
    # registry mirror CS_PLATFORMS needs) restarts it below.
    if [ -z "$wanted" ] && [[ "$root" == "$STATE"/* ]] && [[ " $ENGINES " == *" $(basename "$root") "* ]]; then
      wanted=$(basename "$root")
    fi
    if [ -z "$wanted" ]; then
      log "engine answers: $(describe)"
      [ -n "$PLATFORMS" ] && ! docker info --format '{{json .RegistryConfig.Mirrors}}' 2>/dev/null | grep -q "$REGISTRY" \
        && log "note: this engine has no registry mirror at $REGISTRY, so FROM resolves other platforms only from docker.io"
      return 0
    fi
    if [ "$root" = "$STATE/$wanted" ] && [ "$(engine_config "$wanted")" = "$(cat "$RUN/$wanted.json" 2>/dev/null)" ]; then
      log "engine answers: $wanted, $(describe)"; link_plugins "$wanted"; record_active "$wanted"; return
    fi
    # Our own engine with another configuration (CS_PLATFORMS changed): restarted with this one.
    [ "$root" = "$STATE/$wanted" ] && log "restarting the $wanted engine: its configuration changed (CS_PLATFORMS)"
    case "$root" in
      "$STATE"/*) stop_engine "$(basename "$root")" ;;
      *) die "an engine this script did not start answers ($(describe), data root $root); stop it to switch to '$wanted', or unset CS_ENGINE to test on it" ;;
    esac
  fi
  [ -n "${DOCKER_HOST:-}" ] && die "DOCKER_HOST=$DOCKER_HOST is set but does not answer; start that engine or unset DOCKER_HOST"
  [ "$(id -u)" = 0 ] || die "no engine answers and installing one needs root"
  local engine=${wanted:-$DEFAULT_ENGINE}
  install_engine "$engine"
  link_plugins "$engine"
  start_engine "$engine"
  record_active "$engine"
  log "engine is up: $engine, $(describe)"
}

ensure_plugins() {
  for subcommand in buildx compose; do
    docker "$subcommand" version >/dev/null 2>&1 || die "the docker $subcommand plugin is missing: install it (Docker's docker-$subcommand-plugin package) or run this script as root with CS_ENGINE set"
  done
}

# A registry on this machine (Debian's docker-registry, distribution 2.8) for the release-gate
# tests (push the proven image, pull it back) and the other platforms' base images. Plain HTTP on
# 127.0.0.1, which every engine trusts.
registry_answers() { curl -fsS -o /dev/null "http://$REGISTRY/v2/" 2>/dev/null; }
ensure_registry() {
  registry_answers && return
  [ "$(id -u)" = 0 ] || { log "no registry at $REGISTRY (the release-gate tests need one; run this as root)"; return; }
  apt_install docker-registry curl
  mkdir -p "$RUN" /var/lib/cs-registry
  cat >"$RUN/registry.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/cs-registry
  delete:
    enabled: true
http:
  addr: $REGISTRY
YAML
  log "starting a registry at $REGISTRY (log: /var/log/cs-registry.log)"
  nohup /usr/bin/docker-registry serve "$RUN/registry.yml" >/var/log/cs-registry.log 2>&1 &
  for _ in $(seq 1 40); do registry_answers && return; sleep 0.25; done
  tail -5 /var/log/cs-registry.log >&2 || true
  die "the registry did not answer at $REGISTRY"
}

# The readers of the reports other CI systems take, for the tests that prove they read ours:
# junitparser (what GitLab- and Jenkins-style JUnit consumers parse) and xmllint.
ensure_report_readers() {
  /usr/bin/python3 -c 'import junitparser' 2>/dev/null && command -v xmllint >/dev/null && return
  [ "$(id -u)" = 0 ] || { log "python3-junitparser and xmllint missing (the report tests need them; run this as root)"; return; }
  apt_install python3-junitparser libxml2-utils
}

# cosign, for the release workflow's attest step and signature verification: Debian forky's
# (3.x, a static Go binary), unpacked beside the engines and linked onto the PATH. A cosign the
# runner already has (sigstore/cosign-installer) is used as it is.
ensure_cosign() {
  command -v cosign >/dev/null && return
  [ "$(id -u)" = 0 ] || { log "cosign missing (the release-workflow tests need it; run this as root)"; return; }
  if [ ! -x "$OPT/tools/usr/bin/cosign" ]; then
    log "fetching cosign 3 (Debian forky's package)"
    unpack_release forky "$OPT/tools" cosign
  fi
  ln -sf "$OPT/tools/usr/bin/cosign" /usr/local/bin/cosign
}

# --- Other platforms under emulation ------------------------------------------------------------
# Debian's qemu-user-static registers its handlers through binfmt-support with the fix-binary flag
# (F): the kernel opens the emulator when the handler is registered, so a container whose root has
# no emulator still runs arm64 binaries. binfmt_misc is mounted first where it is not (containers).
host_arch() { case $(uname -m) in x86_64) echo amd64 ;; aarch64) echo arm64 ;; armv7l) echo arm ;; *) uname -m ;; esac; }
qemu_arch() {
  case $1 in
    amd64) echo x86_64 ;; arm64) echo aarch64 ;; arm) echo arm ;; 386) echo i386 ;;
    ppc64le|s390x|riscv64|mips64le) echo "$1" ;;
    *) return 1 ;;
  esac
}

# linux/arm64,linux/arm/v7 → arm64 arm (the architectures other than this machine's).
foreign_arches() {
  local platform arch host; host=$(host_arch)
  for platform in ${PLATFORMS//,/ }; do
    [[ "$platform" == linux/* ]] || die "CS_PLATFORMS: '$platform' is not a linux/<architecture>[/<variant>] platform"
    arch=$(echo "$platform" | cut -d/ -f2)
    [ "$arch" = "$host" ] || echo "$arch"
  done | sort -u
}

ensure_emulators() {
  local arches; arches=$(foreign_arches)
  [ -n "$arches" ] || return 0
  [ "$(id -u)" = 0 ] || die "registering emulators for $(echo $arches) needs root"
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc \
    || die "cannot mount binfmt_misc (a container needs --privileged for it)"
  apt_install qemu-user-static binfmt-support
  local arch name handler
  for arch in $arches; do
    name=qemu-$(qemu_arch "$arch") || die "CS_PLATFORMS: no QEMU emulator is known for '$arch'"
    handler=/proc/sys/fs/binfmt_misc/$name
    # Installed before binfmt_misc was mounted, the handlers were never registered.
    [ -e "$handler" ] || update-binfmts --enable "$name" >/dev/null 2>&1 || true
    [ -e "$handler" ] || die "the $name handler is not registered (update-binfmts --enable $name)"
    grep -qx 'enabled' "$handler" || die "the $name handler is registered but disabled (update-binfmts --enable $name)"
    grep -q '^flags: .*F' "$handler" \
      || die "the $name handler lacks the fix-binary flag (F): emulated binaries would not run inside containers"
    log "linux/$arch: emulated by $(awk '/^interpreter/ {print $2}' "$handler")"
  done
}

[ -n "$PLATFORMS" ] && ensure_emulators
ensure_engine
ensure_plugins
log "buildx $(docker buildx version 2>/dev/null | awk '{print $2}'), compose $(docker compose version --short 2>/dev/null)"
$only_engine && exit 0
ensure_registry
ensure_report_readers
ensure_cosign
"$here/build-base-images.sh"
