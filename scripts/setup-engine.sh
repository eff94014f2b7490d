#!/usr/bin/env bash
# Brings up a real Docker engine with the buildx and compose plugins on a Debian machine, as
# root, and builds the local stand-ins for the public base images the examples and tests use.
# Idempotent: each step first checks whether it is already done, so a second run takes ~1 s.
#
#   scripts/setup-engine.sh            engine + plugins + base images
#   scripts/setup-engine.sh --engine   engine + plugins only
#
# Why stand-ins: these machines reach no container registry, so `FROM python:3.11-slim` cannot
# pull. We build images with the same public names from Debian's packages instead; the examples
# then build unchanged here and on GitHub's runners (where the real images are pulled).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf '[setup-engine] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

# Where the engine is already reachable (a runner's own engine, DOCKER_HOST, or a daemon
# started earlier), use it as it is: installing or starting anything would be wrong there.
ensure_engine() {
  if engine_answers; then log "engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"; return; fi
  [ -n "${DOCKER_HOST:-}" ] && die "DOCKER_HOST=$DOCKER_HOST is set but does not answer; start that engine or unset DOCKER_HOST"
  [ "$(id -u)" = 0 ] || die "no engine answers and installing one needs root"
  if ! command -v dockerd >/dev/null 2>&1; then
    log "installing the Docker engine (docker.io) from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates >/dev/null
  fi
  # A daemon killed without cleanup leaves its pid file behind; a new one then refuses to start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd (log: /var/log/cs-dockerd.log)"
    nohup dockerd --host unix:///var/run/docker.sock >/var/log/cs-dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do engine_answers && { log "engine is up"; return; }; sleep 0.5; done
  tail -20 /var/log/cs-dockerd.log >&2 || true
  die "dockerd did not answer within 30 s"
}

# buildx and compose are not packaged for bookworm; trixie's packages are static binaries that
# work against the bookworm engine. Fetch them with a throwaway apt configuration so the
# machine's own sources are left untouched.
ensure_plugin() {
  local subcommand=$1 package=$2
  if docker "$subcommand" version >/dev/null 2>&1; then return; fi
  [ "$(id -u)" = 0 ] || die "the docker $subcommand plugin is missing and installing it needs root"
  log "installing the $subcommand plugin ($package from Debian trixie)"
  local mirror tmp
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  tmp=$(mktemp -d)
  mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
  echo "deb $mirror trixie main" >"$tmp/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o "Dir::Etc::SourceParts=-"
              -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache::Archives=$tmp/archives"
              -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root")
  apt-get "${opts[@]}" update -qq
  (cd "$tmp" && apt-get "${opts[@]}" download -qq "$package")
  dpkg -i "$tmp"/"$package"_*.deb >/dev/null
  rm -rf "$tmp"
  docker "$subcommand" version >/dev/null 2>&1 || die "docker $subcommand still not available after installing $package"
}

ensure_engine
ensure_plugin buildx docker-buildx
ensure_plugin compose docker-compose
[ "${1:-}" = "--engine" ] && exit 0
"$here/build-base-images.sh"
