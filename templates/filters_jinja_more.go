package templates

import (
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// Jinja2 3.1's remaining builtin filters: filesizeformat, forceescape,
// xmlattr and pprint.

func registerJinjaMore() {
	filters["filesizeformat"] = fFilesizeformat
	filters["forceescape"] = fEscape
	filters["xmlattr"] = fXMLAttr
	filters["pprint"] = func(s *state, in any, args []any, kw map[string]any) (any, error) {
		return repr(in)
	}
}

// fFilesizeformat is Jinja2's filesizeformat: decimal (kB) or binary
// (KiB) prefixes, one decimal.
func fFilesizeformat(s *state, in any, args []any, kw map[string]any) (any, error) {
	size, err := pyFloat(in)
	if err != nil {
		return nil, err
	}
	binary := argBool(args, kw, 0, "binary", false)
	base := 1000.0
	prefixes := []string{"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}
	if binary {
		base = 1024
		prefixes = []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
	}
	switch {
	case size == 1:
		return "1 Byte", nil
	case size < base:
		return fmt.Sprintf("%d Bytes", int(size)), nil
	}
	unit := base
	for i, p := range prefixes {
		unit *= base
		if size < unit || i == len(prefixes)-1 {
			return fmt.Sprintf("%.1f %s", base*size/unit, p), nil
		}
	}
	return nil, nil
}

// fXMLAttr is Jinja2's xmlattr: key="value" pairs of a dict, escaped,
// without None or undefined values, with a leading space unless told.
func fXMLAttr(s *state, in any, args []any, kw map[string]any) (any, error) {
	m, ok := asMapping(in)
	if !ok {
		return nil, fmt.Errorf("'%s' object has no attribute 'items'", typeName(in))
	}
	var parts []string
	for _, k := range toOrderedMap(m).Keys() {
		v, _ := m.Get(k)
		if v == nil || isUndef(v) {
			continue
		}
		if strings.ContainsAny(k, " />=\t\n\f") {
			return nil, fmt.Errorf("Invalid character in attribute name: %s", value.Repr(k))
		}
		ek, _ := fEscape(s, k, nil, nil)
		ev, err := fEscape(s, v, nil, nil)
		if err != nil {
			return nil, err
		}
		parts = append(parts, fmt.Sprintf(`%s="%s"`, ek, ev))
	}
	out := strings.Join(parts, " ")
	if out != "" && argBool(args, kw, 0, "autospace", true) {
		out = " " + out
	}
	return out, nil
}
