package callback

import "github.com/fjord-run/fjord/value"

// jsonStyle selects how dumpJSON lays out a value; the two styles are the
// ones Python's json.dumps produces with and without indent.
type jsonStyle struct {
	indent      int  // 0: one line with ", " and ": " separators
	ensureASCII bool // escape DEL and everything past it as \uXXXX
	sortKeys    bool
}

// dumpJSON renders v exactly as Python's json.dumps would with the given
// style (Ansible prints results that way, and users diff those bytes).
func dumpJSON(v any, st jsonStyle) string {
	o := value.PyJSONOptions{Indent: st.indent, SortKeys: st.sortKeys, EnsureASCII: st.ensureASCII, Default: value.StringDefault}
	if st.indent == 0 {
		o.Indent = -1
	}
	// StringDefault never fails; a result nested past the depth limit
	// comes out cut short.
	b, _ := value.AppendPyJSON(nil, v, o)
	return string(b)
}
