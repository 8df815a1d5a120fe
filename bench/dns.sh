#!/usr/bin/env bash
# bench/dns.sh: lab DNS queries/s under dnsperf, beside BIND 9 (named -n 2)
# serving the same zone in the same run. Bounded: dnsperf -l seconds.
#   SECONDS_EACH=5 bench/dns.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SECONDS_EACH=${SECONDS_EACH:-5}
BIND_PORT=${BIND_PORT:-15453}
if ! command -v dnsperf >/dev/null; then
	echo "dnsperf: not installed (apt-get install dnsperf); skipping the DNS comparison"
	exit 0
fi
make_lab
printf '%s\n' "_sipfederationtls._tcp.acano.steven.lab SRV" "vcse.acano.steven.lab A" \
	"vcse.acano.steven.lab AAAA" "nope.acano.steven.lab A" >"$WORK/queries"

# perf PORT: dnsperf's queries/s; 4 sockets so SO_REUSEPORT can spread them.
perf() {
	dnsperf -s 127.0.0.1 -p "$1" -d "$WORK/queries" -l "$SECONDS_EACH" -c 4 -T 1 -q 100 2>&1 |
		awk '/Queries per second/ {print $4} /Queries lost/ {lost=$3} END {if (lost) print "lost " lost > "/dev/stderr"}'
}

start_edgesim
es_qps=$(perf "$DNS_PORT")
stop_pid "$ES_PID"
echo "edgesim lab DNS: ${es_qps} queries/s"

if ! command -v named >/dev/null; then
	echo "named: not installed (apt-get install bind9); no BIND baseline"
	exit 0
fi
mkdir -p "$WORK/bind"
cat >"$WORK/bind/acano.zone" <<'ZONE'
$TTL 300
@ IN SOA ns.acano.steven.lab. hostmaster.acano.steven.lab. 1 3600 600 86400 60
@ IN NS ns
ns IN A 127.0.0.1
_sipfederationtls._tcp IN SRV 0 0 5061 vcse.acano.steven.lab.
vcse IN A 127.0.0.2
ZONE
cat >"$WORK/bind/named.conf" <<CONF
options {
	directory "$WORK/bind";
	listen-on port $BIND_PORT { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	pid-file "$WORK/bind/named.pid";
};
zone "acano.steven.lab" { type primary; file "$WORK/bind/acano.zone"; };
CONF
named -g -n 2 -c "$WORK/bind/named.conf" -u "$(id -un)" >"$WORK/bind/named.out" 2>&1 &
bind=$!
PIDS+=("$bind")
wait_tcp "$BIND_PORT"
bind_qps=$(perf "$BIND_PORT")
stop_pid "$bind"
echo "BIND 9 ($(named -v)), 2 threads: ${bind_qps} queries/s"
echo "ratio edgesim/BIND: $(ratio "$es_qps" "$bind_qps") (target >= 1.0)"
