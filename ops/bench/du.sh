#!/usr/bin/env bash
# du.sh -- Corral's disk/du benchmark.
#
# Measures in ONE run on this machine:
#   pass    the cost of one watch pass over a sandbox of 10k and of 100k (empty) files, N passes
#           each, interleaved in rotating order, warm page cache:
#             plain    du -k -s TREE at normal priority (the peer)
#             lowprio  the product's ProcessDu: du -k -s -x at nice 19 and the idle I/O class
#             sample   the product's whole watch pass, DuDiskIsolator.sample: real path,
#                      mountinfo read before and after, ProcessDu
#           wall median and p90, CPU of the du children per pass, and the ratios to plain du
#   delay   the detection delay: a `corral agent` with disk/du, --enforce_container_disk_quota
#           and --container_disk_watch_interval=500ms; D containers with a 1MB disk resource
#           each write 2MB at a random point of the watch cycle; the time from the write's start
#           to WAIT_CONTAINER's answer (TASK_FAILED, REASON_CONTAINER_LIMITATION_DISK)
# and ends with the ratio lines (watch pass / plain du per tree, delay / interval).
#
# Usage: sudo ops/bench/du.sh [-n N] [-u WARMUP] [-f COUNTS] [-d D] [-i MS] [-k]
#   -n N       measured passes per variant and tree (default 15)
#   -u WARMUP  discarded passes per variant and tree (default 3)
#   -f COUNTS  file counts of the trees (default 10000,100000)
#   -d D       containers for the delay measurement (default 20; 0 skips it, and root)
#   -i MS      the watch interval for the delay, in ms (default 500)
#   -k         keep the temp dir (trees, agent log)
#
# The Java driver is io.corral.ops.bench.DuBench (ops/src/test/java: compiled by Maven, never
# run as a test), run from ops/target/corral.jar + ops/target/test-classes; the script builds
# both (`mvn -B -q -o package -DskipTests`) when missing or stale. The trees live under
# /var/tmp (a disk, not tmpfs). Cleanup on exit, error or Ctrl-C: the agent it started (by pid),
# any container process left under its runtime dir, its cgroups root, the temp dir.
set -uo pipefail

N=15; WARMUP=3; COUNTS=10000,100000; D=20; INTERVAL_MS=500; KEEP=0
while getopts "n:u:f:d:i:kh" opt; do
  case $opt in
    n) N=$OPTARG ;; u) WARMUP=$OPTARG ;; f) COUNTS=$OPTARG ;; d) D=$OPTARG ;; i) INTERVAL_MS=$OPTARG ;;
    k) KEEP=1 ;; h|*) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 0 ;;
  esac
done

die() { echo "du.sh: $*" >&2; exit 1; }
((D == 0)) || [[ $(id -u) -eq 0 ]] || die "the delay measurement runs containers: run as root, or with -d 0"
command -v du >/dev/null || die "no du on PATH"
REPO=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
JAR=$REPO/ops/target/corral.jar
CLASSES=$REPO/ops/target/test-classes
stale=$(find "$REPO/pom.xml" "$REPO"/*/pom.xml "$REPO"/*/src -type f -newer "$JAR" -print -quit 2>/dev/null)
if [[ ! -f $JAR || ! -f $CLASSES/io/corral/ops/bench/DuBench.class || -n $stale ]]; then
  echo "du.sh: building $JAR and the test classes" >&2
  (cd "$REPO" && { mvn -B -q -o package -DskipTests || mvn -B -q package -DskipTests; }) >&2 \
    || die "the build failed"
fi

WORK=$(mktemp -d /var/tmp/corral-du-bench.XXXX)
TAG=corral-bench-du-$$
JAVA=(java --enable-native-access=ALL-UNNAMED -cp "$JAR:$CLASSES")
AGENT=

cleanup() {
  set +e
  if [[ -n $AGENT ]]; then
    kill -TERM "$AGENT" 2>/dev/null
    for _ in {1..100}; do kill -0 "$AGENT" 2>/dev/null || break; /bin/sleep 0.1; done
    kill -KILL "$AGENT" 2>/dev/null
  fi
  # The agent leaves running containers behind by design; the driver removes its own, but not
  # when it was interrupted: kill whatever still runs from this run's runtime directory.
  local p exe
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    [[ $exe == "$WORK"/* ]] && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  for d in /sys/fs/cgroup/*/"$TAG"; do
    [[ -d $d ]] || continue
    find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null; rmdir "$d" 2>/dev/null
  done
  if ((KEEP)); then echo "du.sh: kept $WORK" >&2; else rm -rf --one-file-system "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

echo "du.sh: $(date -u +%FT%TZ) on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
echo "  kernel $(uname -r), $(du --version | head -1), $(java -version 2>&1 | head -1),"
echo "  trees on $(stat -f -c %T /var/tmp) under /var/tmp, load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== watch pass cost"
"${JAVA[@]}" io.corral.ops.bench.DuBench pass --dir="$WORK/trees" --files="$COUNTS" --n="$N" \
  --warmup="$WARMUP" || die "the pass measurement failed"

if ((D > 0)); then
  echo "== detection delay"
  PORT=
  for _ in {1..50}; do
    p=$((20000 + RANDOM % 20000))
    ss -Hltn "sport = :$p" | grep -q . || { PORT=$p; break; }
  done
  [[ -n $PORT ]] || die "no free port"
  "${JAVA[@]}" io.corral.ops.Main agent --ip=127.0.0.1 --port="$PORT" --work_dir="$WORK/agent-work" \
    --runtime_dir="$WORK/agent-run" --isolation=filesystem/posix,namespaces/pid,disk/du --cgroups_root="$TAG" \
    --container_disk_watch_interval="${INTERVAL_MS}ms" --enforce_container_disk_quota \
    >"$WORK/agent.log" 2>&1 &
  AGENT=$!
  for _ in {1..300}; do
    [[ $(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
      -d '{"type":"GET_HEALTH"}' "http://127.0.0.1:$PORT/api/v1") == 200 ]] && break
    kill -0 "$AGENT" 2>/dev/null || die "the agent exited: $(tail -3 "$WORK/agent.log")"
    /bin/sleep 0.1
  done
  "${JAVA[@]}" io.corral.ops.bench.DuBench delay --url="http://127.0.0.1:$PORT" \
    --work_dir="$WORK/agent-work" --n="$D" --interval_ms="$INTERVAL_MS" || die "the delay measurement failed: $(tail -5 "$WORK/agent.log")"
fi
