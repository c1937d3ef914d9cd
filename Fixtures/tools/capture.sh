#!/bin/bash
# Capture real DHCPv6 exchanges between Kea (kea-dhcp6-server) and ISC dhclient,
# directly and through ISC dhcrelay, inside private network namespaces.
#
# Needs root and the Debian packages: kea-dhcp6-server isc-dhcp-client
# isc-dhcp-relay tcpdump iproute2, plus a Python venv with dhcpkit for the
# crafted relay messages (PYVENV, default .venv of the repository).
#
# Usage: sudo Fixtures/tools/capture.sh [output-dir]   (default: Fixtures/pcap)
#
# Topology (all addresses are documentation prefixes, nothing leaves the host):
#
#   dk-c1 [c1-eth0] ------------------- [s-eth0 2001:db8:1::1/64]  dk-s (Kea)
#   dk-c2 [c2-eth0] --- [r-down 2001:db8:2::1/64] dk-r              |
#                        [r-up 2001:db8:ff::2/64] ---- [s-eth1 2001:db8:ff::1/64]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/../pcap}
OUT=$(mkdir -p "$OUT" && cd "$OUT" && pwd)
PYVENV=${PYVENV:-$(pwd)/.venv}
WORK=$(mktemp -d /tmp/dhcpkafka-capture.XXXXXX)
NS="dk-s dk-r dk-c1 dk-c2"
PIDS=()

log() { echo "[$(date +%T)] $*" >&2; }

cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    sleep 1
    for pid in "${PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null
    done
    for ns in $NS; do
        ip netns del "$ns" 2>/dev/null
    done
    if [ -n "${KEEP_WORK:-}" ]; then
        log "work dir kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT INT TERM

# Start a background process inside a namespace; remember its pid.
# (ip netns exec execs the command, so $! is the real process.)
bg() {
    local ns=$1 logname=$2
    shift 2
    ip netns exec "$ns" "$@" >"$WORK/$logname.log" 2>&1 &
    PIDS+=($!)
    LASTPID=$!
}

