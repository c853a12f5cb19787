#!/usr/bin/env bash
# Controller cost at fleet scale: N inventory hosts spread over S loopback
# sshds (several hosts per sshd), forks 50, a 20-task playbook of what
# plays do between module runs (register, set_fact, loops, debug, assert,
# magic variables) and a few file tasks. Prints, per N, the second run's
# wall time, controller CPU (user+sys), peak RSS and CPU per host-task.
#
# Usage: bench/scale.sh [N ...]     (default: 50 200 1000)
#   SSHDS=20   loopback sshds the hosts share
#   FORKS=50
#   PROFILE=1  also write fjord's CPU and heap profiles of the second run
#              (/tmp/fjord-bench-scale-N.cpu, .heap)
#   TASKS=5    the 5-task play instead (file, copy, lineinfile, template,
#              stat): the issue's 10,000-host figure
#   RUNS="first second"  which runs to time (RUNS=first for one run)
# Needs root and /usr/sbin/sshd.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50 200 1000)
. bench/sshd.sh
sshds=${SSHDS:-20}
forks=${FORKS:-50}

mkdir -p "$tmp/pb"
cat > "$tmp/pb/site.yml" <<'YML'
- hosts: lab
  gather_facts: false
  vars:
    d: "{{ out }}/{{ inventory_hostname }}"
    ports: [80, 443, 8080]
  tasks:
    - { name: "t01 dir", file: { path: "{{ d }}", state: directory } }
    - { name: "t02 file", copy: { content: "host {{ inventory_hostname }}\n", dest: "{{ d }}/id" } }
    - { name: "t03 line", lineinfile: { path: "{{ d }}/id", line: "group {{ group_names | join(',') }}" } }
    - { name: "t04 stat", stat: { path: "{{ d }}/id" }, register: st }
    - { name: "t05 set_fact", set_fact: { size: "{{ st.stat.size }}", peers: "{{ ansible_play_hosts | length }}" } }
    - { name: "t06 assert", assert: { that: ["size | int > 0", "peers | int > 0"] } }
    - { name: "t07 debug", debug: { msg: "{{ inventory_hostname }} of {{ groups['lab'] | length }}" } }
    - { name: "t08 loop", set_fact: { "p{{ item }}": "{{ item * 2 }}" }, loop: "{{ ports }}" }
    - { name: "t09 register loop", debug: { msg: "{{ item }}" }, loop: "{{ ports }}", register: looped }
    - { name: "t10 assert loop", assert: { that: "looped.results | length == 3" } }
    - { name: "t11 hostvars", debug: { msg: "{{ hostvars[inventory_hostname]['size'] }}" } }
    - { name: "t12 first host", set_fact: { first: "{{ ansible_play_hosts_all[0] }}" } }
    - { name: "t13 when", debug: { msg: "first" }, when: inventory_hostname == first }
    - { name: "t14 command", command: "cat {{ d }}/id", register: cat, changed_when: false }
    - { name: "t15 assert cat", assert: { that: "'host' in cat.stdout" } }
    - { name: "t16 template-ish", copy: { content: "{% for p in ports %}listen {{ p }}\n{% endfor %}", dest: "{{ d }}/ports" } }
    - { name: "t17 combine", set_fact: { conf: "{{ {'a': 1} | combine({'b': size}) }}" } }
    - { name: "t18 debug var", debug: { var: conf } }
    - { name: "t19 absent", file: { path: "{{ d }}/gone", state: absent } }
    - { name: "t20 done", assert: { that: "conf.b == size" } }
YML

ntasks=20
if [ "${TASKS:-20}" = 5 ]; then
  ntasks=5
  cat > "$tmp/pb/ports.j2" <<'J2'
{% for p in ports %}listen {{ p }} # {{ inventory_hostname }}
{% endfor %}
J2
  cat > "$tmp/pb/site.yml" <<'YML'
- hosts: lab
  gather_facts: false
  vars:
    d: "{{ out }}/{{ inventory_hostname }}"
    ports: [80, 443, 8080]
  tasks:
    - { name: "t1 dir", file: { path: "{{ d }}", state: directory } }
    - { name: "t2 copy", copy: { content: "host {{ inventory_hostname }}\n", dest: "{{ d }}/id" } }
    - { name: "t3 line", lineinfile: { path: "{{ d }}/id", line: "group {{ group_names | join(',') }}" } }
    - { name: "t4 template", template: { src: ports.j2, dest: "{{ d }}/ports" } }
    - { name: "t5 stat", stat: { path: "{{ d }}/ports" } }
YML
fi

printf '%-7s %-7s %10s %12s %10s %18s\n' hosts run wall_s cpu_s rss_mib cpu_ms/host-task
stop_sshds
start_sshds "$sshds"
mv "$tmp/inventory" "$tmp/inventory.sshds"
for n in "${sizes[@]}"; do
  { printf '[lab]\n'
    grep -E '^h[0-9]+ ' "$tmp/inventory.sshds" | awk -v n="$n" '{ l[NR] = $0 } END { for (i = 1; i <= n; i++) { split(l[(i - 1) % NR + 1], f, " "); printf "n%d %s %s\n", i, f[2], f[3] } }'
    sed -n '/^\[lab:vars\]/,$p' "$tmp/inventory.sshds"
  } > "$tmp/inventory"
  rm -rf "$tmp/out"
  for r in ${RUNS:-first second}; do
    prof=()
    if [ -n "${PROFILE:-}" ] && [ $r = second ]; then
      prof=(env FJORD_CPUPROFILE="/tmp/fjord-bench-scale-$n.cpu" FJORD_MEMPROFILE="/tmp/fjord-bench-scale-$n.heap")
    fi
    /usr/bin/time -o "$tmp/time" -f '%e %U %S %M' "${prof[@]}" "$tmp/fjord" playbook -f "$forks" -i "$tmp/inventory" \
      -e out="$tmp/out" "$tmp/pb/site.yml" > "$tmp/run.log" 2>&1 || { echo "run failed, see below" >&2; tail -20 "$tmp/run.log" >&2; }
    read -r wall user sys rss < "$tmp/time"
    awk -v n="$n" -v t="$ntasks" -v r="$r" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" \
      'BEGIN { printf "%-7s %-7s %10.2f %12.2f %10.1f %18.2f\n", n, r, w, u + s, m / 1024, (u + s) * 1000 / (n * t) }'
  done
done
