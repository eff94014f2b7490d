#!/bin/sh
# The official node images' contract: `docker run IMAGE --version` or `docker run IMAGE app.js`
# runs node with those arguments; a command the image has (npm, bash, …) runs as it is.
set -e
if [ "${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1 || { [ -f "$1" ] && [ ! -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
