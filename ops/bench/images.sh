#!/usr/bin/env bash
# images.sh -- Corral's image benchmark: launch from a cached image, and pull of a layered image.
#
# Measures in ONE run on this machine, warm-up discarded, the peers interleaved in rounds:
#   launch   launch-and-reap of /bin/true from the cached busybox test image, wall ms (and, for
#            context, the same agent launching /bin/true on the host's root, no image):
#            Corral: a `corral agent` on loopback with --image_providers=docker and
#              --isolation=filesystem/linux,docker/runtime,namespaces/pid (overlay backend),
#              LAUNCH (container.mesos.image)/WAIT/REMOVE over one keep-alive java.net.http client;
#            crun: `crun run` of the same image copied from the registry by skopeo into an OCI
#              layout and unpacked by umoci into a bundle (read-only rootfs; pid and mount
#              namespaces; crun's default /proc, /dev, /sys mounts)
#   pull     the layered image (the busybox layer and L-1 layers of B random bytes) from
#            Debian's docker-registry on loopback, wall ms per pull:
#            skopeo: `skopeo copy docker://... oci:DIR:latest` into a new DIR each time (blobs
#              copied and verified, nothing unpacked);
#            Corral: io.corral.ops.bench.ImageBench pulling into a new image store each time,
#              as the agent opens it: with unpacking (what a launch needs), and blobs only (an
#              unpacker that writes nothing: download, digest and diff_id checks)
# and ends with `corral/crun image launch median ratio: R` then `corral/skopeo pull median ratio: R`
# (Corral with unpacking over skopeo).
#
# Usage: sudo ops/bench/images.sh [-n N] [-p PULLS] [-r ROUNDS] [-u WARMUP] [-U JVM_WARMUP] [-l L] [-b B] [-k]
#   -n N          measured launches per variant (default 150; env N)
#   -p PULLS      measured pulls per variant (default 15; env PULLS)
#   -r ROUNDS     rounds the peers run interleaved in, N/ROUNDS (PULLS/ROUNDS) each (default 3)
#   -u WARMUP     discarded warm-up launches for crun (default 20); per round, skopeo discards 2
#                 pulls and each Corral pull JVM 5 (so that its JIT has compiled the pull path)
#   -U JVM_WARMUP discarded warm-up launches per Corral driver JVM, at least (default 300; more
#                 run until the agent's JIT compiler threads are nearly idle, as launch.sh does)
#   -l L, -b B    the layered image's layer count (default 10) and bytes per random layer
#                 (default 1048576)
#   -k            keep the temp dir (samples in microseconds, bundle, agent and registry logs)
#   env BENCH_JAVA_OPTS: extra JVM options; QUIET_MAX_S (30) / QUIET_PCT (10): before each
#               phase wait up to QUIET_MAX_S s for 2 s with < QUIET_PCT % of all CPUs busy
#
# Needs root, crun, skopeo, umoci, docker-registry, jq, busybox-static (installed when missing).
# The drivers (LaunchBench, ImageBench in ops/src/test/java; never run as tests) run from
# ops/target/corral.jar + ops/target/test-classes + images/target/test-classes, built with
# `mvn -B -q -o package -DskipTests -pl ops -am` when missing or stale.
#
# Like launch.sh the script re-runs itself in a private mount namespace whose /sys/fs/cgroup
# holds the v1 hierarchies only (crun refuses the hybrid layout); Corral runs there too.
# Cleanup on exit, error or Ctrl-C: the agent, registry and driver processes it started (by
# pid), every corral-init of this run, crun containers and state, the mounts under its dirs,
# the per-run cgroup dirs, the temp dir.
set -uo pipefail

ROUNDS=${ROUNDS:-3}; N=${N:-150}; PULLS=${PULLS:-15}; WARMUP=${WARMUP:-20}; JVM_WARMUP=${JVM_WARMUP:-300}
LAYERS=${LAYERS:-10}; LAYER_BYTES=${LAYER_BYTES:-1048576}; KEEP=${KEEP:-0}; PULL_WARMUP=2; PULL_JVM_WARMUP=5
while getopts "n:p:r:u:U:l:b:kh" opt; do
  case $opt in
    n) N=$OPTARG ;; p) PULLS=$OPTARG ;; r) ROUNDS=$OPTARG ;; u) WARMUP=$OPTARG ;; U) JVM_WARMUP=$OPTARG ;;
    l) LAYERS=$OPTARG ;; b) LAYER_BYTES=$OPTARG ;; k) KEEP=1 ;;
    h|*) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 0 ;;
  esac
done
export ROUNDS N PULLS WARMUP JVM_WARMUP LAYERS LAYER_BYTES KEEP

