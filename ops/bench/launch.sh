#!/usr/bin/env bash
# launch.sh -- Corral's launch benchmark: launch-and-reap of an isolated /bin/true.
#
# Measures in ONE run on this machine, warm-up iterations discarded, wall ms per container:
#   floors      fork+exec of /bin/true; unshare -pfm --mount-proc /bin/true
#   crun        `crun run` of a static busybox bundle: pid/mount/ipc namespaces, 64 MiB memory
#               limit (cgroupfs v1), terminal=false; sequential and W at once
#   embedded    Corral in one JVM: ContainerizerSettings.forHost + Containerizer.create in an
#               ActorSystem; Launch /bin/true (shell=false), Wait, Remove; sequential and W at once
#   http        a `corral agent` on loopback, LAUNCH/WAIT/REMOVE_CONTAINER over one keep-alive
#               java.net.http client; sequential and W at once
#   logrotate   with -L: a second `corral agent` with --container_logger=logrotate, over HTTP as
#               above, interleaved with the sequential variants: what bounded logs cost a launch
#   memory      RSS (and, embedded, heap after System.gc) of the JVM hosting the containerizer
#               before/with C idle `sleep 3600` containers -> bytes per idle container
# and ends with two lines: the HTTP ratio, then exactly `corral/crun median ratio: R`
# (R = Corral embedded sequential median / crun sequential median).
#
# Usage: sudo ops/bench/launch.sh [-n N] [-r ROUNDS] [-u WARMUP] [-U JVM_WARMUP] [-w W] [-c COUNT] [-M WHO] [-k] [-D] [-L]
#   -n N          measured iterations per variant (default 200; env N)
#   -r ROUNDS     the sequential crun, embedded and HTTP variants run interleaved, in ROUNDS
#                 rounds of N/ROUNDS iterations each (default 3), against load drift
#   -u WARMUP     discarded warm-up iterations for floors and crun (default 20; env WARMUP)
#   -U JVM_WARMUP discarded warm-up iterations per worker for Corral, at least (default 400); more
#                 run, in batches of 100, until the JVM is warm: its JIT compiler threads busy
#                 less than 5% of a batch's wall time (at most 10 x JVM_WARMUP in all)
#   -w W          workers for the concurrent variants (default 4)
#   -c COUNT      idle containers for the memory measurement (default 1000; 0 skips it)
#   -M WHO        memory measured on: embedded, http or both (default both)
#   -k            keep the temp dir (samples in microseconds, bundles, agent and driver logs)
#   -D            keep the runtime dirs (crun's --root, Corral's --runtime_dir) on the disk
#                 under /run as it is on this host, instead of a tmpfs mounted there (default:
#                 tmpfs, as /run and Mesos' default --runtime_dir=/var/run/mesos are on most
#                 hosts; on a disk each of Corral's fsynced checkpoints costs a journal commit)
#   -L            also the logrotate variant (sequential, interleaved; env LOGROTATE=1), and a
#                 line `corral-logrotate/corral-http median ratio: R` before the last two
#   env BENCH_JAVA_OPTS: extra JVM options for the Corral JVMs (driver and agent)
#   env QUIET_MAX_S (30) / QUIET_PCT (10): before each phase wait up to QUIET_MAX_S seconds
#               for 2 s with < QUIET_PCT % of all CPUs busy (QUIET_MAX_S=0: no wait)
#
# The Java driver is io.corral.ops.bench.LaunchBench (ops/src/test/java: compiled by Maven,
# never run as a test), run from ops/target/corral.jar + ops/target/test-classes; the script
# builds both (`mvn -B -q -o package -DskipTests`, offline first) when missing or stale.
#
# cgroups: this VM has the cgroup v1 controllers plus a cgroup2 "unified" mount (the "hybrid"
# layout) that crun 1.8 refuses. So the script re-runs itself in a private mount namespace in
# which /sys/fs/cgroup is a small tmpfs holding bind mounts of the v1 hierarchies only; the
# host's mounts are untouched. Corral runs in that namespace too (it sees the same v1 trees).
#
# Cleanup on exit, error or Ctrl-C: the driver and agent JVMs it started (by pid), every
# corral-init holding a file under this run's runtime dir open, crun containers and
# state, the per-run cgroup dirs (/sys/fs/cgroup/<ctrl>/corral-bench.<pid>), the temp dir.
set -uo pipefail

