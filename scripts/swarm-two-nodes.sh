#!/usr/bin/env bash
# A real two-node Docker Swarm on this one machine, beside (never touching) the host's
# Docker engine: two extra dockerd daemons, each in a network namespace of its own, for
# tests of the lab's multi-node swarm path.
#
#   scripts/swarm-two-nodes.sh up      # build it (idempotent); prints KEY=VALUE lines
#   scripts/swarm-two-nodes.sh status  # print the KEY=VALUE lines if it is up
#   scripts/swarm-two-nodes.sh load IMAGE...  # copy host-engine images into both nodes
#   scripts/swarm-two-nodes.sh down    # take everything away again
#
# Layout (all addresses in 10.216.0.0/16, all names prefixed plab):
#   host ns:  veth plabsw-h 10.216.0.1/24  --L2-->  bridge br0 in netns plabsw-br
#   netns plabsw-m: plab0 10.216.0.2/24, dockerd (hostname plab-m), swarm manager
#   netns plabsw-w: plab0 10.216.0.3/24, dockerd (hostname plab-w), swarm worker
# The bridge lives in a namespace of its own, so no host iptables rule is needed (the
# host engine's FORWARD DROP never sees the node-to-node traffic). Each node engine's
# docker0 and docker_gwbridge get subnets of their own (m: 10.216.16.0/24, 10.216.32.0/20;
# w: 10.216.17.0/24, 10.216.48.0/20) and the host routes them through the node, so the
# host can reach a task's docker_gwbridge address on either node, as on a single node.
# Swarm overlay networks without an explicit subnet come from 10.217.0.0/16.
#
# Daemons: data-root /var/lib/peerlab-swarm2/N/root (a tmpfs at /var/lib/peerlab-swarm2 of up
# to 4 GiB, PLAB_SWARM2_TMPFS_SIZE; about 0.5 GiB used with the three images; set
# PLAB_SWARM2_TMPFS=0 to keep it on disk), log /var/lib/peerlab-swarm2/N/dockerd.log,
# exec-root /run/peerlab-swarm2/N/exec, socket /run/peerlab-swarm2/N/docker.sock, pid file
# /run/peerlab-swarm2/N/docker.pid, cgroup parent /peerlab-swarm2-N, each with its own
# containerd (started and stopped by its dockerd). Nothing in /etc/docker is read.
#
# Images: the nodes start with none. `peerlab lab run --runtime swarm` builds its images on
# the manager (DOCKER_HOST) and copies them to every node it is given an engine for;
# `load IMAGE...` copies images from the host's engine into both nodes by hand.
#
# Needs root, iproute2, iptables, util-linux (nsenter, unshare) and dockerd.
set -euo pipefail

NAME=peerlab-swarm2
RUN=/run/$NAME
LIB=/var/lib/$NAME
BRNS=plabsw-br
HOSTIF=plabsw-h
HOST_ADDR=10.216.0.1
PREFIX_LEN=24
SWARM_POOL=10.217.0.0/16
NODES=(m w)

declare -A NS=([m]=plabsw-m [w]=plabsw-w)
declare -A ADDR=([m]=10.216.0.2 [w]=10.216.0.3)
declare -A HOSTNAME_OF=([m]=plab-m [w]=plab-w)
declare -A BIP=([m]=10.216.16.1/24 [w]=10.216.17.1/24)
declare -A POOL=([m]=10.216.32.0/20 [w]=10.216.48.0/20)

T0=$EPOCHREALTIME
log() { echo "swarm-two-nodes: [$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%5.1f", b - a }')s] $*" >&2; }
die() { log "$*"; exit 1; }
sock() { echo "$RUN/$1/docker.sock"; }
dk() { local n=$1; shift; docker -H "unix://$(sock "$n")" "$@"; }
answers() { timeout 5 docker -H "unix://$(sock "$1")" version --format '{{.Server.Version}}' >/dev/null 2>&1; }
ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

# ---------------------------------------------------------------------------- network

