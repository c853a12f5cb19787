package connection

import (
	"fmt"
	"io"
)

// KillStep is one command of a cancelled command's kill: shell source for
// /bin/sh -c and its stdin (a become password, or nil).
type KillStep struct {
	Script string
	Stdin  io.Reader
}

// KillSteps are the commands that kill a cancelled command whose shell
// has pid, with everything it started, on the host it ran on.
//
// Killing the shell's process group is not enough: sudo (with use_pty,
// Debian's default) and su -c start the escalated command in a session
// of its own, which that group does not reach. Neither can the
// connecting user kill the processes of a become user who is root, nor
// can a become user kill the connecting user's shell. So the process
// tree under pid is collected and killed twice: through the become
// first, while the tree still hangs together (its members are the
// escalated ones in the usual user-to-root case), then as the connecting
// user, who kills what is left of it. connUser is the connecting user,
// as for Script; the second step is dropped when the become changes
// nothing.
func KillSteps(pid int, become *Become, connUser string) []KillStep {
	plain := killTree(pid)
	var steps []KillStep
	if become != nil {
		if s, stdin, err := Script(&Cmd{Command: plain, Become: become}, connUser); err == nil && s != plain {
			steps = append(steps, KillStep{Script: s, Stdin: stdin})
		}
	}
	return append(steps, KillStep{Script: plain})
}

// killTree is a script that ends the process tree under pid: every
// process group and every process in it, found before any dies (a dead
// parent's children move to init and out of the tree). They get SIGTERM
// first, on which fjord's own scripts remove their temporary files (see
// TempScript), and SIGKILL once they are gone (zombies count as gone:
// their parent may be waiting on this very script) or three seconds have
// passed: a shell runs its trap only when its foreground command ends,
// and a sync of a large file on a busy disk cannot be interrupted. It
// needs nothing
// but sh: the table comes from /proc, or from ps(1) where there is none.
// Its own group is spared, should a member of the tree have joined it.
func killTree(pid int) string {
	return fmt.Sprintf(`r=%d
t=$(if [ -r /proc/self/stat ]; then
  for f in /proc/[0-9]*/stat; do
    { read -r l <"$f"; } 2>/dev/null || continue
    p=${l%%%% *}; l=${l##*) }; set -f; set -- $l; set +f
    echo "$p $2 $3"
  done
else ps -A -o pid= -o ppid= -o pgid= 2>/dev/null; fi)
me=$(echo "$t" | while read -r p pp g; do [ "$p" = $$ ] && echo "$g"; done)
k=" $r "; g=" $r "; n=1
while [ $n = 1 ]; do
  n=0
  while read -r p pp pg; do
    case $k in *" $p "*) ;; *" $pp "*) k="$k$p "; n=1 ;; esac
    case $k in *" $p "*) case $g in *" $pg "*) ;; *) g="$g$pg " ;; esac ;; esac
  done <<EOF
$t
EOF
done
sig() {
  for x in $g; do
    [ "$x" -gt 1 ] 2>/dev/null && [ "$x" != "$me" ] && kill -$1 -- -"$x" 2>/dev/null
  done
  kill -$1 $k 2>/dev/null
}
sig TERM
i=0
while [ $i -lt 30 ]; do
  a=; for p in $k; do
    if [ -r /proc/self/stat ]; then
      { read -r l <"/proc/$p/stat"; } 2>/dev/null || continue
      case ${l##*) } in Z*) continue ;; esac
      a=1
    else kill -0 "$p" 2>/dev/null && a=1; fi
  done
  [ -z "$a" ] && break
  sleep 0.1; i=$((i+1))
done
sig KILL
exit 0`, pid)
}
