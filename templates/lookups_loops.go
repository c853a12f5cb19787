package templates

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The lookups behind with_* loops: items, dict, sequence, indexed_items, together, nested.

func lkItems(s *state, terms []any, kw map[string]any) ([]any, error) {
	return flatten(terms, 1, false), nil
}

func lkDict(s *state, terms []any, kw map[string]any) ([]any, error) {
	out := []any{}
	for _, t := range terms {
		m, ok := asMapping(t)
		if !ok {
			return nil, fmt.Errorf("with_dict expects a dict")
		}
		items, _ := fDict2Items(s, m, nil, nil)
		out = append(out, items.([]any)...)
	}
	return out, nil
}

var seqShort = regexp.MustCompile(`^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*|-[0-9]+)?(?:-(0[xX][0-9a-fA-F]+|[0-9]+))?(?:/([0-9]+))?(?::(.+))?$`)

func lkSequence(s *state, terms []any, kw map[string]any) ([]any, error) {
	out := []any{}
	for _, t := range termStrings(terms) {
		start, end, stride, count, format := 1, 0, 1, -1, "%d"
		hasEnd := false
		parseN := func(v string) (int, error) { return parseIntStr(v, 0) }
		fields := strings.Fields(t)
		if len(fields) == 1 && !strings.Contains(t, "=") {
			m := seqShort.FindStringSubmatch(t)
			if m == nil {
				return nil, fmt.Errorf("can't parse arg %q as sequence", t)
			}
			if m[2] == "" {
				e, err := parseN(m[1])
				if err != nil {
					return nil, err
				}
				end, hasEnd = e, true
			} else {
				st, err := parseN(m[1])
				if err != nil {
					return nil, err
				}
				e, err := parseN(m[2])
				if err != nil {
					return nil, err
				}
				start, end, hasEnd = st, e, true
			}
			if m[3] != "" {
				stride, _ = strconv.Atoi(m[3])
			}
			if m[4] != "" {
				format = m[4]
			}
		} else {
			for _, f := range fields {
				k, v, ok := strings.Cut(f, "=")
				if !ok {
					return nil, fmt.Errorf("can't parse arg %q as sequence", f)
				}
				var err error
				switch k {
				case "start":
					start, err = parseN(v)
				case "end":
					end, err = parseN(v)
					hasEnd = true
				case "stride":
					stride, err = parseN(v)
				case "count":
					count, err = parseN(v)
				case "format":
					format = v
				default:
					return nil, fmt.Errorf("unrecognized arg %q", k)
				}
				if err != nil {
					return nil, err
				}
			}
		}
		for k, v := range kw {
			n, _ := asInt(v)
			switch k {
			case "start":
				start = n
			case "end":
				end, hasEnd = n, true
			case "stride":
				stride = n
			case "count":
				count = n
			case "format":
				format, _ = toStr(v)
			}
		}
		if count >= 0 {
			if hasEnd {
				return nil, fmt.Errorf("can't specify both count and end in with_sequence")
			}
			end = start + (count-1)*stride
			if count == 0 {
				continue
			}
		} else if !hasEnd {
			return nil, fmt.Errorf("must specify count or end in with_sequence")
		}
		if stride == 0 {
			continue
		}
		if stride > 0 && end < start {
			return nil, fmt.Errorf("to count backwards make stride negative")
		}
		if stride < 0 && end > start {
			return nil, fmt.Errorf("to count forward don't make stride negative")
		}
		for i := start; (stride > 0 && i <= end) || (stride < 0 && i >= end); i += stride {
			r, err := pyFormat(format, []any{i})
			if err != nil {
				return nil, err
			}
			out = append(out, r)
			if len(out) > 1000000 {
				return nil, fmt.Errorf("sequence too long")
			}
		}
	}
	return out, nil
}

func lkIndexed(s *state, terms []any, kw map[string]any) ([]any, error) {
	items := flatten(terms, 1, false)
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = []any{i, it}
	}
	return out, nil
}

func lkTogether(s *state, terms []any, kw map[string]any) ([]any, error) {
	if len(terms) == 0 {
		return nil, fmt.Errorf("with_together requires at least one element in each list")
	}
	v, err := fZip(true)(s, terms[0], terms[1:], nil)
	if err != nil {
		return nil, err
	}
	return v.([]any), nil
}

func lkNested(s *state, terms []any, kw map[string]any) ([]any, error) {
	if len(terms) == 0 {
		return nil, fmt.Errorf("with_nested requires at least one element in the nested list")
	}
	v, err := fProduct(s, terms[0], terms[1:], nil)
	if err != nil {
		return nil, err
	}
	out := v.([]any)
	for i, r := range out {
		out[i] = flatten(r.([]any), 1, false)
	}
	return out, nil
}
