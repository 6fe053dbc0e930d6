#!/usr/bin/env bash
# Runs one command as root in a throwaway Linux guest whose only cgroup hierarchy is v2
# (cgroup_no_v1=all), from the root of this checkout, which the guest sees at the same path:
#
#   it/vm/run.sh CMD...          e.g.  it/vm/run.sh cat /sys/fs/cgroup/cgroup.controllers
#   it/vm/run.sh --systemd CMD...      the same, with systemd as PID 1 and CMD as a service of it
#
# Prints the command's output and exits with its status (125 when the guest gave none back). The
# checkout and ~/.m2 are shared read-only, each with an overlay in guest memory: what the
# command writes there stays in the guest and is gone with it. The guest image is built on first
# use (image.sh, cached outside the checkout). Nothing outlives the command on the host: the
# engine runs in its own process group, which is killed, and the temporary directory removed,
# however the script ends.
#
# Environment: CORRAL_TESTVM_ENGINE  kvm, tcg or uml (default: kvm if it boots here, else uml;
#                                    see README.md for the measurements behind the choice)
#              CORRAL_TESTVM_MEMORY  guest memory in MiB (default 3072)
#              CORRAL_TESTVM_CPUS    guest cpus (default: the host's, at most 4)
#              CORRAL_TESTVM_TIMEOUT seconds before the guest is killed (default 1500)
set -euo pipefail
systemd=
if [[ ${1:-} == --systemd ]]; then
  systemd=1
  shift
fi
if [[ $# -eq 0 ]]; then
  echo "usage: it/vm/run.sh [--systemd] CMD..." >&2
  exit 2
fi
if [[ "$(id -u)" -ne 0 ]]; then
  echo "run.sh: must run as root" >&2
  exit 2
fi
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
checkout=$(cd "$here/../.." && pwd -P)
image=$("$here/image.sh")
memory=${CORRAL_TESTVM_MEMORY:-3072}
cpus=${CORRAL_TESTVM_CPUS:-$(( $(nproc) < 4 ? $(nproc) : 4 ))}
limit=${CORRAL_TESTVM_TIMEOUT:-1500}

# in memory: UML maps guest memory from a file here
tmp=$(mktemp -d /dev/shm/corral-testvm.XXXXXX)
engine_pid=
cleanup() {
  if [[ -n $engine_pid ]]; then
    kill -KILL -- "-$engine_pid" 2>/dev/null || true
    wait "$engine_pid" 2>/dev/null || true
  fi
  # UML starts a session of its own (its pid is the group of all its processes)
  local uml
  uml=$(cat "$tmp"/uml/*/pid 2>/dev/null || true)
  [[ $uml =~ ^[0-9]+$ ]] && kill -KILL -- "-$uml" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

mkdir "$tmp/ctl"
cp "$here/init" "$tmp/ctl/init"
[[ -z $systemd ]] || touch "$tmp/ctl/systemd"
printf 'cd %q || exit 125\n%s\n' "$checkout" "$(printf '%q ' "$@")" > "$tmp/ctl/cmd.sh"
shares=("$checkout")
[[ -d $HOME/.m2/repository ]] && shares+=("$(readlink -f "$HOME/.m2/repository")")
kernel_args="rw quiet loglevel=3 panic=-1 cgroup_no_v1=all init=/sbin/corral-testvm-init"

# Starts the engine in its own process group (setsid), so cleanup can kill all of it.
start() {
  setsid timeout -s KILL "$limit" "$@" </dev/null &
  engine_pid=$!
}

qemu() {
  local accel=$1 list=() n=0 s
  local args=(-fsdev "local,id=ctl,path=$tmp/ctl,security_model=passthrough"
              -device virtio-9p-pci,fsdev=ctl,mount_tag=ctl)
  for s in "${shares[@]}"; do
    args+=(-fsdev "local,id=fs$n,path=$s,security_model=passthrough,readonly=on"
           -device "virtio-9p-pci,fsdev=fs$n,mount_tag=share$n")
    list+=("share$n:$s:9p")
    n=$((n + 1))
  done
  start qemu-system-x86_64 $accel -smp "$cpus" -m "$memory" \
    -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
    -append "root=/dev/vda console=ttyS0 $kernel_args corral.out=hvc0 corral.ctl=ctl:9p corral.share=$(IFS=,; echo "${list[*]}")" \
    -drive "file=$image/rootfs.img,if=virtio,format=raw,snapshot=on,cache=unsafe" \
    -serial "file:$tmp/console.log" -device virtio-serial-pci \
    -chardev stdio,id=out -device virtconsole,chardev=out \
    -device virtio-rng-pci "${args[@]}"
}

uml() {
  local list=("/usr/lib/uml/modules:/lib/modules:hostfs:ro") s
  mkdir "$tmp/mem" "$tmp/uml"
  for s in "${shares[@]}"; do list+=("$s:$s:hostfs"); done
  TMPDIR=$tmp/mem start linux.uml mem="${memory}M" uml_dir="$tmp/uml" umid=guest \
    ubd0="$tmp/root.cow,$image/rootfs.img" root=/dev/ubda \
    con=null con0=null,fd:3 con1=null,fd:1 \
    $kernel_args corral.out=tty1 corral.ctl="$tmp/ctl:hostfs" \
    corral.share="$(IFS=,; echo "${list[*]}")" 3>"$tmp/console.log"
}

# KVM where /dev/kvm exists and a guest boots on it within a minute (KVM inside some virtual
# machines hangs at boot), remembered until the host reboots; else user-mode Linux (README.md).
choose_engine() {
  local known=/run/corral-testvm-engine
  if [[ -s $known ]]; then
    cat "$known"
  elif [[ -c /dev/kvm && -w /dev/kvm ]] &&
      CORRAL_TESTVM_ENGINE=kvm CORRAL_TESTVM_TIMEOUT=60 "$here/run.sh" true >/dev/null 2>&1; then
    echo kvm | tee "$known"
  else
    echo uml | tee "$known"
  fi
}

engine=${CORRAL_TESTVM_ENGINE:-$(choose_engine)}
case $engine in
  kvm) qemu "-accel kvm -cpu host" ;;
  tcg) qemu "-accel tcg,thread=multi,tb-size=256 -cpu max" ;;
  uml) uml ;;
  *) echo "run.sh: unknown engine '$engine' (kvm, tcg or uml)" >&2; exit 2 ;;
esac
wait "$engine_pid" || true
engine_pid=
rc=$(cat "$tmp/ctl/rc" 2>/dev/null | tr -dc 0-9 || true) # no rc file: not an error of this script
if [[ -z $rc ]]; then
  echo "run.sh: the guest ($engine) gave no exit status; the end of its console:" >&2
  tail -n 40 "$tmp/console.log" >&2 || true
  exit 125
fi
exit "$rc"