net_up() {
  ns_exists "$BRNS" || ip netns add "$BRNS"
  ip -n "$BRNS" link set lo up
  ip -n "$BRNS" link show br0 >/dev/null 2>&1 || ip -n "$BRNS" link add br0 type bridge
  ip -n "$BRNS" link set br0 up

  # host <-> bridge
  if ! ip link show "$HOSTIF" >/dev/null 2>&1; then
    ip link add "$HOSTIF" type veth peer name port-h netns "$BRNS"
  fi
  ip -n "$BRNS" link set port-h master br0 up
  ip addr replace "$HOST_ADDR/$PREFIX_LEN" dev "$HOSTIF"
  ip link set "$HOSTIF" up

  local n
  for n in "${NODES[@]}"; do
    local ns=${NS[$n]}
    ns_exists "$ns" || ip netns add "$ns"
    ip -n "$ns" link set lo up
    if ! ip -n "$ns" link show plab0 >/dev/null 2>&1; then
      ip -n "$BRNS" link del "port-$n" 2>/dev/null || true
      ip -n "$BRNS" link add "port-$n" type veth peer name plab0 netns "$ns"
    fi
    ip -n "$BRNS" link set "port-$n" master br0 up
    ip -n "$ns" addr replace "${ADDR[$n]}/$PREFIX_LEN" dev plab0
    ip -n "$ns" link set plab0 up
    # The node engine's local networks (docker0, docker_gwbridge), through the node.
    ip route replace "${POOL[$n]}" via "${ADDR[$n]}" dev "$HOSTIF"
    ip route replace "${BIP[$n]%.*}.0/24" via "${ADDR[$n]}" dev "$HOSTIF"
  done
}

# ---------------------------------------------------------------------------- storage

storage_up() { # both engines' data on a tmpfs (unless PLAB_SWARM2_TMPFS=0): faster loads, instant cleanup
  [ "${PLAB_SWARM2_TMPFS:-1}" != 0 ] || return 0
  mountpoint -q "$LIB" && return 0
  mkdir -p "$LIB"
  [ -z "$(ls -A "$LIB")" ] || { log "$LIB already holds data: kept on disk"; return 0; }
  mount -t tmpfs -o "size=${PLAB_SWARM2_TMPFS_SIZE:-4g},mode=0711" peerlab-swarm2 "$LIB"
}

# ---------------------------------------------------------------------------- daemons

daemon_pid() { # the dockerd pid from its pid file, if that process is our dockerd
  local f=$RUN/$1/docker.pid pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$(sock "$1")" || return 1
  echo "$pid"
}

daemon_up() {
  local n=$1 ns=${NS[$n]}
  if answers "$n"; then return 0; fi
  if pid=$(daemon_pid "$n"); then
    log "dockerd $n (pid $pid) runs but does not answer yet"
  else
    mkdir -p "$RUN/$n" "$LIB/$n/root"
    echo '{}' >"$RUN/$n/daemon.json"
    rm -f "$RUN/$n/docker.pid" "$(sock "$n")"
    log "starting dockerd $n in netns $ns (log: $LIB/$n/dockerd.log)"
    # nsenter (not `ip netns exec`, which remounts /sys and hides the cgroups), then a
    # UTS namespace of its own so swarm sees the node as plab-m / plab-w.
    nohup setsid nsenter --net="/run/netns/$ns" -- unshare --uts -- \
      sh -c "hostname ${HOSTNAME_OF[$n]} && exec dockerd \
        --config-file $RUN/$n/daemon.json \
        --data-root $LIB/$n/root \
        --exec-root $RUN/$n/exec \
        --pidfile $RUN/$n/docker.pid \
        -H unix://$(sock "$n") \
        --storage-driver overlay2 \
        --exec-opt native.cgroupdriver=cgroupfs \
        --cgroup-parent /$NAME-$n \
        --bip ${BIP[$n]} \
        --default-address-pool base=${POOL[$n]},size=24" \
      >>"$LIB/$n/dockerd.log" 2>&1 </dev/null &
  fi
}

daemon_wait() {
  local n=$1 i
  for i in $(seq 1 600); do
    answers "$n" && return 0
    sleep 0.1
  done
  tail -n 30 "$LIB/$n/dockerd.log" >&2 || true
  die "dockerd $n did not answer within 60 s"
}

