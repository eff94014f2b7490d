#!/usr/bin/env bash
# What a team writes without cs-docker-hardening, following the production checklist's manual steps
# ("Manual Verification" and "Start Services"): one `docker run` per question, then a detached
# container polled through `docker inspect` until Docker's own health status says healthy, a
# `docker stats --no-stream`, and `docker stop`. The thing the benchmark must beat.
#   bench/baseline-check.sh IMAGE
set -u
image=$1
# Each question gets 30 s: an ENTRYPOINT that ignores its arguments turns `docker run IMAGE whoami`
# into the service itself, which never returns (a real CI job would hang until its timeout).
ask() {
  local name="baseline-$$-$RANDOM"
  timeout -k 5 30 docker run --rm --name "$name" "$image" "$@" >/dev/null 2>&1
  docker rm -f "$name" >/dev/null 2>&1
}
docker images --format '{{.Size}}' "$image" >/dev/null                 # image size
ask whoami                                                             # expected: csops
ask id -u                                                              # expected: 1000
ask which gcc                                                          # expected: not found
ask pip list                                                           # Python packages
id=$(docker run -d --network none "$image")
# Health: what `docker inspect --format='{{.State.Health.Status}}'` says, polled each second
# (an image without HEALTHCHECK: until it runs; one that stops: until it has).
for _ in $(seq 1 120); do
  state=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id" 2>/dev/null)
  # With a HEALTHCHECK the template prints its status; "running" means there is none.
  case "$state" in healthy|unhealthy|exited|dead|running) break ;; esac
  sleep 1
done
docker stats --no-stream "$id" >/dev/null                              # idle memory and CPU
docker stop -t 6 "$id" >/dev/null                                      # shutdown (same limit as ours)
docker rm -f "$id" >/dev/null
