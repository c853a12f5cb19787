#!/usr/bin/env bash
# run.sh ROLES_DIR [ROLE...]: run four of Jeff Geerling's roles, unchanged,
# with fjord and with ansible-playbook on a fresh `fjord lab`, and compare.
# For humans: it needs root (the lab), ansible-playbook on PATH (with
# Debian's `ansible` collections, for mysql) and the roles unpacked in
# ROLES_DIR (geerlingguy.haproxy, geerlingguy.nginx, geerlingguy.memcached,
# geerlingguy.mysql). ROLE... picks some of haproxy nginx memcached mysql
# (default: all). See README.md. KEEP=1 leaves the lab up; FJORD=path uses
# that binary instead of building one.
set -euo pipefail

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 ROLES_DIR [ROLE...]" >&2
	exit 2
fi
ROLES=$(cd "$1" && pwd)
shift
PICK=("$@")
[ ${#PICK[@]} -gt 0 ] || PICK=(haproxy nginx memcached mysql)
for r in "${PICK[@]}"; do
	case $r in
	haproxy | nginx | memcached | mysql)
		[ -d "$ROLES/geerlingguy.$r" ] || {
			echo "$ROLES/geerlingguy.$r: no such role directory" >&2
			exit 2
		}
		;;
	*)
		echo "unknown role $r (haproxy nginx memcached mysql)" >&2
		exit 2
		;;
	esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/fjord-trials.XXXXXX)
LOGS=$WORK/logs
mkdir -p "$LOGS"
LAB=trials

if [ -z "${FJORD:-}" ]; then
	echo "building fjord..."
	(cd "$REPO" && go build -o "$WORK/fjord" ./cmd/fjord)
	FJORD=$WORK/fjord
fi

cat >"$WORK/lab.yml" <<EOF
name: $LAB
# python3 and python3-apt let ansible-playbook's modules (apt, package) run;
# python3-mysqldb is community.mysql's driver (the role's default).
packages: [python3, python3-apt, haproxy, nginx, memcached, default-mysql-server, python3-mysqldb]
hosts:
  - {name: f-haproxy, groups: [haproxy]}
  - {name: f-nginx, groups: [nginx]}
  - {name: f-memc, groups: [memcached]}
  - {name: f-mysql, groups: [mysql]}
  - {name: a-haproxy, groups: [haproxy]}
  - {name: a-nginx, groups: [nginx]}
  - {name: a-memc, groups: [memcached]}
  - {name: a-mysql, groups: [mysql]}
EOF

down() {
	if [ "${KEEP:-}" = 1 ]; then
		echo "lab left up: $FJORD lab down --name $LAB"
	else
		"$FJORD" lab down --name "$LAB" >/dev/null 2>&1 || echo "warning: fjord lab down --name $LAB failed" >&2
	fi
}
"$FJORD" lab up -f "$WORK/lab.yml" | tee "$LOGS/lab-up.log"
trap down EXIT

INV=$(awk '/inventory:/ {print $2}' "$LOGS/lab-up.log")
SSHCFG=$(awk '/ssh config:/ {print $3}' "$LOGS/lab-up.log")
rsh() { ssh -F "$SSHCFG" "$@"; }
addr() { awk -v h="$1" '$1 == h {print substr($2, index($2, "=") + 1)}' "$INV"; }

export ANSIBLE_ROLES_PATH=$ROLES ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
cd "$HERE"

echo "prepare (not measured)..."
"$FJORD" playbook -i "$INV" prepare.yml >"$LOGS/prepare.log" 2>&1 || {
	cat "$LOGS/prepare.log"
	exit 1
}

