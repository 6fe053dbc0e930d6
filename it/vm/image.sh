#!/usr/bin/env bash
# Builds the test guest's image from Debian packages only, unless the cache already holds it:
# a bookworm root filesystem (minbase) with Debian's kernel and a JDK 17, as an ext4 image, plus
# the kernel and initrd for qemu. The image lives outside the checkout, under
# $CORRAL_TESTVM_CACHE (default /var/cache/corral-testvm), in a directory named after the digest
# of this script, which defines it, so every clone on the machine shares it and a change of recipe
# builds a new one. Prints that directory. Run as root. The image's PID 1 is a stub that runs the
# init run.sh hands over (it/vm/init), so the init changes without a new image.
set -euo pipefail
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
cache=${CORRAL_TESTVM_CACHE:-/var/cache/corral-testvm}
digest=$(sha256sum < "$here/image.sh" | cut -c1-16)
dir=$cache/$digest
if [[ -f $dir/ready ]]; then
  echo "$dir"
  exit 0
fi
for tool in mmdebstrap mkfs.ext4; do
  command -v "$tool" >/dev/null || { echo "image.sh: '$tool' is missing (run ops/scripts/setup-debian.sh)" >&2; exit 1; }
done
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # one build at a time; a second caller waits and then finds it ready
if [[ -f $dir/ready ]]; then
  echo "$dir"
  exit 0
fi
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$SECONDS
# PID 1: mount the host's control directory (corral.ctl=SRC:TYPE, see init) and run its init
cat > "$work/stub" <<'STUB'
#!/bin/sh
mount -t proc proc /proc
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/corral-testvm/ctl
ctl=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^corral\.ctl=//p')
case "${ctl##*:}" in
  hostfs) mount -t hostfs -o "${ctl%:*}" hostfs /run/corral-testvm/ctl ;;
  *) mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 "${ctl%:*}" /run/corral-testvm/ctl ;;
esac
exec /bin/sh /run/corral-testvm/ctl/init
STUB
chmod 755 "$work/stub"
modules='virtio_pci virtio_blk virtio_console virtio_rng ext4 9p 9pnet_virtio overlay'
# Only the kernel modules a virtual machine and the tests use: no hardware drivers.
mods=/lib/modules/*/kernel
mmdebstrap --variant=minbase --dpkgopt=force-unsafe-io \
  --include=linux-image-amd64,initramfs-tools,openjdk-17-jre-headless,procps,util-linux,mount,xfsprogs,e2fsprogs,kmod,iproute2,containernetworking-plugins,systemd,busybox-static \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt="path-exclude=$mods/drivers/*" --dpkgopt="path-exclude=$mods/sound/*" \
  --dpkgopt="path-include=$mods/drivers/virtio/*" --dpkgopt="path-include=$mods/drivers/block/*" \
  --dpkgopt="path-include=$mods/drivers/char/*" --dpkgopt="path-include=$mods/drivers/net/veth.ko" \
  --dpkgopt="path-include=$mods/drivers/md/*" \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/usr/share/man/man1"' \
  --essential-hook='echo MODULES=list > "$1/etc/initramfs-tools/conf.d/corral-testvm.conf"' \
  --essential-hook="printf '%s\n' $modules > \"\$1/etc/initramfs-tools/modules\"" \
  --customize-hook="cp '$work/stub' \"\$1/sbin/corral-testvm-init\"" \
  --customize-hook='chroot "$1" apt-get clean' \
  --customize-hook='cp -L "$1/vmlinuz" "$1/initrd.img" "'"$work"'/"' \
  bookworm "$work/root" http://deb.debian.org/debian
size=$(( $(du -sm "$work/root" | cut -f1) + 512 ))
mkfs.ext4 -q -L corral-testvm -d "$work/root" "$work/rootfs.img" "${size}M"
rm -rf "$work/root" "$work/stub"
echo "image.sh: built in $((SECONDS - started)) s" >&2
touch "$work/ready"
mv "$work" "$dir"
trap - EXIT
echo "$dir"
