#!/usr/bin/env bash
# Startup cost of a one-task local playbook: fjord against ansible-playbook
# on this machine. Prints mean wall time over N runs of each, and the ratio.
# Usage: bench/startup.sh [N]   (N defaults to 10)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/fjord" ./cmd/fjord
cat > "$tmp/one.yml" <<'YML'
- hosts: localhost
  gather_facts: false
  tasks:
    - name: one task
      ansible.builtin.command: "true"
YML
export ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False

mean_ms() { # command...
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1; done
  end=$(date +%s%N)
  echo $(( (end - start) / n / 1000000 ))
}

f=$(mean_ms "$tmp/fjord" playbook -i localhost, -c local "$tmp/one.yml")
echo "fjord playbook, one local task:            ${f} ms (mean of $n)"
if command -v ansible-playbook >/dev/null 2>&1; then
  a=$(mean_ms ansible-playbook -i localhost, -c local "$tmp/one.yml")
  echo "ansible-playbook, one local task:          ${a} ms (mean of $n)"
  awk -v a="$a" -v f="$f" 'BEGIN { if (f > 0) printf "ratio: fjord is %.1fx faster\n", a / f }'
else
  echo "ansible-playbook not installed: apt-get install -y ansible-core to compare"
fi
