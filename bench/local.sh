#!/usr/bin/env bash
# fjord against ansible-playbook on the local connection: the 20-task
# playbook of bench/ssh.sh on localhost, first run (everything changes)
# and second run (nothing changes), fjord with its in-process file server
# (the host helper's, no process per file request) and without it
# (FJORD_HOST_HELPER=0: a script per request, as over SSH without the
# helper). Prints wall times (medians), ratios and, with strace
# installed, the programs each fjord run started (successful execs).
#
# Usage: bench/local.sh
#   REPEAT=5          fjord's runs taken this many times (the median printed)
#   ANSIBLE_REPEAT=1  ansible-playbook's likewise (each takes seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/fjord-bench-local.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. bench/timing.sh
. bench/pb20.sh
export ANSIBLE_NOCOLOR=1 ANSIBLE_CONFIG=/nonexistent ANSIBLE_RETRY_FILES_ENABLED=False \
  ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False ANSIBLE_PYTHON_INTERPRETER=auto_silent
go build -o "$tmp/fjord" ./cmd/fjord
write_pb20 "$tmp/pb" localhost
args=(-i localhost, -c local -e out="$tmp/out" "$tmp/pb/site.yml")

# first and second run, REPEAT times each from a fresh output directory
fjord_runs() { # label env...
  local r1=() r2=() rep
  for rep in $(seq "${REPEAT:-5}"); do
    rm -rf "$tmp/out"
    r1+=("$(run_ms "$tmp/f1.log" env "$@" "$tmp/fjord" playbook "${args[@]}")")
    r2+=("$(run_ms "$tmp/f2.log" env "$@" "$tmp/fjord" playbook "${args[@]}")")
    grep -q 'changed=0 ' "$tmp/f2.log" || echo "warning: fjord's second run changed something" >&2
  done
  echo "$(median "${r1[@]}") $(median "${r2[@]}")"
}
# programs a run starts (successful execve calls, fjord's own included)
execs() { # env...
  command -v strace >/dev/null || { echo "- -"; return; }
  local n1 n2
  rm -rf "$tmp/out"
  env "$@" strace -f -qq -e trace=execve -o "$tmp/st1" "$tmp/fjord" playbook "${args[@]}" >/dev/null 2>&1
  env "$@" strace -f -qq -e trace=execve -o "$tmp/st2" "$tmp/fjord" playbook "${args[@]}" >/dev/null 2>&1
  # (an exec that succeeded: a shell tries each $PATH directory in turn)
  n1=$(grep -c 'execve(.*= 0$' "$tmp/st1") n2=$(grep -c 'execve(.*= 0$' "$tmp/st2")
  echo "$n1 $n2"
}

read -r h1 h2 < <(fjord_runs FJORD_HOST_HELPER=1)
read -r s1 s2 < <(fjord_runs FJORD_HOST_HELPER=0)
read -r he1 he2 < <(execs FJORD_HOST_HELPER=1)
read -r se1 se2 < <(execs FJORD_HOST_HELPER=0)
a1=- a2=-
if command -v ansible-playbook >/dev/null; then
  q1=() q2=()
  for rep in $(seq "${ANSIBLE_REPEAT:-1}"); do
    rm -rf "$tmp/out"
    q1+=("$(run_ms "$tmp/a1.log" ansible-playbook "${args[@]}")")
    q2+=("$(run_ms "$tmp/a2.log" ansible-playbook "${args[@]}")")
  done
  a1=$(median "${q1[@]}") a2=$(median "${q2[@]}")
fi
r() { [ "$1" = - ] && echo - || ratio "$1" "$2"; }
printf '%-7s %-22s %9s %11s %7s %10s\n' run 'fjord file requests' fjord_ms ansible_ms ratio programs
printf '%-7s %-22s %9s %11s %7s %10s\n' first "in-process files" "$h1" "$a1" "$(r "$a1" "$h1")" "$he1"
printf '%-7s %-22s %9s %11s %7s %10s\n' first "scripts (helper off)" "$s1" "$a1" "$(r "$a1" "$s1")" "$se1"
printf '%-7s %-22s %9s %11s %7s %10s\n' second "in-process files" "$h2" "$a2" "$(r "$a2" "$h2")" "$he2"
printf '%-7s %-22s %9s %11s %7s %10s\n' second "scripts (helper off)" "$s2" "$a2" "$(r "$a2" "$s2")" "$se2"
