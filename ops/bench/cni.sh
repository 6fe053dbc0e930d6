#!/usr/bin/env bash
# cni.sh -- network/cni benchmark: launch-and-reap of /bin/true on a CNI bridge network.
#
# Measures in ONE run on this machine, warm-up discarded, the variants interleaved in rounds,
# wall ms per container (median, p90):
#   corral-net   a `corral agent` on loopback with --isolation=filesystem/posix,namespaces/pid,network/cni
#                and one bridge network (bridge + host-local, 10.199.250.0/24 on bridge cni-tbench,
#                no masquerading): LAUNCH (network_infos: the network)/WAIT/REMOVE over one
#                keep-alive java.net.http client (LaunchBench's HTTP target)
#   corral-host  the same agent, the same container without network_infos (the host's network)
#   crun+cni     the peer: what a runtime plus direct plugin calls (as cnitool does) costs: a
#                network namespace made and kept by `unshare --net=FILE`, the bridge plugin's
#                ADD on it, `ip link set lo up` in it, `crun run` of a static busybox bundle
#                joining it (pid, mount, uts, network namespaces), the plugin's DEL, unmount
# and ends with `corral-net/corral-host median ratio: R` and `corral-net/crun+cni median ratio: R`.
#
# Usage: sudo ops/bench/cni.sh [-n N] [-r ROUNDS] [-u WARMUP] [-U JVM_WARMUP] [-k]
#   -n N          measured launches per variant (default 150; env N)
#   -r ROUNDS     rounds the variants run interleaved in, N/ROUNDS each (default 3)
#   -u WARMUP     discarded warm-up iterations for crun+cni (default 20)
#   -U JVM_WARMUP discarded warm-up launches per Corral driver JVM, at least (default 300)
#   -k            keep the temp dir (samples in microseconds, bundles, agent log)
#
# Needs root, crun, jq, curl, busybox-static, containernetworking-plugins (installed when
# missing). Like launch.sh it re-runs itself in a private mount namespace whose /sys/fs/cgroup
# holds the v1 hierarchies only (crun refuses the hybrid layout). Cleanup on exit, error or
# Ctrl-C: the processes it started (by pid), crun containers, namespace handles, the bridge,
# the IPAM leases, net.ipv4.ip_forward as it was, the temp dir.
set -uo pipefail

ROUNDS=${ROUNDS:-3}; N=${N:-150}; WARMUP=${WARMUP:-20}; JVM_WARMUP=${JVM_WARMUP:-300}; KEEP=${KEEP:-0}
while getopts "n:r:u:U:kh" opt; do
  case $opt in
    n) N=$OPTARG ;; r) ROUNDS=$OPTARG ;; u) WARMUP=$OPTARG ;; U) JVM_WARMUP=$OPTARG ;; k) KEEP=1 ;;
    h|*) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 0 ;;
  esac
done
export ROUNDS N WARMUP JVM_WARMUP KEEP

