# Sourced by the bench scripts: run_ms LOG CMD... runs CMD with its
# output in LOG and prints its wall time in ms; median and ratio.
ms_now() { date +%s%N; }
run_ms() { # label logfile command...
  local log=$1; shift
  local s e rc=0
  s=$(ms_now)
  "$@" > "$log" 2>&1 || rc=$?
  e=$(ms_now)
  if [ $rc -ne 0 ]; then echo "run failed ($rc), see $log:" >&2; tail -20 "$log" >&2; fi
  echo $(( (e - s) / 1000000 ))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
