#!/usr/bin/env bash
# bench/soak.sh: a soak at a steady rate of answered calls (SIPp as the Expressway over one mutual-TLS
# connection), sampling the Edge's RSS, goroutines, threads and open descriptors from its /metrics and
# /proc; then a flood far past capacity that must be shed with 503 (counted in the metrics), and a
# short run after it that must succeed whole: the Edge recovers by itself. Bounded, loopback only.
#   RATE=300 DURATION=600 FLOOD_RATE=5000 FLOOD_SECS=20 bench/soak.sh
# KIND=refused soaks refused calls instead (From outside.lab: 504 + 1009, then ACK), as issue 15's
# "5,000 refused calls/s, 0 failures, flat RSS" asks: KIND=refused RATE=5000 DURATION=60 FLOOD_SECS=0.
# FLOOD_SECS=0 leaves out the flood and the recovery run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sipp_xml.sh"
RATE=${RATE:-300}
KIND=${KIND:-answered}
DURATION=${DURATION:-600}
SAMPLE=${SAMPLE:-30}
FLOOD_RATE=${FLOOD_RATE:-5000}
FLOOD_SECS=${FLOOD_SECS:-20}
METRICS_PORT=${METRICS_PORT:-15091}
if ! SIPP=${SIPP:-$(command -v sipp)}; then
	echo "sipp: not on PATH; see bench/sipp.sh for how to build SIPp with TLS. Skipping the soak."
	exit 0
fi
make_lab
printf 'metrics:\n  listen: 127.0.0.1:%s\n' "$METRICS_PORT" >>"$WORK/edgesim.yaml"
start_edgesim
SC=$WORK/scenarios
mkdir -p "$SC"
uac_xml acano.steven.lab 200 >"$SC/uac-answered.xml"
uac_xml outside.lab 504 >"$SC/uac-refused.xml"

# awk reads to the end: stopping early would kill curl with SIGPIPE, a failure under pipefail.
metric() { curl -s --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" | awk -v m="$1" '$1 == m {v = $2} END {print v}'; }
sample() {
	local rss threads fds gor
	rss=$(rss_kb "$ES_PID")
	threads=$(awk '/^Threads:/ {print $2}' "/proc/$ES_PID/status")
	fds=$(ls "/proc/$ES_PID/fd" | wc -l)
	gor=$(metric go_goroutines || echo "?")
	printf '%7s  rss %7s KiB  goroutines %6s  threads %3s  fds %5s\n' "$1" "$rss" "$gor" "$threads" "$fds"
}
# sipp_run RATE CALLS: SIPp's exit code (0: every call as scripted).
sipp_run() {
	local rc=0
	(cd "$WORK" && "$SIPP" -t l1 -tls_cert "$WORK/peer.pem" -tls_key "$WORK/peer.key" -sf "$SC/uac-${3:-answered}.xml" \
		-r "$1" -m "$2" -l 5000 -timeout "$((DURATION + 120))s" -i 127.0.0.1 -nostdin \
		"127.0.0.1:$SIP_PORT" >"$WORK/sipp-$1.out" 2>&1) || rc=$?
	echo "$rc"
}

echo "== soak: $RATE $KIND calls/s for ${DURATION}s ($((RATE * DURATION)) calls)"
sample 0s
(sipp_run "$RATE" $((RATE * DURATION)) "$KIND" >"$WORK/soak.rc") &
soak=$!
PIDS+=("$soak")
for ((t = SAMPLE; t <= DURATION + SAMPLE; t += SAMPLE)); do
	sleep "$SAMPLE"
	kill -0 "$soak" 2>/dev/null || break
	sample "${t}s"
done
wait "$soak" || true
echo "soak: SIPp exit $(cat "$WORK/soak.rc") (0: every call completed as scripted)"
sample end
[ "$FLOOD_SECS" -gt 0 ] || exit 0

echo "== flood: $FLOOD_RATE calls/s for ${FLOOD_SECS}s, then a short run that must succeed whole"
before=$(metric 'edgesim_sip_responses_total{direction="inbound",method="INVITE",status_code="503"}')
flood_rc=$(sipp_run "$FLOOD_RATE" $((FLOOD_RATE * FLOOD_SECS)))
after=$(metric 'edgesim_sip_responses_total{direction="inbound",method="INVITE",status_code="503"}')
echo "flood: SIPp exit $flood_rc; 503 answers during the flood: $(awk -v a="${before:-0}" -v b="${after:-0}" 'BEGIN {print b - a}')"
sample flood
echo "recovery: SIPp exit $(sipp_run 50 500) for 500 calls at 50/s (0: the Edge recovered)"
sample recovered
