#!/usr/bin/env bash
# Processes a task costs on the host: one loopback sshd traced with
# strace -f while fjord runs one task of each kind, changing and
# unchanged. A run's cost less that of a run of no task (connecting,
# starting the persistent shell) is the task's: forks (processes made)
# and execs (programs run) on the host.
#
# Usage: bench/forks.sh      Needs root, /usr/sbin/sshd and strace.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v strace >/dev/null || { echo "bench/forks.sh: strace not installed" >&2; exit 1; }
. bench/sshd.sh
start_sshds 1
pid=${pids[0]}
mkdir -p "$tmp/pb/templates"
printf 'x = {{ v }}\n' > "$tmp/pb/templates/t.j2"

# count TASKS_YAML -> "forks execs" of one run
count() {
  { printf -- '- hosts: lab\n  gather_facts: false\n  tasks:\n'; printf '%s\n' "$1"; } > "$tmp/pb/site.yml"
  strace -f -qq -e trace=execve,clone,clone3,fork,vfork -o "$tmp/trace" -p "$pid" &
  local st=$!
  sleep 0.3
  "$tmp/fjord" playbook -i "$tmp/inventory" -e "out=$tmp/out v=${V:-1}" "$tmp/pb/site.yml" > "$tmp/run.log" 2>&1 || { tail "$tmp/run.log" >&2; }
  sleep 0.3
  kill -INT "$st"; wait "$st" 2>/dev/null || true
  local forks execs
  forks=$(grep -cE '(clone|clone3|fork|vfork)\(.*= [0-9]+$' "$tmp/trace" || true)
  execs=$(grep -cE 'execve\(.*= 0$' "$tmp/trace" || true)
  echo "$forks $execs"
}

mkdir -p "$tmp/out"
read -r base_f base_e < <(count '    - meta: noop')
printf '%-34s %8s %8s\n' task forks execs
measure() { # label yaml [V for the measured run]
  local f e
  read -r f e < <(V=${3:-1} count "$2")
  printf '%-34s %8d %8d\n' "$1" $((f - base_f)) $((e - base_e))
}
t_copy='    - copy: { content: "v={{ v }}\n", dest: "{{ out }}/copy" }'
t_tmpl='    - template: { src: t.j2, dest: "{{ out }}/tmpl" }'
t_line='    - lineinfile: { path: "{{ out }}/line", line: "v={{ v }}", create: true }'
t_dir='    - file: { path: "{{ out }}/dir", state: directory }'
t_stat='    - stat: { path: "{{ out }}/copy" }'
t_cmd='    - command: "true"'
for c in copy tmpl line; do
  y=t_$c
  measure "$c (write)" "${!y}" 2
  measure "$c (unchanged)" "${!y}" 2
done
measure "file state=directory (create)" "$t_dir"
measure "file state=directory (exists)" "$t_dir"
measure "stat" "$t_stat"
measure "command" "$t_cmd"