die() { echo "cni.sh: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root (sudo ops/bench/cni.sh)"
REPO=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
JAR=$REPO/ops/target/corral.jar
CLASSES=$REPO/ops/target/test-classes
PLUGINS=/usr/lib/cni
BRIDGE=cni-tbench
# shellcheck source=ops/bench/common.sh
source "$REPO/ops/bench/common.sh"

# ============================================================ stage 1: host side
if [[ -z ${CORRAL_BENCH_INNER:-} ]]; then
  missing=()
  command -v crun >/dev/null || missing+=(crun)
  command -v jq >/dev/null || missing+=(jq)
  command -v curl >/dev/null || missing+=(curl)
  dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  [[ -x $PLUGINS/bridge ]] || missing+=(containernetworking-plugins)
  if ((${#missing[@]})); then
    echo "cni.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed"
  fi
  stale=$(find "$REPO/pom.xml" "$REPO"/*/pom.xml "$REPO"/*/src -type f -newer "$JAR" -print -quit 2>/dev/null)
  if [[ ! -f $JAR || ! -d $CLASSES/io/corral/ops/bench || -n $stale ]]; then
    echo "cni.sh: building $JAR and the test classes" >&2
    (cd "$REPO" && { mvn -B -q -o package -DskipTests || mvn -B -q package -DskipTests; }) >&2 \
      || die "the build failed"
  fi
  FORWARD=$(</proc/sys/net/ipv4/ip_forward)
  export CORRAL_BENCH_TAG="corral-bench.$$"
  CORRAL_BENCH_INNER=1 unshare --mount --propagation private -- bash "$0" "$@"
  rc=$?
  # Whatever the inner run could not remove (it was killed hard): the bridge and ip_forward.
  ip link del "$BRIDGE" 2>/dev/null
  echo "$FORWARD" > /proc/sys/net/ipv4/ip_forward
  ((KEEP)) || rm -rf /tmp/"$CORRAL_BENCH_TAG".*
  exit $rc
fi

# ============================================================ stage 2: private mount namespace
TAG=$CORRAL_BENCH_TAG
WORK=$(mktemp -d "/tmp/$TAG.XXXX")
STATE=$WORK/run
NCPU=$(nproc)
CRUN=(crun --root "$STATE/crun" --cgroup-manager=cgroupfs)
read -ra JAVA_OPTS <<<"${BENCH_JAVA_OPTS:-}"
JAVA=(java --enable-native-access=ALL-UNNAMED "${JAVA_OPTS[@]}" -cp "$JAR:$CLASSES")
DRIVER=(io.corral.ops.bench.LaunchBench)
declare -a STARTED=()
cgroup_v1_view

cleanup() {
  set +e
  local pid id
  stop_pids "${STARTED[@]}"
  for pid in $(corral_pids); do kill -KILL "$pid" 2>/dev/null; done
  if [[ -d $STATE/crun ]]; then
    for id in $("${CRUN[@]}" list -q 2>/dev/null); do "${CRUN[@]}" delete -f "$id" >/dev/null 2>&1; done
  fi
  for id in "$WORK"/ns/*; do [[ -e $id ]] && cni DEL "${id##*/}" >/dev/null 2>&1; done
  unmount_under "$WORK"
  for d in /sys/fs/cgroup/*/"corral-bench-cni-$$" /sys/fs/cgroup/*/"$TAG"; do
    [[ -d $d ]] && { find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null; rmdir "$d" 2>/dev/null; }
  done
  ip link del "$BRIDGE" 2>/dev/null
  if ((KEEP)); then echo "cni.sh: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir -p "$STATE/crun" "$WORK/samples" "$WORK/net.d" "$WORK/ns" "$WORK/ipam"
chmod 700 "$WORK/net.d"

# ---- the network, for both Corral and the peer
NET='{"cniVersion":"1.0.0","name":"bench","type":"bridge","bridge":"'$BRIDGE'","isGateway":true,"ipMasq":false,
 "ipam":{"type":"host-local","dataDir":"'$WORK/ipam'","ranges":[[{"subnet":"10.199.250.0/24"}]]}}'
echo "$NET" > "$WORK/net.d/bench.conf"

# cni ADD|DEL ID: the bridge plugin called directly, as cnitool does
cni() {
  CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=$WORK/ns/$2 CNI_IFNAME=eth0 CNI_PATH=$PLUGINS \
    "$PLUGINS/bridge" < "$WORK/net.d/bench.conf" > /dev/null
}

# ---- the peer: a static busybox bundle joining a namespace kept at $WORK/ns/<id>
R=$WORK/rootfs
mkdir -p "$R/bin" "$R/proc" "$R/dev" "$R/sys" "$R/tmp"
cp /bin/busybox "$R/bin/busybox" && ln -s busybox "$R/bin/true" && ln -s busybox "$R/bin/sh"
(cd "$WORK" && crun spec >/dev/null) || die "crun spec failed"
jq --arg root "$R" --arg ns "$WORK/ns/@ID@" --arg cg "/$TAG/@ID@" '
  .process.args = ["/bin/true"] | .process.terminal = false
  | .root = {path: $root, readonly: true} | .hostname = "@ID@"
  | .linux.namespaces = [{type: "pid"}, {type: "mount"}, {type: "uts"}, {type: "network", path: $ns}]
  | .linux.cgroupsPath = $cg
' "$WORK/config.json" > "$WORK/config.tpl" || die "jq failed"
TPL=$(<"$WORK/config.tpl")

# crun_cni ID: one peer launch-and-reap with its network, end to end
crun_cni() {
  local id=$1 ns=$WORK/ns/$1
  : > "$ns" && unshare --net="$ns" true || return 1
  cni ADD "$id" || { umount "$ns"; rm -f "$ns"; return 1; }
  nsenter --net="$ns" ip link set dev lo up
  "${CRUN[@]}" run --bundle "$WORK/b/$id" "$id"
  local rc=$?
  cni DEL "$id"; umount "$ns"; rm -f "$ns"
  return $rc
}

# peer NAME N: bundles made before (untimed), then WARMUP + N timed crun_cni runs
peer() {
  local i
  for ((i = 0; i < WARMUP + $2; i++)); do
    mkdir -p "$WORK/b/c0-$i" && printf '%s\n' "${TPL//@ID@/c0-$i}" > "$WORK/b/c0-$i/config.json"
  done
  quiet_gate
  time_loop "$WORK/samples/$1.us" 0 "$2" crun_cni @ID@
  rm -rf "$WORK/b"
}

# ---- the agent
QUIET_MAX_S=${QUIET_MAX_S:-30}; QUIET_PCT=${QUIET_PCT:-10}
echo "cni.sh: N=$N rounds=$ROUNDS warmup=$WARMUP (Corral: $JVM_WARMUP per driver) work=$WORK"
echo "  kernel $(uname -r); $NCPU cpus; $(crun --version | head -1);" \
     "containernetworking-plugins $(dpkg-query -W -f='${Version}' containernetworking-plugins); $(java -version 2>&1 | head -1)"
echo "  loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
PORT=$(free_port)
"${JAVA[@]}" io.corral.ops.Main agent --ip=127.0.0.1 --port="$PORT" --work_dir="$WORK/agent-work" \
  --runtime_dir="$STATE/agent-run" --isolation=filesystem/posix,namespaces/pid,network/cni \
  --cgroups_root="corral-bench-cni-$$" --network_cni_config_dir="$WORK/net.d" \
  --network_cni_plugins_dir="$PLUGINS" >"$WORK/agent.log" 2>&1 &
AGENT=$!; STARTED+=("$AGENT")
URL="http://127.0.0.1:$PORT/api/v1"
for _ in {1..300}; do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" && break
  kill -0 "$AGENT" 2>/dev/null || die "the agent exited: $(tail -3 "$WORK/agent.log")"
  /bin/sleep 0.1
done
HTTP=(--target=http --url="$URL" --pid="$AGENT" --http_credentials="$WORK/agent-work/credentials")

# corral NAME N ARGS...: one driver JVM (its own warm-up), samples appended to samples/NAME.us
corral() {
  local name=$1 n=$2 tag="$1.$RANDOM"; shift 2
  quiet_gate
  "${JAVA[@]}" "${DRIVER[@]}" latency --n="$n" --warmup="$JVM_WARMUP" --workers=1 --threads=false \
    --out="$WORK/samples/$tag" "$@" >"$WORK/$tag.out" 2>>"$WORK/$name.log" &
  STARTED+=($!); wait $! || die "the $name driver failed: $(tail -3 "$WORK/$name.log")"
  sed 's/^/    /' "$WORK/$tag.out"
  cat "$WORK/samples/$tag.w1.us" >> "$WORK/samples/$name.us"
}

# Sanity: the peer really gets an address on the bridge, and so does a Corral container.
: > "$WORK/ns/sanity" && unshare --net="$WORK/ns/sanity" true && cni ADD sanity \
  && nsenter --net="$WORK/ns/sanity" ip -o -4 addr show eth0 | grep -q '10\.199\.250\.' \
  || die "the peer's network sanity check failed"
cni DEL sanity; umount "$WORK/ns/sanity"; rm -f "$WORK/ns/sanity"

PER=$(( (N + ROUNDS - 1) / ROUNDS ))
for ((r = 0; r < ROUNDS; r++)); do
  for ((j = 0; j < 3; j++)); do
    case $(( (r + j) % 3 )) in
      0) peer crun-cni "$PER" ;;
      1) corral corral-net "$PER" "${HTTP[@]}" --network=bench --label="net-r$r" ;;
      2) corral corral-host "$PER" "${HTTP[@]}" --label="host-r$r" ;;
    esac
  done
