#!/usr/bin/env bash
# Modules fjord runs from Ansible's own Python code (issue 16's fallback),
# against ansible-playbook running the same modules, over real SSH: N
# loopback sshd hosts, 10 tasks of community.general.ini_file (from
# Debian's ansible package, found on the collections path by both tools),
# first run (each changes) and second run (none does). Prints wall times,
# the ratio and each tool's cost per host per task.
#
# Usage: bench/pymodules.sh [N ...]    (default: 1 5)
#   FORKS=   forks for both tools (default: N)
# Needs root, /usr/sbin/sshd, python3 and the community.general
# collection; ansible-playbook runs with ANSIBLE_PIPELINING=True.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 5)
. bench/sshd.sh

mkdir -p "$tmp/pb"
{
  printf -- '- hosts: lab\n  gather_facts: false\n  vars:\n    d: "{{ out }}/{{ inventory_hostname }}"\n  tasks:\n'
  printf -- '    - { name: "dir", file: { path: "{{ d }}", state: directory } }\n'
  for i in $(seq 10); do
    printf -- '    - { name: "ini %d", community.general.ini_file: { path: "{{ d }}/app.ini", section: "s%d", option: "k", value: "v%d" } }\n' "$i" "$i" "$i"
  done
} > "$tmp/pb/site.yml"

tasks=10
printf '%-6s %-7s %12s %14s %8s %14s %14s\n' hosts run fjord_ms ansible_ms ratio fjord/task ansible/task
for n in "${sizes[@]}"; do
  stop_sshds
  start_sshds "$n"
  forks=${FORKS:-$n}
  rm -rf "$tmp/out-f" "$tmp/out-a"
  f1=$(run_ms "$tmp/f1.log" "$tmp/fjord" playbook -f "$forks" -i "$tmp/inventory" -e out="$tmp/out-f" "$tmp/pb/site.yml")
  f2=$(run_ms "$tmp/f2.log" "$tmp/fjord" playbook -f "$forks" -i "$tmp/inventory" -e out="$tmp/out-f" "$tmp/pb/site.yml")
  grep -q 'changed=0 ' "$tmp/f2.log" || echo "warning: fjord's second run changed something" >&2
  export ANSIBLE_PIPELINING=True ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_SSH_CONTROL_PATH_DIR="$tmp/cp" ANSIBLE_PYTHON_INTERPRETER=auto_silent
  a1=$(run_ms "$tmp/a1.log" ansible-playbook -f "$forks" -i "$tmp/inventory" -e out="$tmp/out-a" "$tmp/pb/site.yml")
  a2=$(run_ms "$tmp/a2.log" ansible-playbook -f "$forks" -i "$tmp/inventory" -e out="$tmp/out-a" "$tmp/pb/site.yml")
  for h in "$tmp"/out-f/*; do
    cmp -s "$h/app.ini" "$tmp/out-a/$(basename "$h")/app.ini" || echo "warning: $(basename "$h")'s app.ini differs between the tools" >&2
  done
  for r in 1 2; do
    fv=f$r av=a$r
    label=first; [ $r = 2 ] && label=second
    printf '%-6s %-7s %12s %14s %8s %14s %14s\n' "$n" "$label" "${!fv}" "${!av}" "$(ratio "${!av}" "${!fv}")" \
      "$(awk -v t="${!fv}" -v n="$n" -v k=$tasks 'BEGIN { printf "%.1f ms", t / (n * k) }')" \
      "$(awk -v t="${!av}" -v n="$n" -v k=$tasks 'BEGIN { printf "%.1f ms", t / (n * k) }')"
  done
done
