package modules

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

// LaunchHostJob starts spec as a detached job on the host: the launch
// script writes the started job file, leaves the worker to init (so that
// neither the end of fjord's session nor a cancelled command reaches it)
// and returns at once. The worker runs the command under coreutils'
// timeout, which kills its whole process group at KillAfter(limit), and
// writes the command module's result, JSON-escaped with sed, into the job
// file; or ansible's {"msg": "Timeout exceeded", ...} when killed.
func LaunchHostJob(ctx context.Context, env *Env, spec *JobSpec, dir string, limit int) (*Job, error) {
	var b strings.Builder
	b.WriteString(jobStart(dir))
	in := "/dev/null"
	var stdin *strings.Reader
	if spec.Stdin != nil {
		in = `"$w.in"`
		b.WriteString("cat >\"$d/.$jid.in\" || exit 1\n")
		stdin = strings.NewReader(*spec.Stdin)
	}
	// The worker ignores SIGHUP and, where setsid exists, leaves the
	// session: sudo's pty (use_pty) hangs up when the launch returns.
	b.WriteString("s=; command -v setsid >/dev/null 2>&1 && s=setsid\n")
	fmt.Fprintf(&b, "( $s sh -c %s fjord-async \"$j\" </dev/null >/dev/null 2>&1 & )\nprintf '%%s %%s\\n' \"$jid\" \"$j\"\n",
		connection.Quote(jobWorker(spec, in, limit)))
	cmd := &connection.Cmd{Command: b.String(), Env: env.Environment, Dir: spec.Dir, Become: env.Become, Isolated: true}
	if stdin != nil {
		cmd.Stdin = stdin
	}
	res, err := env.Conn.Exec(ctx, cmd)
	if err != nil {
		return nil, err
	}
	return started(res)
}

// jobWorker is the detached job: $1 is the job file. It runs the command
// and writes its result: a module's own JSON (JobSpec.ModuleJSON), or the
// command module's.
func jobWorker(spec *JobSpec, in string, limit int) string {
	strip := ""
	if spec.Strip {
		strip = `s/[\r\n]*$//;`
	}
	result := commandResultSh(spec)
	if spec.ModuleJSON {
		result = moduleResultSh(spec)
	}
	cleanup := ""
	if spec.Cleanup != "" {
		cleanup = "rm -rf -- " + connection.Quote(spec.Cleanup)
	}
	return fmt.Sprintf(`trap '' HUP
j=$1 w="${1%%/*}/.${1##*/}"
now() { date '+%%s%%6N %%Y-%%m-%%d %%H:%%M:%%S.%%6N'; }
ctl=$(i=1; while [ $i -lt 32 ]; do case $i in 9|10|13) ;; *) printf 's/\\o%%03o/\\\\u%%04x/g;' $i $i ;; esac; i=$((i+1)); done)
esc() {
  e=$(tr -d '\000' <"$1" | sed -e ':a' -e '$!{N;ba' -e '}' -e '%ss/\\/\\\\/g;s/"/\\"/g;s/\t/\\t/g;s/\r/\\r/g;s/\n/\\n/g' -e "$ctl")
  if [ -z %q ] && [ -s "$1" ] && [ -z "$(tail -c1 "$1")" ]; then e="$e\\n"; fi
  printf '%%s' "$e"
}
t0=$(now)
timeout -s KILL %d sh -c %s <%s >"$w.out" 2>"$w.err" &
pid=$!
wait $pid
rc=$?
t1=$(now)
us=$(( ${t1%%%% *} - ${t0%%%% *} ))
if [ $rc = 137 -o $rc = 124 ] && [ $us -ge %d000000 ]; then
  printf '{"msg": "Timeout exceeded", "failed": true, "child_pid": %%s}\n' $pid >"$j.tmp"
else
%s
fi
mv -f "$j.tmp" "$j"
rm -f "$w.out" "$w.err" "$w.in"
%s
`, strip, boolWord(spec.Strip), KillAfter(limit), connection.Quote(spec.Script), in, KillAfter(limit), result, cleanup)
}

