#!/usr/bin/env bash
# One AWX execution node's job at fleet scale: ansible-runner (AWX's
# engine) runs bench/scale.sh's 20-task playbook over N inventory hosts
# spread over S loopback sshds, with fjord as ansible-playbook, and files
# the job events as AWX would receive them. Prints, per N and run, the
# job's wall time (ansible-runner's, end to end), fjord's own wall time,
# CPU and peak RSS, CPU per host-task, the largest peak RSS of any process
# of the job (ansible-runner's Python when it is the larger), the events
# filed and the job's status.
#
# Usage: bench/runner-scale.sh [N ...]     (default: 200 2000)
#   SSHDS=20   loopback sshds the hosts share
#   FORKS=50
# Needs root, /usr/sbin/sshd and ansible-runner (python3-ansible-runner).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v ansible-runner >/dev/null || { echo "bench: ansible-runner not installed (apt-get install python3-ansible-runner)" >&2; exit 1; }
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(200 2000)
. bench/sshd.sh
sshds=${SSHDS:-20}
forks=${FORKS:-50}

# the playbook bench/scale.sh runs, taken from it
mkdir -p "$tmp/pdd/project" "$tmp/pdd/inventory" "$tmp/pdd/env" "$tmp/bin"
sed -n "/<<'YML'/,/^YML\$/p" bench/scale.sh | sed '1d;$d' > "$tmp/pdd/project/site.yml"
[ -s "$tmp/pdd/project/site.yml" ] || { echo "bench: no playbook found in bench/scale.sh" >&2; exit 1; }
printf 'out: %s/out\n' "$tmp" > "$tmp/pdd/env/extravars"

# ansible-playbook is fjord, run by a wrapper that records what it used
# (getrusage of its child: CPU, peak RSS) for this script.
cat > "$tmp/bin/ansible-playbook" <<PY
#!/usr/bin/python3
import resource, subprocess, sys, time
t0 = time.monotonic()
rc = subprocess.call(["$tmp/fjord", "playbook"] + sys.argv[1:])
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open("$tmp/usage", "w") as f:
    f.write("%.2f %.2f %.2f %d\n" % (time.monotonic() - t0, ru.ru_utime, ru.ru_stime, ru.ru_maxrss))
sys.exit(rc)
PY
chmod +x "$tmp/bin/ansible-playbook"

printf '%-6s %-7s %8s %8s %8s %9s %10s %9s %8s %s\n' hosts run job_s fjord_s cpu_s rss_mib max_rss_mib ms/h-task events status
stop_sshds
start_sshds "$sshds"
mv "$tmp/inventory" "$tmp/inventory.sshds"
for n in "${sizes[@]}"; do
  { printf '[lab]\n'
    grep -E '^h[0-9]+ ' "$tmp/inventory.sshds" | awk -v n="$n" '{ l[NR] = $0 } END { for (i = 1; i <= n; i++) { split(l[(i - 1) % NR + 1], f, " "); printf "n%d %s %s\n", i, f[2], f[3] } }'
    sed -n '/^\[lab:vars\]/,$p' "$tmp/inventory.sshds"
  } > "$tmp/pdd/inventory/hosts"
  rm -rf "$tmp/out"
  for r in first second; do
    ident="n$n-$r"
    # the job as a whole: ansible-runner and everything under it
    PATH="$tmp/bin:$PATH" python3 - "$tmp" "$ident" "$forks" > "$tmp/job" <<'PY'
import resource, subprocess, sys, time
tmp, ident, forks = sys.argv[1:4]
t0 = time.monotonic()
subprocess.call(["ansible-runner", "run", tmp + "/pdd", "-p", "site.yml", "-i", ident,
                 "--forks", forks, "-q"], stdout=subprocess.DEVNULL)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.2f %d" % (time.monotonic() - t0, ru.ru_maxrss))
PY
    read -r job maxrss < "$tmp/job"
    read -r wall user sys rss < "$tmp/usage"
    art="$tmp/pdd/artifacts/$ident"
    events=$(find "$art/job_events" -name '*.json' | wc -l)
    status=$(cat "$art/status" 2>/dev/null || echo none)
    awk -v n="$n" -v r="$r" -v j="$job" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" -v x="$maxrss" -v e="$events" -v st="$status" \
      'BEGIN { printf "%-6s %-7s %8.1f %8.1f %8.1f %9.1f %10.1f %9.2f %8d %s\n", n, r, j, w, u + s, m / 1024, x / 1024, (u + s) * 1000 / (n * 20), e, st }'
    rm -rf "$art"
  done
done
