#!/usr/bin/env bash
# Run each libFuzzer harness for SECONDS on its corpus; fail if any finds
# a crash, a sanitizer report, a leak, a timeout or runs out of memory.
#   run.sh SECONDS OUT BIN...    (make fuzz FUZZ_SECONDS=N)
# Seeds: OUT/corpus/NAME (make fuzz-corpus); what a run adds to them:
# OUT/found/NAME (kept across runs); crashing inputs: OUT/crashes/NAME-*;
# each harness's log: OUT/logs/NAME.log. A crash is replayed to show its
# report (the run itself closes the harness's stdout and stderr, where
# ember prints an error line for each malformed input).
set -uo pipefail
secs=$1
out=$2
shift 2
mkdir -p "$out/found" "$out/crashes" "$out/logs"
failed=()
total=0
for bin in "$@"; do
	name=${bin##*/fuzz_}
	log=$out/logs/$name.log
	mkdir -p "$out/found/$name"
	before=$(ls "$out/crashes" | grep -c "^$name-" || true)
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-close_fd_mask=3 -artifact_prefix="$out/crashes/$name-" \
		"$out/found/$name" "$out/corpus/$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
	after=$(ls "$out/crashes" | grep -c "^$name-" || true)
	status=ok
	if [ "$rc" -ne 0 ] || [ "$after" -ne "$before" ]; then
		status="FAILED (exit $rc)"
		failed+=("$name")
	fi
	total=$((total + ${execs:-0}))
	printf 'fuzz %-12s %s: %s execs (%s/s), cov %s, ft %s, corpus %s, peak rss %s MB\n' \
		"$name" "$status" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
		"${rss:-?}"
	if [ "$status" != ok ]; then
		grep -E '^==[0-9]+==|SUMMARY|runtime error|^fuzz: |Test unit written' "$log" | head -20
		for c in $(ls -t "$out/crashes" | grep "^$name-" | head -1); do
			echo "--- replaying $out/crashes/$c:"
			"$bin" "$out/crashes/$c" 2>&1 | grep -v '^ember: error' | tail -40
		done
	fi
done
echo "fuzz: $# harnesses, $total execs in all, ${#failed[@]} failed${failed:+: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ]
