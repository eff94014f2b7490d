#!/bin/sh
# As the official image does: a bare `redis-server` listens on all interfaces with protected
# mode off (the container's network is the boundary), and drops root for the redis user.
set -e
if [ "$1" = "redis-server" ]; then
  shift
  set -- redis-server --bind 0.0.0.0 --protected-mode no --dir /data "$@"
  [ "$(id -u)" = 0 ] && exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