node_rules() { # inside the node's netns only: let the host reach docker_gwbridge addresses
  local n=$1 ns=${NS[$n]} i
  for i in $(seq 1 50); do
    ip netns exec "$ns" iptables -S DOCKER-USER >/dev/null 2>&1 && break
    sleep 0.1
  done
  ip netns exec "$ns" iptables -C DOCKER-USER -i plab0 -o docker_gwbridge -j ACCEPT 2>/dev/null ||
    ip netns exec "$ns" iptables -I DOCKER-USER -i plab0 -o docker_gwbridge -j ACCEPT
}

# ---------------------------------------------------------------------------- swarm

swarm_up() {
  local state
  state=$(dk m info --format '{{.Swarm.LocalNodeState}}')
  if [ "$state" != active ] || [ "$(dk m info --format '{{.Swarm.ControlAvailable}}')" != true ]; then
    [ "$state" = inactive ] || dk m swarm leave --force >/dev/null 2>&1 || true
    log "swarm init on m (${ADDR[m]})"
    dk m swarm init --advertise-addr "${ADDR[m]}" --listen-addr "${ADDR[m]}:2377" \
      --default-addr-pool "$SWARM_POOL" --default-addr-pool-mask-length 24 >/dev/null
  fi
  local wid
  wid=$(dk w info --format '{{.Swarm.NodeID}}')
  if [ "$(dk w info --format '{{.Swarm.LocalNodeState}}')" = active ] && [ -n "$wid" ] &&
    dk m node inspect "$wid" >/dev/null 2>&1; then
    :
  else
    dk w swarm leave --force >/dev/null 2>&1 || true
    log "swarm join of w (${ADDR[w]})"
    dk w swarm join --token "$(dk m swarm join-token -q worker)" \
      --advertise-addr "${ADDR[w]}" --listen-addr "${ADDR[w]}:2377" "${ADDR[m]}:2377" >/dev/null
    wid=$(dk w info --format '{{.Swarm.NodeID}}')
  fi
  local i
  for i in $(seq 1 300); do
    [ "$(dk m node inspect "$wid" --format '{{.Status.State}}' 2>/dev/null)" = ready ] && return 0
    sleep 0.1
  done
  die "worker node $wid not ready within 30 s"
}

# ---------------------------------------------------------------------------- images

images_up() { # the images given as arguments
  local missing=() id n need img
  for img in "$@"; do
    id=$(docker image inspect --format '{{.Id}}' "$img" 2>/dev/null) || die "the host engine has no image $img"
    need=0
    for n in "${NODES[@]}"; do
      [ "$(dk "$n" image inspect --format '{{.Id}}' "$img" 2>/dev/null || true)" = "$id" ] || need=1
    done
    [ $need = 0 ] || missing+=("$img")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  log "copying ${missing[*]} into both nodes"
  local tar=$LIB/images.tar
  docker save -o "$tar" "${missing[@]}"
  local pids=()
  for n in "${NODES[@]}"; do
    dk "$n" load -q -i "$tar" >/dev/null & pids+=($!)
  done
  local p rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  rm -f "$tar"
  [ $rc = 0 ] || die "docker load failed"
}

# ---------------------------------------------------------------------------- report

report() {
  local wid mid
  mid=$(dk m info --format '{{.Swarm.NodeID}}')
  wid=$(dk w info --format '{{.Swarm.NodeID}}')
  echo "MANAGER_SOCK=$(sock m)"
  echo "WORKER_SOCK=$(sock w)"
  echo "MANAGER_ADDR=${ADDR[m]}"
  echo "WORKER_ADDR=${ADDR[w]}"
  echo "MANAGER_NODE=$(dk m node inspect "$mid" --format '{{.Description.Hostname}}')"
  echo "MANAGER_NODE_ID=$mid"
  echo "WORKER_NODE=$(dk m node inspect "$wid" --format '{{.Description.Hostname}}')"
  echo "WORKER_NODE_ID=$wid"
  echo "HOST_ADDR=$HOST_ADDR"
}

# ---------------------------------------------------------------------------- down

kill_pids() { # TERM, wait up to $1 s, then KILL; pids from stdin
  local wait_s=$1 pids p i
  pids=$(sort -u | grep -E '^[0-9]+$' | grep -vx "$$" || true)
  [ -n "$pids" ] || return 0
  for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
  for i in $(seq 1 $((wait_s * 10))); do
    local alive=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 0.1
  done
  for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
  sleep 0.2
}