# run TOOL ROLE HOST N: one measured run; prints "seconds changed".
run() {
	local tool=$1 role=$2 host=$3 n=$4 cmd log start end changed
	case $tool in
	fjord) cmd=("$FJORD" playbook) ;;
	ansible) cmd=(ansible-playbook) ;;
	esac
	log=$LOGS/$role-$tool-$n.log
	start=$(date +%s.%N)
	"${cmd[@]}" -i "$INV" -l "$host" "$role.yml" >"$log" 2>&1 || true
	end=$(date +%s.%N)
	changed=$(awk -v h="$host" '$1 == h && /changed=/ {for (i = 1; i <= NF; i++) if ($i ~ /^(changed|failed|unreachable)=/) {split($i, kv, "="); if (kv[1] == "changed") c = kv[2]; else if (kv[2] != 0) bad = 1}} END {print (c == "" ? "?" : c) (bad ? "+FAILED" : "")}' "$log")
	awk -v a="$start" -v b="$end" -v c="$changed" 'BEGIN {printf "%.1f %s\n", b - a, c}'
}

# state HOST ROLE: what the role leaves behind, with the host's own address
# replaced by ADDR so that f-* and a-* hosts compare.
state() {
	local host=$1 role=$2 files svc
	case $role in
	haproxy) files="/etc/haproxy/haproxy.cfg /etc/default/haproxy" svc=haproxy ;;
	nginx) files="/etc/nginx/nginx.conf /etc/nginx/sites-enabled/*" svc=nginx ;;
	memcached) files="/etc/memcached.conf" svc=memcached ;;
	mysql) files="/etc/mysql/my.cnf /etc/mysql/mariadb.cnf /var/log/mysql/mariadb-slow.log" svc=mariadb ;;
	esac
	{
		rsh "$host" "for f in $files; do echo \"== \$f \$(stat -c '%a %U:%G %F' \$f)\"; case \$f in *.log) ;; *) cat \$f ;; esac; done; echo \"== $svc \$(systemctl is-active $svc) \$(systemctl is-enabled $svc)\""
		# What the server holds, and that it runs with the role's my.cnf.
		[ "$role" != mysql ] || rsh "$host" mariadb -NBe "\"$SQL\"" 2>&1 || true
	} |
		sed "s/\\b$(addr "$host" | sed 's/\./\\./g')\\b/ADDR/g"
}

SQL="SELECT User, Host, plugin, authentication_string FROM mysql.user ORDER BY User, Host;
SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA ORDER BY 1;
SHOW GRANTS FOR 'admin'@'localhost';
SELECT @@bind_address, @@innodb_buffer_pool_size, @@slow_query_log, @@slow_query_log_file, @@max_allowed_packet;"

declare -A HOST=([haproxy]=haproxy [nginx]=nginx [memcached]=memc [mysql]=mysql)
ROWS=()
EQ=()
for role in "${PICK[@]}"; do
	for tool in fjord ansible; do
		h=${tool:0:1}-${HOST[$role]}
		echo "$role: $tool on $h..."
		read -r t1 c1 < <(run "$tool" "$role" "$h" 1)
		read -r t2 c2 < <(run "$tool" "$role" "$h" 2)
		state "$h" "$role" >"$LOGS/$role-$tool.state"
		ROWS+=("$role $tool $t1 $c1 $t2 $c2")
	done
	n=${#ROWS[@]}
	if cmp -s "$LOGS/$role-fjord.state" "$LOGS/$role-ansible.state"; then
		EQ[n - 1]=yes EQ[n]=yes
	else
		EQ[n - 1]=NO EQ[n]=NO
		diff -u "$LOGS/$role-ansible.state" "$LOGS/$role-fjord.state" >"$LOGS/$role.diff" || true
	fi
done

echo
printf '%-10s %-8s %10s %10s %10s %10s %12s\n' role tool "run1 (s)" changed "run2 (s)" changed "end state ="
i=0
for row in "${ROWS[@]}"; do
	i=$((i + 1))
	read -r role tool t1 c1 t2 c2 <<<"$row"
	eq=${EQ[$i]:-}
	printf '%-10s %-8s %10s %10s %10s %10s %12s\n' "$role" "$tool" "$t1" "$c1" "$t2" "$c2" "$eq"
done
echo
echo "logs, recaps, end states and diffs: $LOGS"
for r in "${PICK[@]}"; do
	[ -f "$LOGS/$r.diff" ] && { echo "--- $r differs:"; cat "$LOGS/$r.diff"; }
done
exit 0
