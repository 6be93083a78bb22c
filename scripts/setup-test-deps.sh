#!/usr/bin/env bash
# Installs what the interop, TURN, namespace and browser tests need, from
# Debian's packages: Go + Pion sources, coturn, OpenSSL, Chromium, iproute2,
# iptables, and a C compiler for the native SRTP accelerator. Idempotent; run
# as root (or via sudo).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(golang-go golang-github-pion-webrtc.v3-dev golang-github-pion-turn.v2-dev coturn openssl chromium iproute2 iptables gcc libc6-dev redis-server)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  # Never let a package start a service (coturn would start a TURN server on all interfaces).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
  fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Build the Go peers used by interop tests and benchmarks.
"$(dirname "$0")/../test/interop/pion/build.sh" >/dev/null
echo "test dependencies ready"