die() { echo "images.sh: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root (sudo ops/bench/images.sh)"
REPO=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
JAR=$REPO/ops/target/corral.jar
CLASSES=$REPO/ops/target/test-classes
IMAGE_CLASSES=$REPO/images/target/test-classes
# shellcheck source=ops/bench/common.sh
source "$REPO/ops/bench/common.sh"

# ============================================================ stage 1: host side
if [[ -z ${CORRAL_BENCH_INNER:-} ]]; then
  missing=()
  for c in crun skopeo umoci jq curl; do command -v $c >/dev/null || missing+=("$c"); done
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  if ((${#missing[@]})); then
    echo "images.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed"
  fi
  stale=$(find "$REPO/pom.xml" "$REPO"/*/pom.xml "$REPO"/*/src -type f -newer "$JAR" -print -quit 2>/dev/null)
  if [[ ! -f $JAR || ! -f $CLASSES/io/corral/ops/bench/ImageBench.class || ! -d $IMAGE_CLASSES || -n $stale ]]; then
    echo "images.sh: building $JAR and the test classes" >&2
    (cd "$REPO" && { mvn -B -q -o package -DskipTests -pl ops -am || mvn -B -q package -DskipTests -pl ops -am; }) >&2 \
      || die "the build failed"
  fi
  export CORRAL_BENCH_TAG="corral-bench-images.$$"
  CORRAL_BENCH_INNER=1 unshare --mount --propagation private -- bash "$0" "$@"
  rc=$?
  # The inner run cleans up itself; repeat from the host view in case it was killed hard.
  for d in /sys/fs/cgroup/*/"$CORRAL_BENCH_TAG"*; do
    [[ -d $d ]] || continue
    find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null; rmdir "$d" 2>/dev/null
  done
  rm -rf "/run/$CORRAL_BENCH_TAG"; ((KEEP)) || rm -rf /tmp/"$CORRAL_BENCH_TAG".*
  exit $rc
fi

# ============================================================ stage 2: private mount namespace
TAG=$CORRAL_BENCH_TAG
WORK=$(mktemp -d "/tmp/$TAG.XXXX")
STATE=/run/$TAG
NCPU=$(nproc); QUIET_MAX_S=${QUIET_MAX_S:-30}; QUIET_PCT=${QUIET_PCT:-10}
CRUN=(crun --root "$STATE/crun" --cgroup-manager=cgroupfs)
SKOPEO=(skopeo --insecure-policy copy --quiet)
read -ra JAVA_OPTS <<<"${BENCH_JAVA_OPTS:-}"
JAVA=(java --enable-native-access=ALL-UNNAMED "${JAVA_OPTS[@]}" -cp "$JAR:$CLASSES:$IMAGE_CLASSES")
declare -a STARTED=()                 # pids of the processes this script started

cleanup() {
  set +e
  local pid id d
  stop_pids "${STARTED[@]}"
  for pid in $(corral_pids); do kill -KILL "$pid" 2>/dev/null; done
  if [[ -d $STATE/crun ]]; then
    for id in $("${CRUN[@]}" list -q 2>/dev/null); do "${CRUN[@]}" delete -f "$id" >/dev/null 2>&1; done
  fi
  unmount_under "$WORK" "$STATE"
  for d in /sys/fs/cgroup/*/"$TAG" /sys/fs/cgroup/*/"$TAG"-agent; do
    [[ -d $d ]] || continue
    find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null; rmdir "$d" 2>/dev/null
  done
  umount "$STATE" 2>/dev/null; rm -rf "$STATE"
  if ((KEEP)); then echo "images.sh: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

cgroup_v1_view
mkdir -p "$STATE" && mount -t tmpfs -o mode=755 corral-bench-run "$STATE" || die "tmpfs on $STATE failed"
mkdir -p "$STATE/crun" "$WORK/samples"
for c in memory cpu cpuacct; do mkdir -p "/sys/fs/cgroup/$c/$TAG"; done

# ---- the registry, serving the busybox test image and the layered image
"${JAVA[@]}" io.corral.ops.bench.ImageBench build --dir="$WORK/oci" --layers="$LAYERS" \
  --layer_bytes="$LAYER_BYTES" > "$WORK/build.out" 2>&1 || die "building the images failed: $(tail -3 "$WORK/build.out")"
RPORT=$(free_port)
mkdir -p "$WORK/registry"
cat > "$WORK/registry/config.yml" <<EOF
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $WORK/registry/data}}
http: {addr: 127.0.0.1:$RPORT, secret: corral-bench}
EOF
docker-registry serve "$WORK/registry/config.yml" > "$WORK/registry/log" 2>&1 &
STARTED+=($!)
for _ in {1..300}; do curl -sf -o /dev/null "http://127.0.0.1:$RPORT/v2/" && break; /bin/sleep 0.1; done
curl -sf -o /dev/null "http://127.0.0.1:$RPORT/v2/" || die "the registry did not start: $(tail -3 "$WORK/registry/log")"
for img in busybox layered; do
  "${SKOPEO[@]}" --dest-tls-verify=false "oci:$WORK/oci/$img:latest" "docker://127.0.0.1:$RPORT/$img:latest" \
    || die "skopeo push of $img failed"
done

# ---- crun's bundle: the busybox image from the registry, unpacked by umoci
"${SKOPEO[@]}" --src-tls-verify=false "docker://127.0.0.1:$RPORT/busybox:latest" "oci:$WORK/crun-oci:latest" \
  || die "skopeo copy of busybox failed"
umoci unpack --image "$WORK/crun-oci:latest" "$WORK/bundle" >/dev/null || die "umoci unpack failed"
(cd "$WORK" && crun spec >/dev/null) || die "crun spec failed"
jq --arg root "$WORK/bundle/rootfs" --arg cg "/$TAG/@ID@" '
  .process.args = ["/bin/true"] | .process.terminal = false
  | .root = {path: $root, readonly: true} | del(.hostname)
  | .linux.namespaces = [{type: "pid"}, {type: "mount"}]
  | .linux.cgroupsPath = $cg
' "$WORK/config.json" > "$WORK/config.tpl" || die "jq failed"
TPL=$(<"$WORK/config.tpl")
bundles() { # bundles COUNT PREFIX: one config.json per id PREFIX-i, made outside the timed loop
  local i
  for ((i = 0; i < $1; i++)); do
    mkdir -p "$WORK/b/$2-$i" && printf '%s\n' "${TPL//@ID@/$2-$i}" > "$WORK/b/$2-$i/config.json"
  done
}
bundles 1 sanity
out=$("${CRUN[@]}" run --bundle "$WORK/b/sanity-0" sanity-0 2>&1) || die "crun sanity run failed: $out"

# ---- the agent
PORT=$(free_port)
"${JAVA[@]}" io.corral.ops.Main agent --ip=127.0.0.1 --port="$PORT" --work_dir="$WORK/agent-work" \
  --runtime_dir="$STATE/agent-run" --isolation=filesystem/linux,docker/runtime,namespaces/pid \
  --image_providers=docker --docker_registry="http://127.0.0.1:$RPORT" --docker_store_dir="$WORK/agent-store" \
  --cgroups_root="$TAG-agent" >"$WORK/agent.log" 2>&1 &
AGENT=$!; STARTED+=("$AGENT")
for _ in {1..300}; do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" && break
  kill -0 "$AGENT" 2>/dev/null || die "the agent exited: $(tail -3 "$WORK/agent.log")"
  /bin/sleep 0.1
done
HTTP=(--target=http --url="http://127.0.0.1:$PORT/api/v1" --pid="$AGENT"
      --http_credentials="$WORK/agent-work/credentials")

echo "images.sh: launches N=$N (crun warm-up $WARMUP, Corral >= $JVM_WARMUP per JVM), pulls $PULLS" \
     "(warm-up per round: skopeo $PULL_WARMUP, Corral JVM $PULL_JVM_WARMUP), $ROUNDS rounds; work=$WORK"
echo "  kernel $(uname -r); $NCPU cpus ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs));" \
     "$WORK on $(stat -f -c %T "$WORK")"
echo "  $(crun --version | head -1); $(skopeo --version); umoci $(umoci --version | awk '{print $NF}');" \
     "$(java -version 2>&1 | head -1)"
echo "  $(cat "$WORK/build.out")"
echo "  loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"

# corral_launch ROUND NAME LABEL [--image=I]: one LaunchBench driver JVM (its own warm-up; the
# first launch of the image pulls it)
corral_launch() {
  local r=$1 name=$2 label=$3; shift 3
  quiet_gate
  "${JAVA[@]}" io.corral.ops.bench.LaunchBench latency --n="$PER" --warmup="$JVM_WARMUP" --workers=1 \
    --out="$WORK/samples/$name-$r" --label="$label-r$r" --threads=false "${HTTP[@]}" "$@" \
    >"$WORK/$name-$r.out" 2>>"$WORK/driver.log" &
  STARTED+=($!); wait $! || die "the launch driver failed (see $WORK/driver.log with -k)"
  sed 's/^/    /' "$WORK/$name-$r.out"
  cat "$WORK/samples/$name-$r.w1.us" >> "$WORK/samples/$name.us"
}
crun_launch() {
  bundles $((WARMUP + PER)) "c$1"
  quiet_gate
  time_loop "$WORK/samples/crun-launch.us" "$1" "$PER" "${CRUN[@]}" run --bundle "$WORK/b/@ID@" @ID@
  rm -rf "$WORK/b"
}

# ---- launch: rounds, rotating order
PER=$(( (N + ROUNDS - 1) / ROUNDS ))
for ((r = 0; r < ROUNDS; r++)); do
  for ((j = 0; j < 3; j++)); do
    case $(( (r + j) % 3 )) in
      0) crun_launch "$r" ;;
      1) corral_launch "$r" corral-launch img --image=busybox ;;
      2) corral_launch "$r" corral-host host ;;
    esac
  done
done

# ---- pull: rounds, rotating order
corral_pull() { # corral_pull ROUND UNPACK
  quiet_gate
  "${JAVA[@]}" io.corral.ops.bench.ImageBench pull --registry="http://127.0.0.1:$RPORT" --image=layered \
    --work="$WORK/pulls" --n="$PPER" --warmup="$PULL_JVM_WARMUP" --unpack="$2" --out="$WORK/samples/pull-$1-$2" \
    >>"$WORK/pull.log" 2>&1 &
  STARTED+=($!); wait $! || die "the pull driver failed: $(tail -3 "$WORK/pull.log")"
  cat "$WORK/samples/pull-$1-$2" >> "$WORK/samples/corral-pull-$2.us"
}
skopeo_pull() {
  quiet_gate
  mkdir -p "$WORK/pulls"
  WARMUP=$PULL_WARMUP time_loop "$WORK/samples/skopeo-pull.us" "$1" "$PPER" "${SKOPEO[@]}" --src-tls-verify=false \
    "docker://127.0.0.1:$RPORT/layered:latest" "oci:$WORK/pulls/skopeo-@ID@:latest"
  rm -rf "$WORK/pulls"
}
PPER=$(( (PULLS + ROUNDS - 1) / ROUNDS ))
for ((r = 0; r < ROUNDS; r++)); do
  for ((j = 0; j < 3; j++)); do
    case $(( (r + j) % 3 )) in
      0) skopeo_pull "$r" ;; 1) corral_pull "$r" true ;; 2) corral_pull "$r" false ;;
    esac
  done
done

# ---- where a Corral launch spends its time (the agent's transition log, ms), image or not
echo "  Corral, median ms per state (from the agent's 'Transitioning ... after Nms'):"
sed -n 's/.*Transitioning container \[\([a-z]*\)-r[0-9]*-w1-[0-9]*-[0-9]*\] from \([A-Z]*\) to \([A-Z]*\) after \([0-9]*\)ms.*/\1:\2->\3 \4/p' \
  "$WORK/agent.log" | sort -k1,1 -k2,2n | awk '{k[$1]++; v[$1, k[$1]] = $2}
    END { for (s in k) { n = k[s]; printf "    %-30s n=%d median=%s p90=%s\n", s, n,
          v[s, int((n + 1) / 2)], v[s, int(0.9 * n + 0.999999)] } }' | sort

# ---- summary
row() { local n med p90; read -r n med p90 <<<"$(stats "$2")"; printf '%-52s %5s %9s %9s\n' "$1" "$n" "$med" "$p90"; }
echo
echo "loadavg at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-52s %5s %9s %9s\n' "variant (ms)" n median p90
row "launch: crun run (umoci bundle; pid, mnt ns)" "$WORK/samples/crun-launch.us"
row "launch: Corral HTTP (image busybox; overlay)" "$WORK/samples/corral-launch.us"
row "launch: Corral HTTP, same agent, no image" "$WORK/samples/corral-host.us"
row "pull: skopeo copy docker:// -> oci:" "$WORK/samples/skopeo-pull.us"
row "pull: Corral store, blobs only" "$WORK/samples/corral-pull-false.us"
row "pull: Corral store, with unpacking" "$WORK/samples/corral-pull-true.us"
[[ -s $WORK/fails ]] && echo "failed iterations: $(wc -l < "$WORK/fails") (see errors.log with -k)"
skopeo_med=$(median "$WORK/samples/skopeo-pull.us")
echo "corral-blobs-only/skopeo pull median ratio: $(ratio "$(median "$WORK/samples/corral-pull-false.us")" "$skopeo_med")"
echo "corral/crun image launch median ratio: $(ratio "$(median "$WORK/samples/corral-launch.us")" \
  "$(median "$WORK/samples/crun-launch.us")")"
echo "corral/skopeo pull median ratio: $(ratio "$(median "$WORK/samples/corral-pull-true.us")" "$skopeo_med")"
