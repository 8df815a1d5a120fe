#!/usr/bin/env bash
# bench/newconn.sh: CPU per refused call on a new mutual-TLS connection
# (handshake, INVITE from outside.lab, 504 1009, ACK, close), edgesim beside
# a bare Go crypto/tls server that verifies the client chain and answers a
# fixed 504 (bench/mtlsbench serve), in the same run. The load is
# bench/mtlsbench calls, a connection and a source address per call; the
# two servers are measured alternately, ROUNDS times each, so a change in
# the machine's load shows as spread rather than as a ratio.
#   CALLS=2000 ROUNDS=3 bench/newconn.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
CALLS=${CALLS:-2000}
ROUNDS=${ROUNDS:-3}
CONC=${CONC:-2}
BASE_PORT=${BASE_PORT:-15071}
make_lab

# cpu_per_call PID PORT: the server's CPU (schedstat, µs) per call over CALLS calls.
cpu_per_call() {
	local pid=$1 port=$2 c0 c1 out
	c0=$(cpu_ns "$pid")
	out=$("$WORK/mtlsbench" calls -addr "127.0.0.1:$port" -n "$CALLS" -c "$CONC" \
		-cert "$WORK/peer.pem" -key "$WORK/peer.key" -ca "$WORK/lab/ca.pem" 2>&1) || {
		echo "load failed: $out" >&2
		echo "n/a"
		return
	}
	c1=$(cpu_ns "$pid")
	echo "$out" >&2
	awk -v a="$c0" -v b="$c1" -v n="$CALLS" 'BEGIN { printf "%.1f", (b - a) / n / 1000 }'
}

start_edgesim
"$WORK/mtlsbench" serve -addr "127.0.0.1:$BASE_PORT" -cert "$WORK/lab/edge.pem" -key "$WORK/lab/edge.key" \
	-ca "$WORK/lab/ca.pem" -life 30m >/dev/null 2>&1 &
BASE_PID=$!
PIDS+=("$BASE_PID")
wait_tcp "$BASE_PORT"
# One short round each first: the Edge's DNS cache and verdict memo warm, as in a lab under load.
CALLS=50 cpu_per_call "$ES_PID" "$SIP_PORT" >/dev/null 2>&1
CALLS=50 cpu_per_call "$BASE_PID" "$BASE_PORT" >/dev/null 2>&1
echo "== CPU per refused call on a new MTLS connection ($CALLS calls, $CONC at once)"
ratios=()
for r in $(seq "$ROUNDS"); do
	es=$(cpu_per_call "$ES_PID" "$SIP_PORT")
	base=$(cpu_per_call "$BASE_PID" "$BASE_PORT")
	ratios+=("$(ratio "$es" "$base")")
	echo "round $r: edgesim ${es} us/call; bare crypto/tls ${base} us/call; ratio ${ratios[-1]} (target <= 1.05)"
done
# The median of the rounds: one round is one sample of a shared machine's load.
echo "median ratio over $ROUNDS rounds: $(printf '%s\n' "${ratios[@]}" | sort -g | awk '{v[NR] = $1} END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }') (target <= 1.05)"
stop_pid "$ES_PID"
stop_pid "$BASE_PID"