// commandResultSh writes the command module's result to "$j.tmp".
func commandResultSh(spec *JobSpec) string {
	cmdJSON, _ := json.Marshal(spec.Cmd)
	notFound := "x"
	if spec.NotFound != "" {
		nf, _ := json.Marshal(map[string]any{"changed": false, "cmd": spec.NotFoundCmd, "failed": true, "rc": 2,
			"msg": fmt.Sprintf("[Errno 2] No such file or directory: b'%s'", spec.NotFound), "stdout": "", "stderr": ""})
		notFound = string(nf)
	}
	return fmt.Sprintf(`if [ $rc = 127 ] && [ "$(cat "$w.err")" = fjord-enoent ] && [ %s != x ]; then
  printf '%%s\n' %[1]s >"$j.tmp"
else
  msg= failed=
  [ $rc = 0 ] || { msg='non-zero return code'; failed=', "failed": true'; }
  printf '{"changed": true, "cmd": %%s, "stdout": "%%s", "stderr": "%%s", "rc": %%d, "start": "%%s", "end": "%%s", "delta": "%%d:%%02d:%%02d.%%06d", "msg": "%%s"%%s}\n' \
    %s "$(esc "$w.out")" "$(esc "$w.err")" $rc "${t0#* }" "${t1#* }" \
    $((us/3600000000)) $((us/60000000%%60)) $((us/1000000%%60)) $((us%%1000000)) "$msg" "$failed" >"$j.tmp"
fi`, connection.Quote(notFound), connection.Quote(string(cmdJSON)))
}

// moduleResultSh writes a module program's JSON to "$j.tmp" as
// async_wrapper does: lines before the first one starting with { or [ and
// after the last one ending with the matching bracket are dropped (junk
// after it becomes a warning), stderr is added as "stderr"; output
// without JSON is a failure with the output as "data". A module's own
// "warnings" are replaced by the junk warning, where ansible extends them.
func moduleResultSh(spec *JobSpec) string {
	cmdJSON, _ := json.Marshal(spec.Cmd)
	return fmt.Sprintf(`s=$(sed -n '/^[[:space:]]*[{[]/{=;q;}' "$w.out")
c=; [ -n "$s" ] && c=$(sed -n "${s}{s/^[[:space:]]*\(.\).*/\1/;p;q;}" "$w.out")
if [ "$c" = "[" ]; then c=']'; else c='}'; fi
e=; [ -n "$s" ] && e=$(sed -n "$s,\$ {/\\$c[[:space:]]*\$/=;}" "$w.out" | tail -n 1)
err=$(esc "$w.err")
if [ -z "$s" ] || [ -z "$e" ]; then
  why='No start of json char found'; [ -n "$s" ] && why='No end of json char found'
  printf '{"failed": 1, "cmd": %%s, "data": "%%s", "stderr": "%%s", "msg": "%%s"}\n' %s "$(esc "$w.out")" "$err" "$why" >"$j.tmp"
else
  body=$(sed -n "$s,${e}p" "$w.out")
  junk=$(sed -n "$((e+1)),\$p" "$w.out")
  extra=
  if [ -n "$(printf '%%s' "$junk" | tr -d ' \t\r\n')" ]; then
    printf '%%s' "Module invocation had junk after the JSON data: $junk" >"$w.junk"
    extra="$extra, \"warnings\": [\"$(esc "$w.junk")\"]"
    rm -f "$w.junk"
  fi
  [ -n "$err" ] && extra="$extra, \"stderr\": \"$err\""
  if [ "$c" = "}" ] && [ -n "$extra" ]; then
    body=${body%%\}*}
    case $(printf '%%s' "$body" | tr -d ' \t\r\n') in *'{') extra=${extra#, } ;; esac
    body="$body$extra}"
  fi
  printf '%%s\n' "$body" >"$j.tmp"
fi`, connection.Quote(string(cmdJSON)))
}

func boolWord(b bool) string {
	if b {
		return "y"
	}
	return ""
}
