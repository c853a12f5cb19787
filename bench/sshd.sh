# Sourced by bench/ssh.sh and bench/pymodules.sh: loopback sshd "hosts"
# (127.0.0.1, 127.0.0.2, ...) with throwaway keys, the inventory naming
# them (group lab), fjord built into $tmp, and the timing helpers.
# Expects the caller to have set -euo pipefail and cd to the repository.
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || { echo "bench: $SSHD not installed" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root (sshd)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/fjord-bench-ssh.XXXXXX)
chmod 755 "$tmp"
pids=()
stop_sshds() {
  local p
  for p in "${pids[@]}"; do
    # sshd forks a process per connection: kill those too.
    pkill -KILL -P "$p" 2>/dev/null || true
    kill -KILL "$p" 2>/dev/null || true
  done
  pids=()
}
cleanup() { stop_sshds; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

go build -o "$tmp/fjord" ./cmd/fjord
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$tmp/id_user"
cp "$tmp/id_user.pub" "$tmp/authorized_keys"

# bash sources root's ~/.bashrc for every command sshd runs; a developer's
# (pyenv, nvm...) costs seconds. Hide it from the sshds, as tests/ssh does.
sshd_cmd=("$SSHD")
if command -v unshare >/dev/null && [ -f /root/.bashrc ]; then
  sshd_cmd=(unshare -m --propagation private /bin/sh -c 'mount --bind /dev/null /root/.bashrc 2>/dev/null; exec "$0" "$@"' "$SSHD")
fi

free_port() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"; }

start_sshds() { # n
  local n=$1 i ip port
  : > "$tmp/known_hosts"
  printf '[lab]\n' > "$tmp/inventory"
  for i in $(seq "$n"); do
    ip=127.0.$(( (i - 1) / 250 )).$(( (i - 1) % 250 + 1 ))
    [ -f "$tmp/hk$i" ] || ssh-keygen -q -t ed25519 -N '' -f "$tmp/hk$i"
    port=$(free_port "$ip")
    cat > "$tmp/sshd$i.conf" <<CONF
Port $port
ListenAddress $ip
HostKey $tmp/hk$i
AuthorizedKeysFile $tmp/authorized_keys
StrictModes no
UsePAM no
PidFile none
PermitRootLogin yes
PasswordAuthentication no
KbdInteractiveAuthentication no
MaxStartups 200:30:400
PrintMotd no
LogLevel ERROR
CONF
    "${sshd_cmd[@]}" -D -e -f "$tmp/sshd$i.conf" 2>>"$tmp/sshd.log" &
    pids+=($!)
    disown $!
    echo "[$ip]:$port $(cat "$tmp/hk$i.pub")" >> "$tmp/known_hosts"
    echo "h$i ansible_host=$ip ansible_port=$port" >> "$tmp/inventory"
  done
  cat >> "$tmp/inventory" <<INV

[lab:vars]
ansible_user=root
ansible_ssh_private_key_file=$tmp/id_user
ansible_ssh_common_args='-o UserKnownHostsFile=$tmp/known_hosts'
INV
  # Wait for every banner.
  local h addr
  for h in $(awk '/ansible_port=/{split($2,a,"=");split($3,b,"=");print a[2]":"b[2]}' "$tmp/inventory"); do
    for _ in $(seq 200); do
      if timeout 1 bash -c "exec 3<>/dev/tcp/${h%:*}/${h#*:}; head -c4 <&3" 2>/dev/null | grep -q SSH-; then break; fi
      sleep 0.05
    done
  done
}

export ANSIBLE_NOCOLOR=1 ANSIBLE_CONFIG=/nonexistent ANSIBLE_RETRY_FILES_ENABLED=False
. bench/timing.sh

