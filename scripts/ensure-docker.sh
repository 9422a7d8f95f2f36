#!/usr/bin/env bash
# Makes sure a Docker engine answers, for `--runtime docker` and the Docker tests:
# installs what is missing from Debian's packages (docker.io; iptables, gcc and
# libnetfilter-queue-dev for the fault fallbacks when the kernel has no netem; iproute2
# and util-linux for network namespaces: nsenter, and scripts/swarm-two-nodes.sh), then
# starts dockerd in the background when `docker info` does not answer. Idempotent and
# quick when all is there. Needs root (or sudo) only when something must be installed
# or started. Used by .ci/run; run it by hand before `peerlab lab run --runtime docker`.
set -euo pipefail

log=${DOCKERD_LOG:-/var/log/dockerd.log}
packages=(docker.io iptables iproute2 gcc libc6-dev libnetfilter-queue-dev util-linux)

bash "$(dirname "$0")/install-system-deps.sh" "${packages[@]}"

if docker info >/dev/null 2>&1; then
  echo "ensure-docker: docker $(docker version --format '{{.Server.Version}}') answers"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-docker: dockerd is not answering; start it as root (nohup setsid dockerd >$log 2>&1 &)" >&2
  exit 1
fi

# A second dockerd fails on its pid file: only start one when none runs.
if ! pgrep -x dockerd >/dev/null; then
  echo "ensure-docker: starting dockerd (log: $log)"
  nohup setsid dockerd >>"$log" 2>&1 </dev/null &
fi
for _ in $(seq 1 300); do
  if docker info >/dev/null 2>&1; then
    echo "ensure-docker: docker $(docker version --format '{{.Server.Version}}') answers"
    exit 0
  fi
  sleep 0.1
done
echo "ensure-docker: dockerd did not answer within 30 s; last lines of $log:" >&2
tail -n 20 "$log" >&2 || true
exit 1
