#!/usr/bin/env bash
# bench/issue15.sh: every figure of issue 15's table in one run, each beside its baseline of the
# same run, then a summary. About four minutes. Needs SIPp with TLS (see bench/sipp.sh), dnsperf and
# BIND 9 (named); a part whose tool is missing says so and is left out of the summary.
#   bench/issue15.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d /tmp/edgesim-issue15.XXXXXX)
part() { # part NAME SCRIPT [VAR=VALUE...]: runs one script in a work dir of its own, output kept
	local name=$1 script=$2
	shift 2
	echo "== $name"
	env "$@" WORK="$out/$name" bash "$here/$script" 2>&1 | tee "$out/$name.log" | grep -E 'ratio|held|start to SIP|SIPp exit|rss|skipping|not on PATH|SIPp UAS failed'
}
mkdir -p "$out"
part sipp-1000 sipp.sh RATE=1000 CALLS=5000
part sipp-3000 sipp.sh RATE=3000 CALLS=15000
part newconn newconn.sh
part idle idle.sh
part dns dns.sh
part refused-5000 soak.sh KIND=refused RATE=5000 DURATION=30 SAMPLE=10 FLOOD_SECS=0

echo
echo "== summary (logs in $out)"
for f in "$out"/sipp-1000.log "$out"/sipp-3000.log; do
	rate=$(basename "$f" .log | cut -d- -f2)
	grep -E '^(refused|answered) ' "$f" | sed -E "s/^(refused|answered) \(([^)]*)\): .*ratio ([0-9.]+) .*/  \1 at ${rate}\/s: \3x SIPp (target <= 1.0)/; s/^(refused|answered) \(([^)]*)\): (the SIPp UAS failed.*)/  \1 at ${rate}\/s: \3/"
done
grep -h 'median ratio' "$out/newconn.log" | sed 's/^/  new connection per call: /'
grep -h 'KiB/conn' "$out/idle.log" | sed 's/^/  idle connection: /'
grep -h 'start to SIP ready' "$out/idle.log" | sed 's/^/  /'
grep -h 'ratio edgesim/BIND' "$out/dns.log" | sed 's/^/  lab DNS: /'
grep -h -E 'SIPp exit|^ +(10|20|30)s +rss' "$out/refused-5000.log" | sed 's/^/  5,000 refused calls\/s: /'
