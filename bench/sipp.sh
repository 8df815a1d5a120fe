#!/usr/bin/env bash
# bench/sipp.sh: CPU per call of edgesim under SIPp load (one mutual-TLS
# connection, -t l1), beside SIPp itself as a static UAS answering the same
# calls in the same run. Refused: From outside.lab, whose SRV points out of
# the domain (504 + 1009, then ACK). Answered: From acano.steven.lab.
#   RATE=200 CALLS=1000 bench/sipp.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
RATE=${RATE:-200}
CALLS=${CALLS:-1000}
UAS_PORT=${UAS_PORT:-15081}
# SIPp sets its sockets' buffers to -buff_size (64 KiB by default), which turns off the kernel's
# autotuning: at 3000 answered calls/s its TLS then meets a full send buffer ("cong" in its TLS
# errors) and drops the connection. A 1 MiB buffer, for the load and the reference alike.
SIPP_BUF=${SIPP_BUF:-1048576}
if ! SIPP=${SIPP:-$(command -v sipp)}; then
	cat <<'HOW'
sipp: not on PATH; skipping the SIPp comparisons. Debian's sip-tester is built without TLS.
Build SIPp v3.7.x with TLS outside the repository:
  apt-get install cmake g++ make libssl-dev libncurses-dev libgsl-dev libsctp-dev libpcap-dev
  (a snapshot of the public SIPp repository at tag v3.7.7, unpacked in /tmp/sipp-src)
  sed 's/@VERSION@/v3.7.7/' include/version.h.in > include/version.h   # no .git in a snapshot
  mkdir build && cd build && cmake .. -DUSE_SSL=1 -DUSE_SCTP=1 -DUSE_PCAP=1 -DUSE_GSL=1 && make sipp
  then put build/sipp on PATH.
HOW
	exit 0
fi
make_lab
SC=$WORK/scenarios
mkdir -p "$SC"

. "$(dirname "$0")/sipp_xml.sh"

uac_xml outside.lab 504 >"$SC/uac-refused.xml"
uac_xml acano.steven.lab 200 >"$SC/uac-answered.xml"
uas_xml 504 >"$SC/uas-refused.xml"
uas_xml 200 >"$SC/uas-answered.xml"

# load SCENARIO PORT: SIPp as the Expressway, RATE calls/s, CALLS calls, one
# TLS connection; prints SIPp's verdict. Bounded: -m and -timeout.
load() {
	local name=$1 port=$2 rc=0
	(cd "$WORK" && "$SIPP" -t l1 -tls_cert "$WORK/peer.pem" -tls_key "$WORK/peer.key" \
		-sf "$SC/uac-$name.xml" -r "$RATE" -m "$CALLS" -l 1000 -timeout 60s -i 127.0.0.1 -buff_size "$SIPP_BUF" \
		-nostdin -trace_stat -stf "$WORK/stat-$name-$port.csv" "127.0.0.1:$port" \
		>"$WORK/uac-$name-$port.out" 2>&1) || rc=$?
	echo "$rc"
}

# reference NAME PORT: SIPp as the static UAS on PORT answers the same calls; sets s0 s1 st0 st1
# sc0 sc1 (its CPU ns, ticks and context switches before and after) and rc_s (the UAC's exit).
reference() {
	local name=$1 port=$2
	(cd "$WORK" && exec "$SIPP" -t l1 -tls_cert "$WORK/lab/edge.pem" -tls_key "$WORK/lab/edge.key" \
		-sf "$SC/uas-$name.xml" -timeout 60s -i 127.0.0.1 -p "$port" -nostdin -buff_size "$SIPP_BUF" \
		>"$WORK/uas-$name.out" 2>&1) &
	local uas=$!
	PIDS+=("$uas")
	wait_tcp "$port"
	s0=$(cpu_ns "$uas") st0=$(cpu_ticks "$uas") sc0=$(ctx_switches "$uas")
	rc_s=$(run_uac "$name" "$port")
	s1=$(cpu_ns "$uas") sc1=$(ctx_switches "$uas")
	st1=$(cpu_ticks "$uas" 2>/dev/null || echo "$st0")
	stop_pid "$uas"
}

# measure NAME: per-call CPU of edgesim and of the SIPp UAS, and the ratio. Two SIPp processes
# over TLS now and then lose their connection at 3000 answered calls/s (SIPp's own TLS, in the UAS
# run only); the reference is then run again, on another port, up to UAS_TRIES times.
measure() {
	local name=$1 fin=$2
	local e0 e1 s0 s1 t0 t1 rc_e rc_s st0 st1 sc0 sc1 ec0 ec1
	e0=$(cpu_ns "$ES_PID") t0=$(cpu_ticks "$ES_PID") ec0=$(ctx_switches "$ES_PID")
	rc_e=$(run_uac "$name" "$SIP_PORT")
	e1=$(cpu_ns "$ES_PID") t1=$(cpu_ticks "$ES_PID") ec1=$(ctx_switches "$ES_PID")
	local try
	for try in $(seq "${UAS_TRIES:-3}"); do
		reference "$name" $((UAS_PORT + try - 1))
		[ "$rc_s" = 0 ] && break
		echo "$name: the SIPp UAS run failed (exit $rc_s, $WORK/uas-$name.out); again" >&2
	done
	if [ "$rc_s" != 0 ]; then
		echo "$name ($fin): the SIPp UAS failed $try times (exit $rc_s, see $WORK/uas-$name.out): no reference figure"
		return 0
	fi
	local e_us s_us
	e_us=$(awk -v a="$e0" -v b="$e1" -v n="$CALLS" 'BEGIN { printf "%.1f", (b - a) / n / 1000 }')
	s_us=$(awk -v a="$s0" -v b="$s1" -v n="$CALLS" 'BEGIN { printf "%.1f", (b - a) / n / 1000 }')
	echo "$name ($fin): edgesim ${e_us} us/call ($((t1 - t0)) ticks), SIPp UAS ${s_us} us/call ($((st1 - st0)) ticks);" \
		"context switches/call: edgesim $(awk -v a="$ec0" -v b="$ec1" -v n="$CALLS" 'BEGIN { printf "%.1f", (b - a) / n }')," \
		"SIPp UAS $(awk -v a="$sc0" -v b="$sc1" -v n="$CALLS" 'BEGIN { printf "%.1f", (b - a) / n }');" \
		"ratio $(ratio "$e_us" "$s_us") (target <= 1.0); SIPp exit: edgesim run $rc_e, UAS run $rc_s"
}
run_uac() { load "$@"; }

start_edgesim
echo "== CPU per call, $CALLS calls at $RATE/s over one MTLS connection ($(sipp -v 2>&1 | grep -o 'SIPp v[^ ]*'))"
measure refused "504 1009 + ACK"
measure answered "200 + ACK + BYE"
stop_pid "$ES_PID"
