package templates

import (
	"fmt"
	"sort"

	"github.com/fjord-run/fjord/value"
)

// Ansible's filters on dicts: combine, dict2items, items2dict.

func asMapping(v any) (value.Getter, bool) {
	m, ok := plain(v).(value.Getter)
	return m, ok
}

func toOrderedMap(m value.Getter) *value.Map {
	if om, ok := m.(*value.Map); ok {
		return om.Clone()
	}
	keys := append([]string(nil), m.Keys()...)
	sort.Strings(keys)
	out := value.NewMap(len(keys))
	for _, k := range keys {
		v, _ := m.Get(k)
		out.Set(k, v)
	}
	return out
}

// fCombine is ansible's combine: its terms flattened one level (None
// dropped), one term returned as it is, more merged right to left with
// merge_hash.
func fCombine(s *state, in any, args []any, kw map[string]any) (any, error) {
	for k := range kw {
		if k != "recursive" && k != "list_merge" {
			return nil, filterError("'recursive' and 'list_merge' are the only valid keyword arguments")
		}
	}
	recursive := argBool(nil, kw, -1, "recursive", false)
	listMerge := argStr(nil, kw, -1, "list_merge", "replace")
	dicts := flatten(append([]any{in}, args...), 1, true)
	switch len(dicts) {
	case 0:
		return value.NewMap(0), nil
	case 1:
		return dicts[0], nil
	}
	switch listMerge {
	case "replace", "keep", "append", "prepend", "append_rp", "prepend_rp":
	default:
		return nil, filterError("merge_hash: 'list_merge' argument can only be equal to 'replace', 'keep', 'append', 'prepend', 'append_rp' or 'prepend_rp'")
	}
	result := dicts[len(dicts)-1]
	for i := len(dicts) - 2; i >= 0; i-- {
		x, xok := asMapping(dicts[i])
		y, yok := asMapping(result)
		if !xok || !yok {
			return nil, filterError("failed to combine variables, expected dicts but got a '%s' and a '%s': \n%s\n%s",
				pyTypeName(dicts[i]), pyTypeName(result), combineDump(dicts[i]), combineDump(result))
		}
		result = mergeMaps(toOrderedMap(x), toOrderedMap(y), recursive, listMerge)
	}
	return result, nil
}

// combineDump is json.dumps(v), or str(v) when that fails.
func combineDump(v any) string {
	if out, err := jsonEncode(v, value.PyJSONOptions{Indent: -1, EnsureASCII: true}); err == nil {
		return out
	}
	str, _ := toStr(v)
	return str
}

func mergeMaps(a, b *value.Map, recursive bool, listMerge string) *value.Map {
	out := a.Clone()
	for _, k := range b.Keys() {
		bv, _ := b.Get(k)
		av, has := out.Get(k)
		if has && recursive {
			am, aok := asMapping(av)
			bm, bok := asMapping(bv)
			if aok && bok {
				out.Set(k, mergeMaps(toOrderedMap(am), toOrderedMap(bm), recursive, listMerge))
				continue
			}
		}
		if has {
			al, aok := av.([]any)
			bl, bok := bv.([]any)
			if aok && bok {
				switch listMerge {
				case "keep":
					continue
				case "append":
					bv = append(append([]any{}, al...), bl...)
				case "prepend":
					bv = append(append([]any{}, bl...), al...)
				case "append_rp":
					var keep []any
					for _, x := range al {
						if found, _ := contains(bl, x); !found {
							keep = append(keep, x)
						}
					}
					bv = append(keep, bl...)
				case "prepend_rp":
					var keep []any
					for _, x := range al {
						if found, _ := contains(bl, x); !found {
							keep = append(keep, x)
						}
					}
					bv = append(append([]any{}, bl...), keep...)
				}
			}
		}
		out.Set(k, bv)
	}
	return out
}

func fDict2Items(s *state, in any, args []any, kw map[string]any) (any, error) {
	m, ok := asMapping(in)
	if !ok {
		return nil, fmt.Errorf("dict2items requires a dictionary, got %s instead.", pyClass(in))
	}
	kn := argStr(args, kw, 0, "key_name", "key")
	vn := argStr(args, kw, 1, "value_name", "value")
	om := toOrderedMap(m)
	out := []any{}
	for _, k := range om.Keys() {
		v, _ := om.Get(k)
		out = append(out, value.MapOf(kn, k, vn, v))
	}
	return out, nil
}

// fItems2Dict is ansible's items2dict: a dict from a list of dicts'
// key_name and value_name entries.
func fItems2Dict(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, ok := plain(in).([]any)
	if !ok {
		return nil, fmt.Errorf("items2dict requires a list, got %s instead.", pyClass(in))
	}
	kn := argStr(args, kw, 0, "key_name", "key")
	vn := argStr(args, kw, 1, "value_name", "value")
	out := value.NewMap(len(items))
	for _, it := range items {
		m, ok := asMapping(it)
		if !ok {
			r, _ := repr(in)
			return nil, fmt.Errorf("items2dict requires a list of dictionaries, got %s instead.", r)
		}
		k, ok1 := m.Get(kn)
		v, ok2 := m.Get(vn)
		if !ok1 || !ok2 {
			r, _ := repr(in)
			return nil, fmt.Errorf("items2dict requires each dictionary in the list to contain the keys '%s' and '%s', got %s instead.", kn, vn, r)
		}
		ks, ok := mapKey(k)
		if !ok {
			return nil, fmt.Errorf("unhashable type: '%s'", typeName(k))
		}
		out.Set(ks, v)
	}
	return out, nil
}
