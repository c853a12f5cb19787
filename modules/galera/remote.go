package galera

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/modules"
)

// statusQuery reads every wsrep status variable and the two settings the
// decision needs, as name<TAB>value rows.
const statusQuery = "SHOW GLOBAL STATUS LIKE 'wsrep%'; " +
	"SHOW GLOBAL VARIABLES WHERE Variable_name IN ('wsrep_cluster_name','wsrep_on')"

// exec runs a script on a node with its become. Credentials, when given,
// reach the script on stdin, never on a command line.
func (m *GaleraBootstrap) exec(ctx context.Context, h *host, script string) (*connection.Result, error) {
	cmd := &connection.Cmd{Command: script, Become: h.become}
	if m.LoginUser != "" || m.LoginPassword != "" {
		var b strings.Builder
		b.WriteString("[client]\n")
		if m.LoginUser != "" {
			fmt.Fprintf(&b, "user=%s\n", optionValue(m.LoginUser))
		}
		if m.LoginPassword != "" {
			fmt.Fprintf(&b, "password=%s\n", optionValue(m.LoginPassword))
		}
		cmd.Stdin = strings.NewReader(b.String())
	}
	return h.conn.Exec(ctx, cmd)
}

// optionValue quotes a value for a MySQL option file.
func optionValue(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// clientPrelude sets $c to the client command line: mariadb or mysql,
// with the credentials file read from stdin and the socket.
func (m *GaleraBootstrap) clientPrelude() string {
	var b strings.Builder
	b.WriteString("c=$(command -v mariadb || command -v mysql)\n")
	b.WriteString(`[ -n "$c" ] || { echo "no mariadb or mysql client on the host" >&2; exit 127; }` + "\n")
	if m.LoginUser != "" || m.LoginPassword != "" {
		b.WriteString(`cf=$(mktemp) || exit 1` + "\n")
		b.WriteString(`trap 'rm -f "$cf"' EXIT` + "\n")
		b.WriteString(`chmod 600 "$cf"; cat > "$cf"` + "\n")
		b.WriteString(`c="$c --defaults-extra-file=$cf"` + "\n")
	}
	if m.LoginUnixSocket != "" {
		fmt.Fprintf(&b, "c=\"$c --socket=\"%s\n", connection.Quote(m.LoginUnixSocket))
	}
	return b.String()
}

// probeScript prints the unit's state, whether mysqld runs, grastate.dat
// and, where mysqld runs, its wsrep status.
func (m *GaleraBootstrap) probeScript() string {
	return m.clientPrelude() + fmt.Sprintf(`svc=%s
dd=%s
echo @@active
systemctl show -p ActiveState --value "$svc" 2>/dev/null
echo @@pid
pidof mariadbd mysqld 2>/dev/null
echo @@grastate
if [ -f "$dd/grastate.dat" ]; then echo present; cat "$dd/grastate.dat"; fi
if pidof mariadbd mysqld >/dev/null 2>&1; then
  out=$($c -N -B -e %s 2>&1)
  if [ $? -eq 0 ]; then echo @@status; else echo @@queryerr; fi
  printf '%%s\n' "$out"
fi
true
`, connection.Quote(m.ServiceName), connection.Quote(m.Datadir), connection.Quote(statusQuery))
}

// noClientError is a node without a database client: the server is not
// installed (yet, in a check run that would install it).
type noClientError struct{ node, msg string }

func (e *noClientError) Error() string {
	return fmt.Sprintf("%s: reading galera state: rc 127: %s", e.node, e.msg)
}

// probe reads one node's state.
func (m *GaleraBootstrap) probe(ctx context.Context, h *host) error {
	res, err := m.exec(ctx, h, m.probeScript())
	if err != nil {
		return fmt.Errorf("%s: %w", h.Name, err)
	}
	if res.RC == 127 {
		return &noClientError{h.Name, strings.TrimSpace(string(res.Stderr))}
	}
	if res.RC != 0 {
		return fmt.Errorf("%s: reading galera state: rc %d: %s", h.Name, res.RC, strings.TrimSpace(string(res.Stderr)))
	}
	s := modules.Sections(string(res.Stdout))
	h.active = strings.TrimSpace(s["active"])
	h.Running = strings.TrimSpace(s["pid"]) != ""
	h.Status, h.QueryErr = nil, ""
	h.Grastate = Grastate{}
	if g, ok := strings.CutPrefix(s["grastate"], "present\n"); ok {
		h.Grastate = ParseGrastate(g)
	}
	if st, ok := s["status"]; ok {
		h.Status = ParseStatus(st)
	}
	if e, ok := s["queryerr"]; ok {
		h.QueryErr = strings.TrimSpace(e)
	}
	return nil
}

// probeAll probes every node at once.
func (m *GaleraBootstrap) probeAll(ctx context.Context, hosts []*host) error {
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = m.probe(ctx, h)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// recoverScript runs mysqld --wsrep-recover, which prints the last
// committed position to its error log and exits without serving.
func (m *GaleraBootstrap) recoverScript() string {
	return fmt.Sprintf(`dd=%s
b=$(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -n1)
[ -n "$b" ] || { echo "no mariadbd or mysqld on the host" >&2; exit 127; }
log=$(mktemp) || exit 1
chown mysql "$log" 2>/dev/null
"$b" --user=mysql --datadir="$dd" --wsrep-recover --log-error="$log" >/dev/null 2>&1
rc=$?
cat "$log"
rm -f "$log"
exit $rc
`, connection.Quote(m.Datadir))
}

// recoverAll recovers the positions of the named nodes, at once.
func (m *GaleraBootstrap) recoverAll(ctx context.Context, hosts []*host, names []string) error {
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		h := hostByName(hosts, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := m.exec(ctx, h, m.recoverScript())
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", h.Name, err)
				return
			}
			log := string(res.Stdout)
			if p, ok := ParseRecovered(log); ok && p.Seqno >= 0 {
				h.Recovered = &p
				h.did("recovered position %s:%d with --wsrep-recover", p.UUID, p.Seqno)
				return
			}
			h.RecoverErr = fmt.Sprintf("--wsrep-recover (rc %d) printed no position: %s", res.RC, lastLines(log+string(res.Stderr), 5))
			h.did("--wsrep-recover found no position")
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// bootstrap makes h the first node of a new primary component: it marks
// grastate.dat safe_to_bootstrap (on this node only) and starts it with
// galera_new_cluster, then waits for it to be Primary and Synced. A
// non-empty message is a failure to report.
func (m *GaleraBootstrap) bootstrap(ctx context.Context, h *host) (string, error) {
	if h.Grastate.Present && !h.Grastate.SafeToBootstrap {
		res, err := m.exec(ctx, h, fmt.Sprintf(`f=%s/grastate.dat
sed -i.fjord-bak -e '/^safe_to_bootstrap:/d' "$f" && printf 'safe_to_bootstrap: 1\n' >> "$f" && rm -f "$f.fjord-bak"
`, connection.Quote(m.Datadir)))
		if err != nil {
			return "", fmt.Errorf("%s: %w", h.Name, err)
		}
		if res.RC != 0 {
			return fmt.Sprintf("%s: setting safe_to_bootstrap in grastate.dat: %s", h.Name, strings.TrimSpace(string(res.Stderr))), nil
		}
		h.did("set safe_to_bootstrap: 1 in grastate.dat")
	}
	start := time.Now()
	res, err := m.exec(ctx, h, fmt.Sprintf(`svc=%s
if command -v galera_new_cluster >/dev/null 2>&1; then
  timeout %d galera_new_cluster "$svc"
else
  systemctl set-environment _WSREP_NEW_CLUSTER=--wsrep-new-cluster &&
  timeout %d systemctl start "$svc"
  rc=$?
  systemctl unset-environment _WSREP_NEW_CLUSTER
  exit $rc
fi
`, connection.Quote(m.ServiceName), m.WaitTimeout, m.WaitTimeout))
	if err != nil {
		return "", fmt.Errorf("%s: %w", h.Name, err)
	}
	if res.RC != 0 {
		return fmt.Sprintf("%s: bootstrapping with galera_new_cluster failed (rc %d): %s%s", h.Name, res.RC,
			strings.TrimSpace(string(res.Stderr)), m.journal(ctx, h)), nil
	}
	if msg, err := m.waitSynced(ctx, h, start); msg != "" || err != nil {
		return msg, err
	}
	h.did("bootstrapped a new primary component with galera_new_cluster; Synced in %s", time.Since(start).Round(time.Second))
	return "", nil
}

// join starts a stopped node and waits until it is Synced in the
// primary component.
func (m *GaleraBootstrap) join(ctx context.Context, h *host) (string, error) {
	start := time.Now()
	// reset-failed: a failure seen from here on is this start's.
	u := connection.Quote(m.ServiceName)
	res, err := m.exec(ctx, h, "systemctl reset-failed "+u+" 2>/dev/null; systemctl start --no-block "+u)
	if err != nil {
		return "", fmt.Errorf("%s: %w", h.Name, err)
	}
	if res.RC != 0 {
		return fmt.Sprintf("%s: systemctl start %s: %s", h.Name, m.ServiceName, strings.TrimSpace(string(res.Stderr))), nil
	}
	if msg, err := m.waitSynced(ctx, h, start); msg != "" || err != nil {
		return msg, err
	}
	// Synced comes before the start job ends (ExecStartPost runs after
	// the server's READY): the unit is let reach active, so that a
	// restart right after this module (a rolling restart) does not
	// cancel that job.
	for deadline := time.Now().Add(time.Minute); h.active == "activating" && time.Now().Before(deadline); {
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return "", err
		}
		if err := m.probe(ctx, h); err != nil {
			return "", err
		}
	}
	h.did("started %s; joined and Synced in %s", m.ServiceName, time.Since(start).Round(time.Second))
	return "", nil
}

// waitSynced polls a node until it is Synced in a Primary component, its
// unit fails, or wait_timeout passes.
func (m *GaleraBootstrap) waitSynced(ctx context.Context, h *host, start time.Time) (string, error) {
	deadline := start.Add(m.timeout())
	for {
		if err := m.probe(ctx, h); err != nil {
			return "", err
		}
		if h.Status.Synced() {
			return "", nil
		}
		// A job queued with --no-block takes a moment to show.
		if (h.active == "failed" || h.active == "inactive" && !h.Running) && time.Since(start) > 5*time.Second {
			return fmt.Sprintf("%s: %s is %s%s", h.Name, m.ServiceName, h.active, m.journal(ctx, h)), nil
		}
		if time.Now().After(deadline) {
			state := "not running"
			if h.Status != nil {
				state = fmt.Sprintf("%s, %s", h.Status.ClusterStatus, h.Status.LocalState)
			} else if h.QueryErr != "" {
				state = h.QueryErr
			}
			return fmt.Sprintf("%s: not Synced after %ds (%s)", h.Name, m.WaitTimeout, state), nil
		}
		if err := sleep(ctx, time.Second); err != nil {
			return "", err
		}
	}
}

// journal is the unit's last log lines, to explain a failure.
func (m *GaleraBootstrap) journal(ctx context.Context, h *host) string {
	res, err := m.exec(ctx, h, "journalctl -u "+connection.Quote(m.ServiceName)+" -n 15 --no-pager 2>/dev/null")
	if err != nil || len(res.Stdout) == 0 {
		return ""
	}
	return "\n" + strings.TrimSpace(string(res.Stdout))
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
