#!/usr/bin/env bash
# Installs what building and testing Corral needs on a fresh Debian or Ubuntu machine:
# a JDK 17, Maven, a C compiler with the libc headers (for the launch helper corral-init)
# procps (`ps`, used by the tests and the README's demo), xfsprogs (`mkfs.xfs`: the disk/xfs
# tests make their own XFS image on a loop device), curl and openssl (the security tests call the
# agent as another user, and over TLS with certificates they make), and for the test guest of
# `it/vm/` (a cgroup v2 kernel of its own): mmdebstrap, which builds its image, and qemu and
# user-mode Linux, which run it; for the image tests: Debian's registry (docker-registry), skopeo
# (pushes the test images), busybox-static (their contents) and apache2-utils (htpasswd, for the
# registry's Basic authentication); for the network/cni tests: Debian's CNI plugins
# (containernetworking-plugins: bridge, host-local, loopback, portmap) and iptables, which
# portmap calls. Run as root. Idempotent: it runs apt-get only when a package is
# missing.
# For the status page's browser test (StatusPageIT): Debian's chromium, run headless.
set -euo pipefail

if [[ "$(id -u)" -ne 0 ]]; then
  echo "setup-debian.sh: must run as root (try: sudo $0)" >&2
  exit 1
fi

packages=(openjdk-17-jdk-headless maven gcc libc6-dev procps xfsprogs curl openssl
  mmdebstrap qemu-system-x86 user-mode-linux docker-registry skopeo busybox-static apache2-utils
  containernetworking-plugins iptables
  chromium)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup-debian.sh: ${packages[*]} already installed"
  exit 0
fi

echo "setup-debian.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