# Stop one background process (SIGTERM) and wait for it.
stop() {
    local pid=$1
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Wait until a file contains a pattern (or time out).
wait_for() {
    local file=$1 pattern=$2 timeout=${3:-20}
    for _ in $(seq $((timeout * 5))); do
        if grep -q -- "$pattern" "$file" 2>/dev/null; then return 0; fi
        sleep 0.2
    done
    log "timeout waiting for '$pattern' in $file"
    return 1
}

# Wait until a file contains a pattern at least n times (or time out).
wait_count() {
    local file=$1 pattern=$2 n=$3 timeout=${4:-30}
    for _ in $(seq $((timeout * 5))); do
        if [ "$(grep -c -- "$pattern" "$file" 2>/dev/null)" -ge "$n" ]; then return 0; fi
        sleep 0.2
    done
    log "timeout waiting for $n x '$pattern' in $file"
    return 1
}

# Wait until an interface has a usable (non-tentative) link-local address.
wait_ll() {
    local ns=$1 ifc=$2
    for _ in $(seq 50); do
        if ip netns exec "$ns" ip -6 addr show dev "$ifc" scope link | grep -q inet6 &&
           ! ip netns exec "$ns" ip -6 addr show dev "$ifc" | grep -q tentative; then return 0; fi
        sleep 0.2
    done
    log "no link-local address on $ns/$ifc"
    ip netns exec "$ns" ip -6 addr show dev "$ifc" >&2
    return 1
}

# ---------------------------------------------------------------- topology
for ns in $NS; do
    ip netns del "$ns" 2>/dev/null || true
    ip netns add "$ns"
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_ra=0
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_ra=0
done

# veth <ns-a> <if-a> <mac-a> <ns-b> <if-b> <mac-b>
veth() {
    ip link add "$2" address "$3" netns "$1" type veth peer name "$5" address "$6" netns "$4"
    ip netns exec "$1" ip link set "$2" up
    ip netns exec "$4" ip link set "$5" up
}
veth dk-c1 c1-eth0 02:00:00:00:c1:01  dk-s s-eth0 02:00:00:00:5e:00
veth dk-c2 c2-eth0 02:00:00:00:c2:01  dk-r r-down 02:00:00:00:4e:01
veth dk-r  r-up    02:00:00:00:4e:02  dk-s s-eth1 02:00:00:00:5e:01
ip netns exec dk-s ip -6 addr add 2001:db8:1::1/64 dev s-eth0
ip netns exec dk-s ip -6 addr add 2001:db8:ff::1/64 dev s-eth1
ip netns exec dk-s ip -6 route add 2001:db8:2::/64 via 2001:db8:ff::2 dev s-eth1
ip netns exec dk-r ip -6 addr add 2001:db8:2::1/64 dev r-down
ip netns exec dk-r ip -6 addr add 2001:db8:ff::2/64 dev r-up
ip netns exec dk-r sysctl -qw net.ipv6.conf.all.forwarding=1
for nsif in dk-c1:c1-eth0 dk-s:s-eth0 dk-c2:c2-eth0 dk-r:r-down dk-r:r-up dk-s:s-eth1; do
    wait_ll "${nsif%%:*}" "${nsif#*:}"
done

# ---------------------------------------------------------------- captures
# Server's view: s-eth0 (direct clients) and s-eth1 (from the relay).
# Client's view of the relayed link: r-down.
tcap() {
    local ns=$1 ifc=$2 file=$3
    bg "$ns" "tcpdump-$ifc" tcpdump -Z root -U -n -i "$ifc" -s 0 -w "$OUT/$file" 'udp and (port 546 or port 547)'
}
tcap dk-s s-eth0 direct.pcap
TCP1=$LASTPID
tcap dk-s s-eth1 relayed-server-side.pcap
TCP2=$LASTPID
tcap dk-r r-down relayed-client-side.pcap
TCP3=$LASTPID
sleep 2

# ---------------------------------------------------------------- Kea
cat >"$WORK/kea-dhcp6.json" <<JSON
{
  "Dhcp6": {
    "interfaces-config": { "interfaces": [ "s-eth0", "s-eth1/2001:db8:ff::1" ] },
    "lease-database": { "type": "memfile", "persist": true,
                        "name": "$WORK/kea-leases6.csv", "lfc-interval": 0 },
    "server-id": { "type": "LL", "htype": 1, "identifier": "02000000ff01", "persist": false },
    "preferred-lifetime": 40,
    "valid-lifetime": 60,
    "renew-timer": 10,
    "rebind-timer": 20,
    "option-def": [
      { "name": "ntp-server", "code": 56, "space": "dhcp6", "type": "binary" }
    ],
    "option-data": [
      { "name": "dns-servers", "data": "2001:db8:53::53, 2001:db8:53::54" },
      { "name": "domain-search", "data": "example.net, lab.example.net" },
      { "name": "sntp-servers", "data": "2001:db8:123::123" },
      { "name": "information-refresh-time", "data": "600" },
      { "name": "solmax-rt", "data": "7200", "always-send": true },
      { "name": "ntp-server", "code": 56, "csv-format": false, "always-send": true,
        "data": "0001001020010db8012300000000000000000123" }
    ],
    "subnet6": [
      {
        "id": 1, "subnet": "2001:db8:1::/64", "interface": "s-eth0",
        "rapid-commit": true,
        "pools": [ { "pool": "2001:db8:1::100-2001:db8:1::1ff" } ],
        "pd-pools": [ { "prefix": "2001:db8:100::", "prefix-len": 40, "delegated-len": 56 } ]
      },
      {
        "id": 2, "subnet": "2001:db8:2::/64",
        "relay": { "ip-addresses": [ "2001:db8:2::1" ] },
        "pools": [ { "pool": "2001:db8:2::100-2001:db8:2::1ff" } ],
        "pd-pools": [ { "prefix": "2001:db8:200::", "prefix-len": 40, "delegated-len": 56 } ],
        "option-data": [ { "name": "domain-search", "data": "branch.example.net, example.net" } ]
      }
    ],
    "loggers": [ { "name": "kea-dhcp6", "severity": "INFO",
                   "output_options": [ { "output": "$WORK/kea.log" } ] } ]
  }
}
JSON
export KEA_PIDFILE_DIR=$WORK KEA_LOCKFILE_DIR=$WORK
ip netns exec dk-s kea-dhcp6 -t "$WORK/kea-dhcp6.json" >/dev/null
bg dk-s kea kea-dhcp6 -c "$WORK/kea-dhcp6.json"
KEA=$LASTPID
wait_for "$WORK/kea.log" DHCP6_STARTED 20
sleep 1

# dhclient wrappers; -sf /bin/true: never touch host files (resolv.conf)
cat >"$WORK/plain.conf" <<'CONF'
option dhcp6.ntp-server code 56 = string;
request dhcp6.name-servers, dhcp6.domain-search, dhcp6.sntp-servers, dhcp6.ntp-server;
CONF
cat >"$WORK/rapid.conf" <<'CONF'
send dhcp6.rapid-commit;
request dhcp6.name-servers, dhcp6.domain-search;
CONF
cat >"$WORK/info.conf" <<'CONF'
request dhcp6.name-servers, dhcp6.domain-search, dhcp6.sntp-servers, dhcp6.info-refresh-time;
CONF
dhc() {   # dhc <ns> <name> <conf> <args...>
    local ns=$1 name=$2 conf=$3
    shift 3
    bg "$ns" "dhclient-$name" dhclient -6 -d -v -cf "$WORK/$conf" -sf /bin/true \
        -lf "$WORK/$name.leases" -pf "$WORK/$name.pid" "$@"
}
dhc_release() {   # dhc_release <ns> <name> <conf> <args...>
    local ns=$1 name=$2 conf=$3
    shift 3
    ip netns exec "$ns" timeout 20 dhclient -6 -r -v -cf "$WORK/$conf" -sf /bin/true \
        -lf "$WORK/$name.leases" -pf "$WORK/$name.pid" "$@" >>"$WORK/dhclient-$name.log" 2>&1 || true
}

# ---------------------------------------------------------------- phase 1
log "phase 1: direct dhclient -N -P: solicit, request, renew, release"
dhc dk-c1 np plain.conf -N -P c1-eth0
P=$LASTPID
wait_for "$WORK/np.leases" iaprefix 30
wait_for "$WORK/dhclient-np.log" "XMT: Renew" 30
wait_count "$WORK/dhclient-np.log" "RCV: Reply" 2 30
sleep 2
stop $P
dhc_release dk-c1 np plain.conf -N -P c1-eth0
sleep 1

# ---------------------------------------------------------------- phase 2
log "phase 2: direct dhclient -S: information-request"
dhc dk-c1 info info.conf -S c1-eth0
P=$LASTPID
wait_for "$WORK/dhclient-info.log" "RCV: Reply" 20
sleep 1
stop $P

# ---------------------------------------------------------------- phase 3
log "phase 3: direct dhclient -N with rapid-commit"
ip netns exec dk-c1 ip link set c1-eth0 down
ip netns exec dk-c1 ip link set c1-eth0 address 02:00:00:00:c1:02
ip netns exec dk-c1 ip link set c1-eth0 up
wait_ll dk-c1 c1-eth0
dhc dk-c1 rapid rapid.conf -N c1-eth0
P=$LASTPID
wait_for "$WORK/rapid.leases" iaaddr 30
sleep 1
stop $P
dhc_release dk-c1 rapid rapid.conf -N c1-eth0
sleep 1

# ---------------------------------------------------------------- phase 4
log "phase 4: relayed dhclient -N -P through dhcrelay -I -s"
bg dk-r dhcrelay dhcrelay -6 -d -I -s "sub-0042@example.net" -l r-down -u 2001:db8:ff::1%r-up
RELAY=$LASTPID
sleep 2
dhc dk-c2 relayed plain.conf -N -P c2-eth0
P=$LASTPID
wait_for "$WORK/relayed.leases" iaprefix 30
wait_for "$WORK/dhclient-relayed.log" "XMT: Renew" 30
wait_count "$WORK/dhclient-relayed.log" "RCV: Reply" 2 30
sleep 2
stop $P
dhc_release dk-c2 relayed plain.conf -N -P c2-eth0
sleep 1
stop $RELAY

# ---------------------------------------------------------------- phase 5
log "phase 5: crafted relay-forw with interface-id, remote-id, subscriber-id"
ip netns exec dk-r "$PYVENV/bin/python" "$HERE/craft_relay.py" >"$WORK/craft.log" 2>&1 \
    || { cat "$WORK/craft.log" >&2; exit 1; }
cat "$WORK/craft.log" >&2
sleep 1

# ---------------------------------------------------------------- done
stop $KEA
sleep 1
stop $TCP1; stop $TCP2; stop $TCP3
cp "$WORK/kea-dhcp6.json" "$OUT/kea-dhcp6.json"
sed -i "s#$WORK#/tmp/dhcpkafka-capture.XXXXXX#g" "$OUT/kea-dhcp6.json"
for f in "$WORK"/*.log; do
    log "---- $(basename "$f")"; tail -n 5 "$f" >&2
done
ls -l "$OUT" >&2
log "done"
