package callback

import (
	"sort"

	"github.com/fjord-run/fjord/value"
)

// Counter keeps the PLAY RECAP counts the way ansible-playbook 2.14 does:
//
//   - ok and changed results: ok+1, and changed+1 when changed;
//   - skipped: skipped+1;
//   - failed: failed+1; with ignore_errors ok+1 and ignored+1 (and
//     changed+1 if the result says changed); caught by a rescue section
//     rescued+1 and nothing else;
//   - unreachable: unreachable+1; with ignore_unreachable ok+1, ignored+1;
//   - loop items are not counted, only the loop's final result;
//   - an include task's own result is not counted; each included file
//     counts ok+1 for each of its hosts (Included).
type Counter struct {
	m      map[string]*Stats
	custom *value.Map // set_stats' data (customstats.go)
}

// NewCounter returns an empty Counter.
func NewCounter() *Counter { return &Counter{m: map[string]*Stats{}} }

func (c *Counter) host(h string) *Stats {
	s, ok := c.m[h]
	if !ok {
		s = &Stats{Host: h}
		c.m[h] = s
	}
	return s
}

// Add counts one host result; item results (r.IsItem) are ignored.
func (c *Counter) Add(r *HostResult) {
	if r.IsItem {
		return
	}
	s := c.host(r.Host)
	changed := r.Status == Changed || (r.Result != nil && get(r.Result, "changed") == true)
	switch r.Status {
	case Failed:
		switch {
		case r.Ignored:
			s.OK++
			s.Ignored++
			if changed {
				s.Changed++
			}
		case r.Rescued:
			s.Rescued++
		default:
			s.Failed++
		}
	case Unreachable:
		if r.Ignored {
			s.OK++
			s.Ignored++
		} else {
			s.Unreachable++
		}
	case Skipped:
		s.Skipped++
	default:
		if r.Task.Include {
			return
		}
		c.addCustom(r)
		s.OK++
		if changed {
			s.Changed++
		}
	}
}

// Included counts a processed include file for its hosts.
func (c *Counter) Included(hosts []string) {
	for _, h := range hosts {
		c.host(h).OK++
	}
}

// Rescued records that a failure of host, already given to Add without
// r.Rescued, was caught by a rescue section: it moves from failed to
// rescued. Set r.Rescued or call Rescued, not both.
func (c *Counter) Rescued(host string) {
	s := c.host(host)
	if s.Failed > 0 {
		s.Failed--
	}
	s.Rescued++
}

// Touch makes host appear in the recap with no counts.
func (c *Counter) Touch(host string) { c.host(host) }

// Stats returns the counts sorted by host name.
func (c *Counter) Stats() []Stats {
	out := make([]Stats, 0, len(c.m))
	for _, s := range c.m {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Host < out[j].Host })
	return out
}

// Failed tells whether any host failed or was unreachable (exit code 2/4).
func (c *Counter) Failed() bool {
	for _, s := range c.m {
		if s.Failed > 0 || s.Unreachable > 0 {
			return true
		}
	}
	return false
}

func sortStrings(s []string) { sort.Strings(s) }
