#!/usr/bin/env bash
# Processes a task costs on the host: one loopback sshd traced with
# strace -f while fjord runs one task of each kind, changing and
# unchanged, with the host helper off (FJORD_HOST_HELPER=0: every file
# request a shell script) and on. A task's cost is that of a run of a
# warm-up (an existing directory and a command: it connects, starts the
# persistent shell and the helper) and the task, less that of the warm-up alone:
# forks (processes made) and execs (programs run) on the host. The
# one-time costs per host are printed first.
#
# Usage: bench/forks.sh      Needs root, /usr/sbin/sshd and strace.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v strace >/dev/null || { echo "bench/forks.sh: strace not installed" >&2; exit 1; }
. bench/sshd.sh
start_sshds 1
pid=${pids[0]}
mkdir -p "$tmp/pb/templates" "$tmp/rtmp"
printf 'x = {{ v }}\n' > "$tmp/pb/templates/t.j2"

# count TASKS_YAML -> "forks execs" of one run
count() {
  { printf -- '- hosts: lab\n  gather_facts: false\n  tasks:\n'; printf '%s\n' "$1"; } > "$tmp/pb/site.yml"
  strace -f -qq -e trace=execve,clone,clone3,fork,vfork -o "$tmp/trace" -p "$pid" &
  local st=$!
  sleep 0.3
  "$tmp/fjord" playbook -i "$tmp/inventory" -e "out=$tmp/out v=${V:-1} ansible_remote_tmp=$tmp/rtmp" "$tmp/pb/site.yml" > "$tmp/run.log" 2>&1 || { tail "$tmp/run.log" >&2; }
  sleep 0.3
  kill -INT "$st"; wait "$st" 2>/dev/null || true
  local forks execs
  # A call that another process's output interrupts is printed in two
  # lines ("<unfinished ...>", "<... clone resumed>"): join them first.
  awk '/<unfinished \.\.\.>$/ { pend[$1] = $0; next }
       /<\.\.\. [a-z0-9_]+ resumed>/ { $0 = pend[$1] " " $0; delete pend[$1] }
       { print }' "$tmp/trace" > "$tmp/joined"
  # (threads, which the helper's Go runtime makes, are no processes)
  forks=$(grep -E '(clone|clone3|fork|vfork)\(.*= [0-9]+$' "$tmp/joined" | grep -vc CLONE_THREAD || true)
  execs=$(grep -cE 'execve\(.*= 0$' "$tmp/joined" || true)
  echo "$forks $execs"
}

mkdir -p "$tmp/out"
warm='    - file: { path: "{{ out }}", state: directory }'$'\n''    - command: "true"'
t_copy='    - copy: { content: "v={{ v }}\n", dest: "{{ out }}/copy" }'
t_tmpl='    - template: { src: t.j2, dest: "{{ out }}/tmpl" }'
t_line='    - lineinfile: { path: "{{ out }}/line", line: "v={{ v }}", create: true }'
t_block='    - blockinfile: { path: "{{ out }}/block", block: "v={{ v }}", create: true }'
t_dir='    - file: { path: "{{ out }}/dir", state: directory }'
t_stat='    - stat: { path: "{{ out }}/copy" }'
t_cmd='    - command: "true"'

# measure_all -> lines "label forks execs" for the current FJORD_HOST_HELPER
measure_all() {
  local noop_f noop_e base_f base_e f e
  read -r noop_f noop_e < <(count '    - meta: noop')
  rm -rf "$tmp/rtmp"; mkdir -p "$tmp/rtmp"
  read -r f e < <(count "$warm")
  echo "first-contact|$((f - noop_f))|$((e - noop_e))"
  read -r base_f base_e < <(count "$warm")
  echo "setup|$((base_f - noop_f))|$((base_e - noop_e))"
  m() { # label yaml [V]
    read -r f e < <(V=${3:-1} count "$warm"$'\n'"$2")
    echo "$1|$((f - base_f))|$((e - base_e))"
  }
  rm -rf "$tmp/out"/*
  for c in copy tmpl line block; do
    y=t_$c
    m "$c (create)" "${!y}" 1
    m "$c (write)" "${!y}" 2
    m "$c (unchanged)" "${!y}" 2
  done
  m "file state=directory (create)" "$t_dir"
  m "file state=directory (exists)" "$t_dir"
  m "stat" "$t_stat"
  m "command" "$t_cmd"
}

FJORD_HOST_HELPER=0 measure_all > "$tmp/off"
FJORD_HOST_HELPER=1 measure_all > "$tmp/on"
printf '%-34s %17s %17s\n' "" "helper off" "helper on"
printf '%-34s %8s %8s %8s %8s\n' task forks execs forks execs
paste -d'|' "$tmp/off" "$tmp/on" | while IFS='|' read -r label f0 e0 _ f1 e1; do
  case $label in
  first-contact) label="first run on a host (once)" ;;
  setup) label="each run: connection, shell, helper" ;;
  esac
  printf '%-34s %8d %8d %8d %8d\n' "$label" "$f0" "$e0" "$f1" "$e1"
done
