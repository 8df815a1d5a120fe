# bench/lib.sh: helpers shared by the bench scripts (sourced, not run).
# Every figure is a ratio to a baseline measured in the same run, because
# this machine's two cores are shared and absolute numbers drift.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
WORK=${WORK:-$(mktemp -d /tmp/edgesim-bench.XXXXXX)}
CLK_TCK=$(getconf CLK_TCK)
PIDS=()

cleanup() {
	# Only the processes this script started, by their ids.
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# cpu_ticks PID: utime+stime in clock ticks (/proc/PID/stat fields 14, 15;
# the command name in field 2 may hold spaces, so cut after its ')').
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

# cpu_ns PID: CPU time in ns summed over the threads' schedstat; ticks are
# 10 ms, too coarse for a few seconds of load.
cpu_ns() { { cat /proc/"$1"/task/*/schedstat 2>/dev/null || true; } | awk '{s += $1} END {print s + 0}'; }

# ctx_switches PID: voluntary and involuntary context switches summed over the threads: how often
# the process slept and was woken, which a goroutine scheduler's wake-ups show in.
ctx_switches() { { cat /proc/"$1"/task/*/status 2>/dev/null || true; } | awk '/ctxt_switches/ {s += $2} END {print s + 0}'; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# wait_tcp PORT: wait (at most 10 s) until something listens on PORT, with
# ss rather than connecting, because a connect ends a SIPp UAS in -t l1.
wait_tcp() {
	for _ in $(seq 100); do
		ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	echo "nothing listens on port $1" >&2
	return 1
}

# ratio A B: A/B with three decimals, or "n/a".
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }

build_edgesim() {
	[ -x "$WORK/edgesim" ] || (cd "$REPO" && CGO_ENABLED=0 go build -o "$WORK/edgesim" ./cmd/edgesim)
	[ -x "$WORK/mtlsbench" ] || (cd "$REPO" && go build -o "$WORK/mtlsbench" ./bench/mtlsbench)
}

# make_lab: a lab dir with its CA, a config whose zones give an answered
# domain (acano.steven.lab, SRV inside the domain) and a refused one
# (outside.lab, SRV to a name outside it: 504 + 1009), and the peer's
# certificate that names the SRV targets.
SIP_PORT=${SIP_PORT:-15061}
DNS_PORT=${DNS_PORT:-15353}
make_lab() {
	build_edgesim
	mkdir -p "$WORK/lab"
	cat >"$WORK/edgesim.yaml" <<YAML
lab:
  dir: $WORK/lab
console:
  listen: ""   # the Edge alone, with no in-memory record, and no fixed port taken beside other runs
edge:
  listen: 127.0.0.1:$SIP_PORT
dns:
  listen: 127.0.0.1:$DNS_PORT
  zones:
    skype.lab: |
      _sipfederationtls._tcp  IN SRV 0 0 5061 sip.skype.lab.
      sip                     IN A   127.0.0.1
    acano.steven.lab: |
      _sipfederationtls._tcp  IN SRV 0 0 5061 vcse.acano.steven.lab.
      vcse                    IN A   127.0.0.2
    outside.lab: |
      _sipfederationtls._tcp  IN SRV 0 0 5061 vcse.steven.lab.
YAML
	local es=("$WORK/edgesim" --config "$WORK/edgesim.yaml" --log-level warn)
	[ -f "$WORK/lab/ca.pem" ] || "${es[@]}" certs init >/dev/null
	[ -f "$WORK/peer.pem" ] || "${es[@]}" certs issue --cn vcse.acano.steven.lab \
		--san vcse.acano.steven.lab --san vcse.steven.lab --out "$WORK/peer" >/dev/null
}

# start_edgesim: runs edgesim in the background; sets ES_PID.
start_edgesim() {
	"$WORK/edgesim" --config "$WORK/edgesim.yaml" --log-level warn run >"$WORK/edgesim.out" 2>&1 &
	ES_PID=$!
	PIDS+=("$ES_PID")
	wait_tcp "$SIP_PORT"
}

stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
