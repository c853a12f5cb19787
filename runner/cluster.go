package runner

import (
	"context"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/modules"
)

// clusterEnv gives a cluster module (modules.Info.Cluster) the batch's
// hosts and a way to reach each of them over its own connection, with
// that host's variables (ansible_host, ansible_user, become).
func (tc *taskCtx) clusterEnv(env *modules.Env) {
	r, pr := tc.ex.r, tc.ex.pr
	for _, h := range pr.batch {
		env.Hosts = append(env.Hosts, h.name)
	}
	for _, h := range pr.all {
		env.PlayHosts = append(env.PlayHosts, h.name)
	}
	env.SelectHosts = func(pattern string) ([]string, error) {
		r.invMu.Lock()
		hs, err := r.inv.Select(pattern)
		r.invMu.Unlock()
		if err != nil {
			return nil, err
		}
		out := make([]string, len(hs))
		for i, h := range hs {
			out[i] = h.Name
		}
		return out, nil
	}
	env.HostConn = func(ctx context.Context, host string) (connection.Conn, *connection.Become, error) {
		h := r.hostState(host)
		if h == nil {
			return nil, nil, &connection.UnreachableError{Host: host, Err: errNoHost(host)}
		}
		otc := &taskCtx{ex: tc.ex, t: tc.t, h: h, sc: r.newScope(pr, h, tc.t, nil), kws: tc.kws, check: tc.check, diff: tc.diff}
		c, err := r.connFor(ctx, otc, "")
		if err != nil {
			return nil, nil, err
		}
		b, err := otc.become()
		if err != nil {
			return nil, nil, err
		}
		return c, b, nil
	}
}

type errNoHost string

func (e errNoHost) Error() string { return "host " + string(e) + " is not in the inventory" }