leftover_pids() { # every process this node started: by its exec-root path, its cgroup, its netns
  local n=$1 f
  grep -lsF -- "$RUN/$n/exec/" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3 || true
  for f in /sys/fs/cgroup/*/"$NAME-$n"; do
    [ -d "$f" ] && find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null
  done
  ns_exists "${NS[$n]}" && ip netns pids "${NS[$n]}" 2>/dev/null
  true
}

down() {
  local n pid
  # Fast teardown: the services go, every container is killed (no stop grace), then
  # both engines leave the swarm.
  local up=()
  for n in w m; do answers "$n" && up+=("$n"); done
  if [[ " ${up[*]} " == *" m "* ]]; then
    dk m service ls -q 2>/dev/null | xargs -r docker -H "unix://$(sock m)" service rm >/dev/null 2>&1 || true
  fi
  for n in "${up[@]}"; do
    dk "$n" ps -q 2>/dev/null | xargs -r docker -H "unix://$(sock "$n")" kill >/dev/null 2>&1 || true
  done
  local pids=()
  for n in "${up[@]}"; do
    log "leaving the swarm on $n"
    timeout 30 docker -H "unix://$(sock "$n")" swarm leave --force >/dev/null 2>&1 &
    pids+=($!)
  done
  [ "${#pids[@]}" = 0 ] || wait "${pids[@]}" || true
  local daemons=()
  for n in w m; do
    if pid=$(daemon_pid "$n"); then
      log "stopping dockerd $n (pid $pid)"
      daemons+=("$pid")
    fi
  done
  [ "${#daemons[@]}" = 0 ] || printf '%s\n' "${daemons[@]}" | kill_pids 30
  for n in "${NODES[@]}"; do
    leftover_pids "$n" | kill_pids 5
  done
  log "daemons stopped; unmounting and deleting"
  # Mounts the daemons left under their roots (overlay2 merged dirs, netns files, shm).
  local m i
  for i in 1 2 3 4 5; do
    mapfile -t m < <(awk '{print $5}' /proc/self/mountinfo | grep -E "^($RUN|$LIB)(/|$)" | sort -r)
    [ "${#m[@]}" -gt 0 ] || break
    for p in "${m[@]}"; do umount "$p" 2>/dev/null || umount -l "$p" 2>/dev/null || true; done
  done
  log "unmounted; deleting namespaces, links, cgroups"
  for n in "${NODES[@]}"; do
    ns_exists "${NS[$n]}" && ip netns del "${NS[$n]}"
    ip route del "${POOL[$n]}" 2>/dev/null || true
    ip route del "${BIP[$n]%.*}.0/24" 2>/dev/null || true
  done
  ip link show "$HOSTIF" >/dev/null 2>&1 && ip link del "$HOSTIF"
  ns_exists "$BRNS" && ip netns del "$BRNS"
  # cgroups the node engines made
  for n in "${NODES[@]}"; do
    for d in /sys/fs/cgroup/*/"$NAME-$n"; do
      [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
  done
  log "deleting $RUN and $LIB"
  if awk '{print $5}' /proc/self/mountinfo | grep -qE "^($RUN|$LIB)(/|$)"; then
    log "mounts remain under $RUN or $LIB: data dirs kept"
  else
    rm -rf --one-file-system "$RUN" "$LIB"
  fi
  log "down"
}

# ---------------------------------------------------------------------------- main

[ "$(id -u)" -eq 0 ] || die "needs root"
case "${1:-}" in
  up)
    start=$EPOCHREALTIME
    net_up
    storage_up
    for n in "${NODES[@]}"; do daemon_up "$n"; done
    for n in "${NODES[@]}"; do daemon_wait "$n"; node_rules "$n"; done
    swarm_up
    log "up in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
    report
    ;;
  load)
    shift
    [ $# -gt 0 ] || die "usage: $0 load IMAGE..."
    answers m && answers w || die "not up"
    images_up "$@"
    ;;
  status)
    answers m && answers w || die "not up"
    report
    ;;
  down)
    start=$EPOCHREALTIME
    down
    log "down in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
    ;;
  *)
    echo "usage: $0 up|status|load IMAGE...|down" >&2
    exit 2
    ;;
esac