done
leases=$(find "$WORK/ipam/bench" -maxdepth 1 -name '10.*' 2>/dev/null | wc -l)
veths=$(ip -o link show master "$BRIDGE" 2>/dev/null | wc -l)

echo
echo "loadavg at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-52s %5s %9s %9s\n' "variant (ms per container)" n median p90
for v in "corral-net:Corral HTTP, bridge network (LAUNCH, WAIT, REMOVE)" \
         "corral-host:Corral HTTP, host network (LAUNCH, WAIT, REMOVE)" \
         "crun-cni:crun run + bridge ADD/DEL (netns, lo up)"; do
  read -r n med p90 <<<"$(stats "$WORK/samples/${v%%:*}.us")"
  printf '%-52s %5s %9s %9s\n' "${v#*:}" "$n" "$med" "$p90"
done
[[ -s $WORK/fails ]] && echo "failed iterations: $(wc -l < "$WORK/fails") (see errors.log with -k)"
echo "left after the run: $leases leases, $veths veths"
net=$(median "$WORK/samples/corral-net.us")
echo "corral-net/corral-host median ratio: $(ratio "$net" "$(median "$WORK/samples/corral-host.us")")"
echo "corral-net/crun+cni median ratio: $(ratio "$net" "$(median "$WORK/samples/crun-cni.us")")"
