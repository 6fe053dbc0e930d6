#!/bin/sh
# Builds the launch helper corral-init: build.sh CC OUT SOURCES... (called by Maven).
# Where it cannot be built (not Linux, or no C compiler CC on PATH) it says why and builds
# nothing: the jar then carries no corral-init and the agent can only use --launcher=posix.
# A compiler that is present but fails still fails the build.
set -eu
cc=$1 out=$2
shift 2
if [ "$(uname -s)" != Linux ]; then
  echo "[WARNING] corral-init not built: this is $(uname -s), not Linux; only --launcher=posix will be available" >&2
  rm -f "$out"
  exit 0
fi
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "[WARNING] corral-init not built: no C compiler '$cc' on PATH; only --launcher=posix will be available" >&2
  rm -f "$out"
  exit 0
fi
exec "$cc" -std=gnu11 -O2 -static -Wall -Wextra -Werror -o "$out" "$@"
