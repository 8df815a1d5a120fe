#!/usr/bin/env bash
# bench/idle.sh: start-up time of a fresh lab, and RSS per idle mutual-TLS
# connection, each beside a bare Go crypto/tls server measured the same way
# in the same run (bench/mtlsbench serve). The connections come from spread
# loopback sources (the Edge caps 256 per address), held by child processes
# (the hard descriptor limit), and each must still answer an OPTIONS after
# the RSS sample.
#   CONNS=10000 bench/idle.sh    (issue 15's figure; about a minute)
#   SERVE_FLAGS=-aside ...       (the baseline runs each handshake on a goroutine of its
#                                 own, as edgesim does: a stricter baseline, see README)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
CONNS=${CONNS:-10000}
BASE_PORT=${BASE_PORT:-15071}
SERVE_FLAGS=${SERVE_FLAGS:-}
make_lab

# until_connect PORT: ms until a TCP connect succeeds, polling about every ms
# for at most 5 s (bash's /dev/tcp: no process per try, so the poll is cheap).
until_connect() {
	local t0=$1 port=$2
	for _ in $(seq 5000); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo $((($(date +%s%N) - t0) / 1000000))
			return 0
		fi
		sleep 0.001
	done
	echo "timeout"
}

echo "== fresh lab start to SIP ready (an empty lab dir: CA and Edge certificate made at start)"
fresh=$WORK/fresh
rm -rf "$fresh" && mkdir -p "$fresh"
sed "s#dir: $WORK/lab#dir: $fresh/lab#; s#:$SIP_PORT#:$((SIP_PORT + 100))#; s#:$DNS_PORT#:$((DNS_PORT + 100))#" \
	"$WORK/edgesim.yaml" >"$fresh/edgesim.yaml"
es_ms="" base_ms=""
for run in 1 2 3; do # three each, interleaved: one start is one sample on a busy machine
	rm -rf "$fresh/lab"
	t0=$(date +%s%N)
	"$WORK/edgesim" --config "$fresh/edgesim.yaml" --log-level warn run >"$fresh/out" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	es_ms+=" $(until_connect "$t0" $((SIP_PORT + 100)))"
	stop_pid "$pid"
	t0=$(date +%s%N)
	"$WORK/mtlsbench" serve -addr "127.0.0.1:$BASE_PORT" -cert "$fresh/lab/edge.pem" -key "$fresh/lab/edge.key" \
		-ca "$fresh/lab/ca.pem" -life 10s >/dev/null 2>&1 &
	pid=$!
	PIDS+=("$pid")
	base_ms+=" $(until_connect "$t0" "$BASE_PORT")"
	stop_pid "$pid"
done
echo "edgesim start to SIP ready (ms):${es_ms}; bare crypto/tls server (ms):${base_ms}; target < 50 ms"

# rss_per_conn PID PORT: RSS growth per connection while CONNS connections
# that each sent one OPTIONS sit idle; then each must answer one more.
rss_per_conn() {
	local pid=$1 port=$2 before after out=$WORK/hold-$2.out
	before=$(rss_kb "$pid")
	"$WORK/mtlsbench" hold -addr "127.0.0.1:$port" -n "$CONNS" -hold 2s \
		-cert "$WORK/peer.pem" -key "$WORK/peer.key" -ca "$WORK/lab/ca.pem" >"$out" 2>&1 &
	local hp=$!
	PIDS+=("$hp")
	for _ in $(seq 6000); do # "held N/N" once all are open; at most 10 minutes
		grep -q '^held ' "$out" && break
		kill -0 "$hp" 2>/dev/null || break
		sleep 0.1
	done
	sleep 0.5 # let the server settle after the last OPTIONS
	after=$(rss_kb "$pid")
	wait "$hp" || true
	tr '\n' ' ' <"$out" >&2
	echo >&2
	awk -v a="$after" -v b="$before" -v n="$CONNS" 'BEGIN { printf "%.1f", (a - b) / n }'
}

echo "== RSS per idle MTLS connection ($CONNS connections, one OPTIONS each)"
# The Edge's own bound on open connections (4096 by default) must not refuse the held ones.
sed -i "/^  max_connections: /d; s#^  listen: 127.0.0.1:$SIP_PORT\$#&\n  max_connections: $((CONNS + 64))#" "$WORK/edgesim.yaml"
start_edgesim
es_kb=$(rss_per_conn "$ES_PID" "$SIP_PORT")
stop_pid "$ES_PID"
# shellcheck disable=SC2086 # SERVE_FLAGS is a list of flags
"$WORK/mtlsbench" serve -addr "127.0.0.1:$BASE_PORT" -cert "$WORK/lab/edge.pem" -key "$WORK/lab/edge.key" \
	-ca "$WORK/lab/ca.pem" -life 10m $SERVE_FLAGS >/dev/null 2>&1 &
pid=$!
PIDS+=("$pid")
wait_tcp "$BASE_PORT"
base_kb=$(rss_per_conn "$pid" "$BASE_PORT")
stop_pid "$pid"
echo "edgesim: ${es_kb} KiB/conn; bare crypto/tls${SERVE_FLAGS:+ ($SERVE_FLAGS)}: ${base_kb} KiB/conn; ratio $(ratio "$es_kb" "$base_kb") (target <= 1.05)"
