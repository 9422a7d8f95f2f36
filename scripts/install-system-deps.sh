#!/usr/bin/env bash
# Installs Debian packages, only those missing, so it is quick on a machine that
# has them. With no arguments: the packages the tests need. Used by .ci/run (and by
# scripts/ensure-docker.sh with its own list); run it by hand (as root) on a fresh
# Debian/Ubuntu machine before `npm test`.
#   python3-grpcio, python3-grpc-tools  the control API client in a second language
#   chromium                            opens report.html headless
#   etcd-server                         a real registry for the --registry etcd:// tests and scenarios
set -euo pipefail

if [ $# -gt 0 ]; then packages=("$@"); else packages=(python3-grpcio python3-grpc-tools chromium etcd-server); fi
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${packages[*]})"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}; run this script as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
