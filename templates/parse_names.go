package templates

import (
	"strings"

	"github.com/nikolalohinski/gonja/v2/tokens"
)

// dottedNames gives gonja a filter or test name written with its
// collection (x | ansible.builtin.to_json, x is ansible.builtin.file) as
// one name token: Jinja2 reads the dotted name after | or is as the name,
// which gonja's parser does not.
func dottedNames(toks []*tokens.Token) []*tokens.Token {
	out := make([]*tokens.Token, 0, len(toks))
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		out = append(out, t)
		if t.Type != tokens.Pipe && t.Type != tokens.Is {
			continue
		}
		j := i + 1
		if t.Type == tokens.Is && j < len(toks) && toks[j].Type == tokens.Not {
			j++
		}
		if j+2 >= len(toks) || toks[j].Type != tokens.Name || toks[j+1].Type != tokens.Dot || toks[j+2].Type != tokens.Name {
			continue
		}
		if j > i+1 {
			out = append(out, toks[i+1])
		}
		parts := []string{toks[j].Val}
		k := j + 1
		for k+1 < len(toks) && toks[k].Type == tokens.Dot && toks[k+1].Type == tokens.Name {
			parts = append(parts, toks[k+1].Val)
			k += 2
		}
		name := *toks[j]
		name.Val = strings.Join(parts, ".")
		out = append(out, &name)
		i = k - 1
	}
	return out
}

// ansibleFilters and ansibleTests are ansible-core 2.14's own plugins,
// the ones its collection name reaches (Jinja2's builtins it does not).
var ansibleFilters = nameSet("b64decode b64encode basename bool checksum combinations combine comment dict2items " +
	"difference dirname expanduser expandvars extract fileglob flatten from_json from_yaml from_yaml_all hash " +
	"human_readable human_to_bytes intersect items2dict log mandatory md5 password_hash path_join permutations pow " +
	"product quote random realpath regex_escape regex_findall regex_replace regex_search rekey_on_member relpath root " +
	"sha1 shuffle split splitext strftime subelements symmetric_difference ternary to_datetime to_json to_nice_json " +
	"to_nice_yaml to_uuid to_yaml type_debug union unique unvault urldecode urlsplit vault win_basename win_dirname " +
	"win_splitdrive zip zip_longest")

var ansibleTests = nameSet("abs all any change changed contains directory exists failed failure falsy file finished " +
	"is_abs is_dir is_file is_link is_mount is_same_file isnan issubset issuperset link link_exists match mount nan " +
	"reachable regex same_file search skip skipped started subset succeeded success successful superset truthy " +
	"unreachable uri url urn vault_encrypted version version_compare")

func nameSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(s) {
		m[n] = true
	}
	return m
}

// pluginName is the name a filter or test written with ansible's
// collection (ansible.builtin.X, ansible.legacy.X) is registered under.
func pluginName(name string, own map[string]bool) string {
	for _, p := range []string{"ansible.builtin.", "ansible.legacy."} {
		if short := strings.TrimPrefix(name, p); short != name && own[short] {
			return short
		}
	}
	return name
}
