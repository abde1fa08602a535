#!/bin/sh
# run.sh DIR SECONDS HARNESS...: runs each libFuzzer harness DIR/fuzz_NAME for SECONDS on its
# corpus (DIR/corpus/NAME, kept between runs) grown from the seeds (DIR/seeds/NAME), and prints
# one line per harness: executions, coverage (edges), corpus size, crashes.  A crash leaves its
# input in DIR/crashes/NAME/ and makes the run fail.  Leak detection is on (libnetpbm's one
# known leak suppressed, tests/lsan.supp).
dir=$1
secs=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
for h in "$@"; do
	mkdir -p "$dir/corpus/$h" "$dir/crashes/$h"
	log="$dir/fuzz_$h.log"
	"$dir/fuzz_$h" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -malloc_limit_mb=1536 \
		-print_final_stats=1 -artifact_prefix="$dir/crashes/$h/" \
		"$dir/corpus/$h" "$dir/seeds/$h" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	corp=$(ls "$dir/corpus/$h" | wc -l)
	crashes=$(ls "$dir/crashes/$h" | wc -l)
	echo "fuzz_$h: $secs s, ${execs:-?} execs, cov ${cov:-?} edges, corpus $corp, crashes $crashes"
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		status=1
		grep -E 'ERROR|SUMMARY|#[0-9]+ in ' "$log" | head -n 20
	fi
done
exit $status