ROUNDS=${ROUNDS:-3}; N=${N:-200}; WARMUP=${WARMUP:-20}; JVM_WARMUP=${JVM_WARMUP:-400}; W=${W:-4}; COUNT=${COUNT:-1000}
MEMORY=${MEMORY:-both}; KEEP=${KEEP:-0}; MEM_LIMIT=67108864; RUNTIME_ON_DISK=${RUNTIME_ON_DISK:-0}
LOGROTATE=${LOGROTATE:-0}
while getopts "n:r:u:U:w:c:M:kDLh" opt; do
  case $opt in
    n) N=$OPTARG ;; r) ROUNDS=$OPTARG ;; u) WARMUP=$OPTARG ;; U) JVM_WARMUP=$OPTARG ;; w) W=$OPTARG ;;
    c) COUNT=$OPTARG ;; M) MEMORY=$OPTARG ;; k) KEEP=1 ;; D) RUNTIME_ON_DISK=1 ;; L) LOGROTATE=1 ;;
    h|*) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 0 ;;
  esac
done
export ROUNDS N WARMUP JVM_WARMUP W COUNT MEMORY KEEP MEM_LIMIT RUNTIME_ON_DISK LOGROTATE

die() { echo "launch.sh: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root (sudo ops/bench/launch.sh)"
REPO=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
JAR=$REPO/ops/target/corral.jar
CLASSES=$REPO/ops/target/test-classes
# shellcheck source=ops/bench/common.sh
source "$REPO/ops/bench/common.sh"

# ============================================================ stage 1: host side
if [[ -z ${CORRAL_BENCH_INNER:-} ]]; then
  [[ -d /sys/fs/cgroup/memory ]] || die "cgroup v1 memory hierarchy not mounted at /sys/fs/cgroup/memory"
  missing=()
  command -v crun >/dev/null || missing+=(crun)
  command -v jq >/dev/null || missing+=(jq)
  command -v unshare >/dev/null || missing+=(util-linux)
  command -v curl >/dev/null || missing+=(curl)
  dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  if ((${#missing[@]})); then
    echo "launch.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed"
  fi
  stale=$(find "$REPO/pom.xml" "$REPO"/*/pom.xml "$REPO"/*/src -type f -newer "$JAR" -print -quit 2>/dev/null)
  if [[ ! -f $JAR || ! -d $CLASSES/io/corral/ops/bench || -n $stale ]]; then
    echo "launch.sh: building $JAR and the test classes" >&2
    (cd "$REPO" && { mvn -B -q -o package -DskipTests || mvn -B -q package -DskipTests; }) >&2 \
      || die "the build failed"
  fi
  export CORRAL_BENCH_TAG="corral-bench.$$"
  CORRAL_BENCH_INNER=1 unshare --mount --propagation private -- bash "$0" "$@"
  rc=$?
  # The inner run cleans up itself; repeat from the host view in case it was killed hard.
  for d in /sys/fs/cgroup/*/"$CORRAL_BENCH_TAG"; do
    [[ -d $d ]] || continue
    find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null; rmdir "$d" 2>/dev/null
  done
  rm -rf "/run/$CORRAL_BENCH_TAG"; ((KEEP)) || rm -rf /tmp/"$CORRAL_BENCH_TAG".*
  left=$(ls -d /sys/fs/cgroup/*/"$CORRAL_BENCH_TAG" /run/"$CORRAL_BENCH_TAG" 2>/dev/null | wc -l)
  ((left)) && echo "launch.sh: WARNING: $left cgroup or state dirs left (*/$CORRAL_BENCH_TAG)" >&2
  exit $rc
fi

# ============================================================ stage 2: private mount namespace
TAG=$CORRAL_BENCH_TAG
WORK=$(mktemp -d "/tmp/$TAG.XXXX")
STATE=/run/$TAG                       # crun --root and Corral's runtime dirs
NCPU=$(nproc)
CRUN=(crun --root "$STATE/crun" --cgroup-manager=cgroupfs)
# BENCH_JAVA_OPTS: extra JVM options for the driver and the agent (experiments), e.g.
# -Djdk.lang.Process.launchMechanism=VFORK
read -ra JAVA_OPTS <<<"${BENCH_JAVA_OPTS:-}"
JAVA=(java --enable-native-access=ALL-UNNAMED "${JAVA_OPTS[@]}" -cp "$JAR:$CLASSES")
DRIVER=(io.corral.ops.bench.LaunchBench)
declare -a STARTED=()                 # pids of the JVMs this script started
ulimit -n 65536 2>/dev/null            # a pidfd and pipes per container in the hosting JVM

# A pure cgroup-v1 view of /sys/fs/cgroup, in this namespace only.
cgroup_v1_view

cleanup() {
  set +e
  local pid id d
  stop_pids "${STARTED[@]}"
  # A JVM killed hard leaves its containers running (they outlive the agent, by design).
  for pid in $(corral_pids); do kill -KILL "$pid" 2>/dev/null; done
  if [[ -d $STATE/crun ]]; then
    for id in $("${CRUN[@]}" list -q 2>/dev/null); do "${CRUN[@]}" delete -f "$id" >/dev/null 2>&1; done
  fi
  # Corral's containers are gone by now; their cgroups roots (one per JVM) are left to remove.
  local -a roots=(/sys/fs/cgroup/*/"$TAG" /sys/fs/cgroup/*/corral-bench-agent-$$ /sys/fs/cgroup/*/corral-bench-lr-$$)
  for pid in "${STARTED[@]}"; do roots+=(/sys/fs/cgroup/*/corral-bench-embedded-"$pid"); done
  for d in "${roots[@]}"; do
    [[ -d $d ]] || continue
    find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null; rmdir "$d" 2>/dev/null
  done
  ((RUNTIME_ON_DISK)) || umount "$STATE" 2>/dev/null
  rm -rf "$STATE"
  if ((KEEP)); then echo "launch.sh: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The runtime dirs on a tmpfs (this namespace only), unless -D.
if ((RUNTIME_ON_DISK)); then
  RUNTIME_FS="disk ($(stat -f -c %T /run) under /run)"
else
  mkdir -p "$STATE" && mount -t tmpfs -o mode=755 corral-bench-run "$STATE" || die "tmpfs on $STATE failed"
  RUNTIME_FS="tmpfs"
fi
mkdir -p "$STATE/crun" "$WORK/samples"
for c in memory cpu cpuacct; do mkdir -p "/sys/fs/cgroup/$c/$TAG"; done

# ---- the crun bundle: a static busybox rootfs, one config.json per container id
R=$WORK/rootfs
mkdir -p "$R/bin" "$R/proc" "$R/dev" "$R/sys" "$R/tmp"
cp /bin/busybox "$R/bin/busybox" && ln -s busybox "$R/bin/true" && ln -s busybox "$R/bin/sh"
(cd "$WORK" && crun spec >/dev/null) || die "crun spec failed"
jq --arg root "$R" --argjson mem "$MEM_LIMIT" --arg cg "/$TAG/@ID@" '
  .process.args = ["/bin/true"] | .process.terminal = false
  | .root = {path: $root, readonly: true} | del(.hostname)
  | .linux.namespaces = [{type: "pid"}, {type: "mount"}, {type: "ipc"}]
  | .linux.resources.memory = {limit: $mem}
  | .linux.cgroupsPath = $cg
' "$WORK/config.json" > "$WORK/config.tpl" || die "jq failed"
TPL=$(<"$WORK/config.tpl")
bundle() { mkdir -p "$WORK/b/$1" && printf '%s\n' "${TPL//@ID@/$1}" > "$WORK/b/$1/config.json"; }

# ---- measurement helpers
QUIET_MAX_S=${QUIET_MAX_S:-30}; QUIET_PCT=${QUIET_PCT:-10}
# children_cpu_us: user+sys of every child this shell has reaped (the `times` builtin, which
# must run in this shell: a $(...) subshell would report its own, empty, children).
children_cpu_us() {
  times > "$WORK/.times"
  local a c d x m sec sum=0
  { read -r a; read -r c d; } < "$WORK/.times"
  for x in "$c" "$d"; do m=${x%%m*}; sec=${x#*m}; sec=${sec%s}; sum=$((sum + m * 60000000 + 10#${sec/./} * 1000)); done
  echo "$sum"
}

# measure NAME WORKERS CMD...: samples appended to samples/NAME.wWORKERS.us, CPU us per
# container (all iterations, warm-up included, of every process involved) appended to .cpu
measure() {
  local name=$1 workers=$2 k i c0 c1 iters; shift 2
  local f="$WORK/samples/$name.w$workers.us"
  if [[ $1 == crun ]]; then   # bundles made before, outside the timed and CPU-counted region
    local -a ids=()
    for ((k = 0; k < workers; k++)); do
      for ((i = 0; i < WARMUP + (N + workers - 1) / workers; i++)); do ids+=("c$k-$i"); done
    done
    mkdir -p "${ids[@]/#/$WORK/b/}"
    for i in "${ids[@]}"; do printf '%s\n' "${TPL//@ID@/$i}" > "$WORK/b/$i/config.json"; done
  fi
  quiet_gate
  children_cpu_us > "$WORK/.c0"; c0=$(<"$WORK/.c0")
  if ((workers == 1)); then time_loop "$f" 0 "$N" "$@"; iters=$((WARMUP + N))
  else
    local -a pids=()   # not a bare `wait`: that would wait for the agent too
    for ((k = 0; k < workers; k++)); do
      time_loop "$f.$k" "$k" $(( (N + workers - 1) / workers )) "$@" & pids+=($!)
    done
    wait "${pids[@]}"; cat "$f".* >> "$f"; rm -f "$f".*
    iters=$((workers * (WARMUP + (N + workers - 1) / workers)))
  fi
  children_cpu_us > "$WORK/.c1"; c1=$(<"$WORK/.c1")
  echo $(( (c1 - c0) / iters )) >> "${f%.us}.cpu"
}

declare -a ROWS=()
report() { # NAME WORKERS FILE (FILE minus .us plus .cpu: CPU us per container, one per run)
  local n med p90 cpu="-" cf="${3%.us}.cpu"; read -r n med p90 <<<"$(stats "$3")"
  [[ -s $cf ]] && cpu=$(awk '{ s += $1 } END { printf "%.2f", s / NR / 1000 }' "$cf")
  ROWS+=("$(printf '%-44s %7s %5s %9s %9s %9s' "$1" "$2" "$n" "$med" "$p90" "$cpu")")
  printf '  %-44s workers=%s n=%s median=%s ms p90=%s ms cpu=%s ms/ctr\n' "$1" "$2" "$n" "$med" "$p90" "$cpu"
}

# ============================================================ run
ISOLATION=$("${JAVA[@]}" "${DRIVER[@]}" isolation) || die "the driver does not run"
echo "launch.sh: N=$N warmup=$WARMUP (Corral: $JVM_WARMUP per worker) workers=$W idle=$COUNT work=$WORK"
echo "  kernel $(uname -r); $NCPU cpus ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
echo "  $(crun --version | head -1); busybox-static $(dpkg-query -W -f='${Version}' busybox-static);" \
     "$(java -version 2>&1 | head -1)"
echo "  Corral isolation: $ISOLATION"
echo "  runtime dirs (crun --root, Corral --runtime_dir): $RUNTIME_FS; Corral --work_dir: $(stat -f -c %T "$WORK") under $WORK"
echo "  loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Sanity: crun really applies the memory limit and a pid namespace.
bundle sanity
jq '.process.args = ["/bin/sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes; echo pid=$$"]' \
  "$WORK/b/sanity/config.json" > "$WORK/b/sanity/c" && mv "$WORK/b/sanity/c" "$WORK/b/sanity/config.json"
out=$("${CRUN[@]}" run --bundle "$WORK/b/sanity" sanity </dev/null 2>&1 | tr '\n' ' ')
[[ $out == "$MEM_LIMIT pid=1 "* ]] || die "crun sanity check failed: $out"
echo "  crun sanity: memory.limit_in_bytes and pid inside = $out"

measure fork 1 /bin/true;                              report "fork+exec /bin/true" 1 "$WORK/samples/fork.w1.us"
measure unshare 1 unshare -pfm --mount-proc /bin/true; report "unshare -pfm --mount-proc /bin/true" 1 "$WORK/samples/unshare.w1.us"

# ---- a corral agent on loopback, for the HTTP variants
# start_agent NAME CGROUPS_ROOT FLAGS...: sets PORT and AGENT, returns once /health answers
start_agent() {
  local name=$1 root=$2; shift 2
  PORT=$(free_port)
  "${JAVA[@]}" io.corral.ops.Main agent --ip=127.0.0.1 --port="$PORT" --work_dir="$WORK/$name-work" \
    --runtime_dir="$STATE/$name-run" --isolation="$ISOLATION" --cgroups_root="$root" "$@" \
    >"$WORK/$name.log" 2>&1 &
  AGENT=$!; STARTED+=("$AGENT")
  for _ in {1..300}; do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" && return 0
    kill -0 "$AGENT" 2>/dev/null || die "the $name exited: $(tail -3 "$WORK/$name.log")"
    /bin/sleep 0.1
  done
}
if ((LOGROTATE)); then
  # The sizes are the flags' defaults; /bin/true writes nothing: this is the launch path's cost.
  start_agent agent-lr "corral-bench-lr-$$" --container_logger=logrotate --logrotate_stdout_options="rotate 2"
  LR_AGENT=$AGENT; LR_URL="http://127.0.0.1:$PORT/api/v1"
fi
start_agent agent "corral-bench-agent-$$"
URL="http://127.0.0.1:$PORT/api/v1"

# corral NAME WORKERS N ARGS...: one driver JVM (its own warm-up), samples appended to
# samples/NAME.wWORKERS.us and .cpu
corral() {
  local name=$1 workers=$2 n=$3 tag="$1.$RANDOM"; shift 3
  quiet_gate
  "${JAVA[@]}" "${DRIVER[@]}" latency --n="$n" --warmup="$JVM_WARMUP" --workers="$workers" \
    --out="$WORK/samples/$tag" "$@" >"$WORK/$tag.out" 2>>"$WORK/$name.log" &
  STARTED+=($!); wait $! || die "the $name driver failed (see $WORK/$name.log with -k)"
  sed 's/^/    /' "$WORK/$tag.out"
  cat "$WORK/samples/$tag.w$workers.us" >> "$WORK/samples/$name.w$workers.us"
  cat "$WORK/samples/$tag.w$workers.cpu" >> "$WORK/samples/$name.w$workers.cpu"
}
EMBEDDED=(--target=embedded --work_dir="$WORK/embedded-work" --runtime_dir="$STATE/embedded-run"
          --isolation="$ISOLATION")
# A root agent requires authentication for /api/v1 and generated these credentials at start.
HTTP=(--target=http --url="$URL" --pid="$AGENT" --http_credentials="$WORK/agent-work/credentials")
((LOGROTATE)) && LR=(--target=http --url="$LR_URL" --pid="$LR_AGENT" --http_credentials="$WORK/agent-lr-work/credentials")
VARIANTS=$((LOGROTATE ? 4 : 3))

# ---- sequential: crun, embedded and HTTP in ROUNDS interleaved rounds (rotating order), so
# that the machine's load drifting during the run does not favour one of them
PER=$(( (N + ROUNDS - 1) / ROUNDS ))
for ((r = 0; r < ROUNDS; r++)); do
  for ((j = 0; j < VARIANTS; j++)); do
    case $(( (r + j) % VARIANTS )) in
      0) N=$PER measure crun 1 "${CRUN[@]}" run --bundle "$WORK/b/@ID@" @ID@ ;;
      1) corral embedded 1 "$PER" "${EMBEDDED[@]}" --label="emb-r$r" --threads=false ;;
      2) corral http 1 "$PER" "${HTTP[@]}" --label="http-r$r" --threads=false ;;
      3) corral logrotate 1 "$PER" "${LR[@]}" --label="lr-r$r" --threads=false ;;
    esac
  done
done
report "crun run (pid,mnt,ipc ns; 64 MiB limit)" 1 "$WORK/samples/crun.w1.us"
report "Corral embedded (Launch, Wait, Remove)" 1 "$WORK/samples/embedded.w1.us"
report "Corral HTTP (LAUNCH, WAIT, REMOVE)" 1 "$WORK/samples/http.w1.us"
((LOGROTATE)) && report "Corral HTTP, --container_logger=logrotate" 1 "$WORK/samples/logrotate.w1.us"

# ---- W at once, one phase each; the drivers print their JVM's CPU by thread
measure crun "$W" "${CRUN[@]}" run --bundle "$WORK/b/@ID@" @ID@
report "crun run (pid,mnt,ipc ns; 64 MiB limit)" "$W" "$WORK/samples/crun.w$W.us"
echo "  Corral embedded, $W at once:"
corral embedded "$W" "$N" "${EMBEDDED[@]}" --label=emb-par
report "Corral embedded (Launch, Wait, Remove)" "$W" "$WORK/samples/embedded.w$W.us"
echo "  Corral over HTTP, $W at once (CPU of the agent):"
corral http "$W" "$N" "${HTTP[@]}" --label=http-par
report "Corral HTTP (LAUNCH, WAIT, REMOVE)" "$W" "$WORK/samples/http.w$W.us"

# ---- below the actors: the JDK spawn and corral-init alone, phase by phase (context)
quiet_gate
"${JAVA[@]}" "${DRIVER[@]}" phases --runtime_dir="$STATE/phases-run" --n="$N" --warmup="$JVM_WARMUP" \
  >"$WORK/phases.out" 2>&1 &
STARTED+=($!); wait $! || die "the phases driver failed: $(tail -3 "$WORK/phases.out")"
sed -n 's/^phase /  Corral below the actors: /p' "$WORK/phases.out"
echo "  loadavg after latency: $(cut -d' ' -f1-3 /proc/loadavg)"

# Where an embedded sequential launch spends its time (the containers' transition log, ms).
echo "  Corral embedded sequential, median ms per state (from 'Transitioning ... after Nms'):"
sed -n 's/.*Transitioning container \[emb-r[0-9]*-w1-0-\([0-9]*\)\] from \([A-Z]*\) to \([A-Z]*\) after \([0-9]*\)ms.*/\1 \2->\3 \4/p' \
  "$WORK/embedded.log" | awk '{ print $2, $3 }' \
  | sort -k1,1 -k2,2n | awk '{k[$1]++; v[$1, k[$1]] = $2}
      END { for (s in k) { n = k[s]; printf "    %-24s n=%d median=%s p90=%s\n", s, n,
            v[s, int((n + 1) / 2)], v[s, int(0.9 * n + 0.999999)] } }' | sort

# ---- memory per idle container
if ((COUNT > 0)); then
  # Per idle container: corral-init, its init and sleep (no thread in the JVM: one shared
  # thread watches every exit); pid_max and RLIMIT_NPROC count threads. /proc/loadavg's 4th field: x/threads.
  need=$((COUNT * 4 + 1000)); tasks=$(cut -d' ' -f4 /proc/loadavg); tasks=${tasks#*/}
  pid_max=$(</proc/sys/kernel/pid_max); nproc_limit=$(ulimit -u)
  [[ $nproc_limit == unlimited ]] && nproc_limit=$pid_max
  if ((tasks + need > pid_max || tasks + need > nproc_limit)); then
    echo "  memory: skipped: $COUNT idle containers need ~$need more tasks; $tasks exist," \
         "pid_max=$pid_max, ulimit -u=$(ulimit -u); lower -c"
  else
    if [[ $MEMORY == both || $MEMORY == http ]]; then
      echo "  memory of the corral agent (pid $AGENT, RSS after jcmd GC.run), $COUNT idle containers:"
      "${JAVA[@]}" "${DRIVER[@]}" memory --target=http --url="$URL" --count="$COUNT" --pid="$AGENT" \
        >"$WORK/memory-http.out" 2>>"$WORK/http.log" &
      STARTED+=($!); wait $!; sed 's/^/    /' "$WORK/memory-http.out"
    fi
    if [[ $MEMORY == both || $MEMORY == embedded ]]; then
      echo "  memory of the embedding JVM (RSS and heap used after System.gc), $COUNT idle containers:"
      "${JAVA[@]}" "${DRIVER[@]}" memory --target=embedded --work_dir="$WORK/memory-work" \
        --runtime_dir="$STATE/memory-run" --isolation="$ISOLATION" --count="$COUNT" \
        >"$WORK/memory-embedded.out" 2>"$WORK/memory.log" &
      STARTED+=($!); wait $!; sed 's/^/    /' "$WORK/memory-embedded.out"
    fi
    echo "  memory: processes left from corral-init after kill+remove: $(corral_pids | wc -l)"
  fi
fi

# ---- summary
echo
echo "loadavg at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %7s %5s %9s %9s %9s\n' "variant (ms per container)" workers n median p90 cpu
printf '%s\n' "${ROWS[@]}"
[[ -s $WORK/fails ]] && echo "failed iterations: $(wc -l < "$WORK/fails") (see errors.log with -k)"
crun_med=$(median "$WORK/samples/crun.w1.us")
if ((LOGROTATE)); then
  lr_med=$(median "$WORK/samples/logrotate.w1.us")
  echo "corral-logrotate/crun median ratio: $(ratio "$lr_med" "$crun_med")"
  echo "corral-logrotate/corral-http median ratio: $(ratio "$lr_med" "$(median "$WORK/samples/http.w1.us")")"
fi
echo "corral-http/crun median ratio: $(ratio "$(median "$WORK/samples/http.w1.us")" "$crun_med")"
echo "corral/crun median ratio: $(ratio "$(median "$WORK/samples/embedded.w1.us")" "$crun_med")"
