#!/usr/bin/env bash
# bench/flood.sh: hold N silent TCP connections (no TLS, nothing sent) against the Edge from many
# loopback source addresses, check that a good mutual-TLS OPTIONS still gets through, release them,
# and time the first good OPTIONS after the release (issue 16: within a second). Bounded and
# loopback only.
#   N=25000 HOLD=5s bench/flood.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
N=${N:-25000}
HOLD=${HOLD:-5s}
# The Edge holds at most edge.max_connections (4096) of them and closes the rest at accept, but raise
# its limit where root may (CAP_SYS_RESOURCE); the load generator spreads the N sockets over child
# processes that each stay within their own limit, so N is reached either way.
ulimit -n $((N + 4096)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "descriptor limit: $(ulimit -n) per process"
make_lab
start_edgesim
echo "== $N silent connections held for $HOLD, then released (edge.max_connections and the per-address cap apply)"
"$WORK/mtlsbench" flood -addr "127.0.0.1:$SIP_PORT" -n "$N" -hold "$HOLD" \
	-cert "$WORK/peer.pem" -key "$WORK/peer.key" -ca "$WORK/lab/ca.pem"
echo "Edge RSS after the release: $(rss_kb "$ES_PID") KiB"
