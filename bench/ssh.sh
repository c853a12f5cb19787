#!/usr/bin/env bash
# fjord against ansible-playbook over real SSH: starts N loopback sshd
# "hosts" (127.0.0.1, 127.0.0.2, ...) with throwaway keys, runs the same
# 20-task playbook (file/copy/template/lineinfile/command) with each tool,
# first run (everything changes) and second run (nothing changes), and
# prints wall times, ratios and fjord's cost per host per task; then
# fjord's first run again on hosts it has run on (the host helper there
# already), against ansible's first run.
#
# Usage: bench/ssh.sh [N ...]          (default: 1 10 50)
#   ANSIBLE_MAX_HOSTS=10  skip ansible-playbook above this many hosts
#   FORKS=               forks for both tools (default: N, all hosts at once)
#   FJORD_HOST_HELPER=0  fjord without its host helper (file requests by script)
#   REPEAT=5             fjord's runs taken this many times (the median printed)
#   ANSIBLE_REPEAT=1     ansible-playbook's likewise (each takes seconds)
# Needs root and /usr/sbin/sshd; ansible-playbook is optional. Runs with
# ANSIBLE_PIPELINING=True, ansible's fastest SSH mode.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 10 50)
max_ansible=${ANSIBLE_MAX_HOSTS:-10}
. bench/sshd.sh

# The playbook: 20 tasks, a mix of what real plays do most.
. bench/pb20.sh
write_pb20 "$tmp/pb" lab

printf '%-6s %-12s %12s %14s %8s %22s\n' hosts run fjord_ms ansible_ms ratio fjord_ms/host/task
for n in "${sizes[@]}"; do
  stop_sshds
  start_sshds "$n"
  forks=${FORKS:-$n}
  # fjord's runs are short: each is taken REPEAT times (default 5), from
  # the same state each time, and the median printed.
  r1=() r2=() r3=()
  for rep in $(seq "${REPEAT:-5}"); do
    rm -rf "$tmp/out-f"
    # A fresh remote_tmp: the first run uploads the host helper to every
    # host (FJORD_HOST_HELPER=0 runs without it).
    rt="ansible_remote_tmp=$tmp/rtmp$n-$rep"
    r1+=("$(run_ms "$tmp/f1.log" "$tmp/fjord" playbook -f "$forks" -i "$tmp/inventory" -e out="$tmp/out-f" -e "$rt" "$tmp/pb/site.yml")")
    r2+=("$(run_ms "$tmp/f2.log" "$tmp/fjord" playbook -f "$forks" -i "$tmp/inventory" -e out="$tmp/out-f" -e "$rt" "$tmp/pb/site.yml")")
    grep -q 'changed=0 ' "$tmp/f2.log" || echo "warning: fjord second run changed something" >&2
    # A first (changing) run again, on hosts that have the helper since
    # the runs above: fjord's first run on hosts it has run on before.
    rm -rf "$tmp/out-f"
    r3+=("$(run_ms "$tmp/f3.log" "$tmp/fjord" playbook -f "$forks" -i "$tmp/inventory" -e out="$tmp/out-f" -e "$rt" "$tmp/pb/site.yml")")
  done
  f1=$(median "${r1[@]}") f2=$(median "${r2[@]}") f3=$(median "${r3[@]}")
  rm -rf "$tmp/out-a"
  a1=- a2=-
  if command -v ansible-playbook >/dev/null && [ "$n" -le "$max_ansible" ]; then
    export ANSIBLE_PIPELINING=True ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_SSH_CONTROL_PATH_DIR="$tmp/cp" ANSIBLE_PYTHON_INTERPRETER=auto_silent
    q1=() q2=()
    for rep in $(seq "${ANSIBLE_REPEAT:-1}"); do
      rm -rf "$tmp/out-a"
      q1+=("$(run_ms "$tmp/a1.log" ansible-playbook -f "$forks" -i "$tmp/inventory" -e out="$tmp/out-a" "$tmp/pb/site.yml")")
      q2+=("$(run_ms "$tmp/a2.log" ansible-playbook -f "$forks" -i "$tmp/inventory" -e out="$tmp/out-a" "$tmp/pb/site.yml")")
    done
    a1=$(median "${q1[@]}") a2=$(median "${q2[@]}")
  fi
  a3=$a1
  for r in 1 2 3; do
    fv=f$r av=a$r
    label=(- first second first-again)
    label=${label[$r]}
    per=$(awk -v t="${!fv}" -v n="$n" 'BEGIN { printf "%.1f", t / (n * 20) }')
    printf '%-6s %-12s %12s %14s %8s %22s\n' "$n" "$label" "${!fv}" "${!av}" "$( [ "${!av}" = - ] && echo - || ratio "${!av}" "${!fv}")" "$per"
  done
done
