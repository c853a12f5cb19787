package callback

import (
	"strings"

	"github.com/fjord-run/fjord/value"
)

// CustomStatsSink is a Sink that shows what set_stats gathered; the
// engine gives it the stats just before Recap.
type CustomStatsSink interface {
	CustomStats(custom *value.Map)
}

// addCustom takes the ansible_stats of a result (set_stats) into the
// custom stats, as ansible's strategy does for a result that is not a
// failure: by host when per_host, else under "_run"; aggregated (dicts
// merged, numbers added, strings and lists joined) or replaced.
func (c *Counter) addCustom(r *HostResult) {
	items := []any{r.Result}
	if rs, ok := get(r.Result, "results").([]any); ok && r.Loop {
		items = rs
	}
	for _, it := range items {
		m, _ := it.(*value.Map)
		st, _ := get(m, "ansible_stats").(*value.Map)
		data, _ := get(st, "data").(*value.Map)
		if data == nil || data.Len() == 0 {
			continue
		}
		host := "_run"
		if ph, ok := st.Get("per_host"); !ok || value.Truthy(ph) {
			host = r.Host
		}
		if c.custom == nil {
			c.custom = value.NewMap(0)
		}
		hm, _ := get(c.custom, host).(*value.Map)
		if hm == nil {
			hm = value.NewMap(0)
			c.custom.Set(host, hm)
		}
		aggregate := value.Truthy(get(st, "aggregate"))
		data.Range(func(k string, v any) bool {
			old, had := hm.Get(k)
			if !aggregate || !had {
				hm.Set(k, v)
				return true
			}
			if nv, ok := addStat(old, v); ok {
				hm.Set(k, nv)
			}
			return true
		})
	}
}

// addStat is Python's old += new for a custom stat; ok is false when
// new is not of old's type (ansible then keeps old).
func addStat(old, v any) (any, bool) {
	old, v = value.StripUnsafe(old), value.StripUnsafe(v)
	switch o := old.(type) {
	case *value.Map:
		n, ok := v.(*value.Map)
		if !ok {
			return nil, false
		}
		return mergeHash(o, n), true
	case []any:
		n, ok := v.([]any)
		if !ok {
			return nil, false
		}
		return append(append([]any(nil), o...), n...), true
	case int:
		switch n := v.(type) {
		case int:
			return o + n, true
		case bool:
			if n {
				return o + 1, true
			}
			return o, true
		}
	case float64:
		if n, ok := v.(float64); ok {
			return o + n, true
		}
	case string:
		if n, ok := v.(string); ok {
			return o + n, true
		}
	}
	return nil, false
}

// mergeHash is ansible's merge_hash(a, b): b's keys over a's, dicts in
// both merged the same way.
func mergeHash(a, b *value.Map) *value.Map {
	out, _ := value.DeepCopy(a).(*value.Map)
	b.Range(func(k string, v any) bool {
		if bm, ok := v.(*value.Map); ok {
			if am, ok := get(out, k).(*value.Map); ok {
				out.Set(k, mergeHash(am, bm))
				return true
			}
		}
		out.Set(k, v)
		return true
	})
	return out
}

// Custom returns what set_stats gathered: by host name, and "_run" for
// the stats not kept per host; nil when there is none.
func (c *Counter) Custom() *value.Map { return c.custom }

// CustomStats keeps the stats for the recap (show_custom_stats).
func (s *defaultSink) CustomStats(custom *value.Map) { s.custom = custom }

// customRecap prints the CUSTOM STATS section of the recap.
func (s *defaultSink) customRecap() {
	if !s.o.ShowCustomStats || s.custom == nil || s.custom.Len() == 0 {
		return
	}
	s.banner("CUSTOM STATS: ")
	keys := append([]string(nil), s.custom.Keys()...)
	sortStrings(keys)
	dump := func(v any) string {
		b, _ := value.AppendPyJSON(nil, v, value.PyJSONOptions{Indent: 1, SortKeys: true, Default: value.StringDefault})
		return strings.ReplaceAll(string(b), "\n", "")
	}
	for _, k := range keys {
		if k != "_run" {
			s.display(s.w, "\t"+k+": "+dump(get(s.custom, k)), "")
		}
	}
	if run, ok := s.custom.Get("_run"); ok {
		s.display(s.w, "", "")
		s.display(s.w, "\tRUN: "+dump(run), "")
	}
	s.display(s.w, "", "")
}
