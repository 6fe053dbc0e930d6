# common.sh -- helpers shared by the benchmark scripts in this directory (sourced, not run).
# They use the caller's globals: WORK (the run's temp dir), STATE (its runtime dir), WARMUP,
# NCPU, QUIET_MAX_S, QUIET_PCT, and a die() function.

# cgroup_v1_view: in the caller's private mount namespace, a /sys/fs/cgroup holding bind mounts
# of the v1 hierarchies only (crun refuses the hybrid layout of v1 plus a cgroup2 mount).
cgroup_v1_view() {
  [[ -e /sys/fs/cgroup/unified ]] || return 0
  local view="$WORK/cgview" c
  mkdir -p "$view"
  mount --rbind /sys/fs/cgroup "$view" || die "rbind /sys/fs/cgroup failed"
  mount -t tmpfs -o mode=755,size=64k corral-bench-cgroup /sys/fs/cgroup || die "tmpfs over /sys/fs/cgroup failed"
  for c in "$view"/*; do
    c=${c##*/}
    [[ $c != unified && $(stat -f -c %T "$view/$c") == cgroupfs ]] || continue
    mkdir "/sys/fs/cgroup/$c" && mount --bind "$view/$c" "/sys/fs/cgroup/$c" || die "bind $c failed"
  done
  umount -R "$view" && rmdir "$view"
}

# corral_pids: the inits of this run's containers: a corral-init (run from a sealed memfd, so
# its exe is no path) holding a file under $STATE open, or one run from a file under $STATE.
corral_pids() {
  local p fd
  for p in /proc/[0-9]*; do
    [[ $(cat "$p/comm" 2>/dev/null) == corral-init ]] || continue
    for fd in "$p/exe" "$p"/fd/*; do
      [[ $(readlink "$fd" 2>/dev/null) == "$STATE"/* ]] && { echo "${p#/proc/}"; break; }
    done
  done
}

# unmount_under DIR...: lazily unmounts every mount below the DIRs, deepest first.
unmount_under() {
  local d m
  for d in "$@"; do
    awk -v d="$d/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
      umount -l "$m" 2>/dev/null
    done
  done
}

# quiet_gate: waits up to QUIET_MAX_S seconds for 2 s with < QUIET_PCT % of all CPUs busy.
quiet_gate() {
  ((QUIET_MAX_S > 0)) || return 0
  local start=$SECONDS b0 b1 _ u n s
  while ((SECONDS - start < QUIET_MAX_S)); do
    read -r _ u n s _ < /proc/stat; b0=$((u + n + s))
    /bin/sleep 2
    read -r _ u n s _ < /proc/stat; b1=$((u + n + s))
    (( (b1 - b0) / (NCPU * 2) < QUIET_PCT )) && return 0    # ticks of 10 ms
  done
  echo "  (machine not quiet after ${QUIET_MAX_S}s, measuring anyway; load $(cut -d' ' -f1 /proc/loadavg))"
}

# time_loop FILE WORKER ITERATIONS CMD...: runs CMD (@ID@ = a fresh id, c<WORKER>-<i>)
# WARMUP + ITERATIONS times, appends the measured microseconds to FILE.
time_loop() {
  local f=$1 k=$2 iters=$3; shift 3
  local i id t0 t1 a; local -a args
  for ((i = 0; i < WARMUP + iters; i++)); do
    id="c$k-$i"; args=()
    for a in "$@"; do args+=("${a//@ID@/$id}"); done
    t0=$EPOCHREALTIME
    "${args[@]}" </dev/null >/dev/null 2>>"$WORK/errors.log" || echo "$id" >> "$WORK/fails"
    t1=$EPOCHREALTIME
    ((i >= WARMUP)) && echo $(( 10#${t1/./} - 10#${t0/./} )) >> "$f"
  done
}

# stats FILE -> "n median p90" in ms
stats() {
  sort -n "$1" | awk '{v[NR] = $1} END {
    if (NR == 0) { print "0 - -"; exit }
    med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%d %.2f %.2f\n", NR, med / 1000, v[int(0.9 * NR + 0.999999)] / 1000 }'
}
median() { stats "$1" | cut -d' ' -f2; }

# ratio A B: A / B to two decimals, or n/a
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }

free_port() {
  local p
  for _ in {1..50}; do
    p=$((20000 + RANDOM % 20000))
    ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
  die "no free port"
}

# stop_pids PID...: SIGTERM to each, then SIGKILL to those alive after 10 s.
stop_pids() {
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "$@"; do
    for _ in {1..100}; do kill -0 "$pid" 2>/dev/null || break; /bin/sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
}
