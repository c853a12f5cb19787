package inventory

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const patternInv = `solo
[web]
web1
web2
web3
[db]
db1
db2
web1
[prod:children]
web
[stage]
stg-web1
[stage:vars]
x=1
`

func TestSplitPattern(t *testing.T) {
	tests := map[string][]string{
		"a:b":           {"a", "b"},
		"a,b":           {"a", "b"},
		" a , b ,":      {"a", "b"},
		"a:&b:!c":       {"a", "&b", "!c"},
		"web[0:2]":      {"web[0:2]"},
		"web[0]:db[1]":  {"web[0]", "db[1]"},
		"fe80::1":       {"fe80::1"},
		"host:22":       {"host:22"},
		"~web[0-9]+:db": {"~web[0-9]+", "db"},
	}
	for in, want := range tests {
		if got := SplitPattern(in); !reflect.DeepEqual(got, want) {
			t.Errorf("SplitPattern(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSelect(t *testing.T) {
	inv := loadString(t, "hosts", patternInv)
	tests := []struct {
		pattern, want string
		err           bool
	}{
		{"all", "solo,db1,db2,web1,stg-web1,web2,web3", false}, // level by level below all
		{"*", "solo,db1,db2,web1,stg-web1,web2,web3", false},
		{"web", "web1,web2,web3", false},
		{"db:web", "db1,db2,web1,web2,web3", false},
		{"db,web", "db1,db2,web1,web2,web3", false},
		{"web:&db", "web1", false},
		{"web:!db", "web2,web3", false},
		{"!db", "solo,stg-web1,web2,web3", false},
		{"&db", "db1,db2,web1", false},
		{"web*", "web1,web2,web3", false}, // globs match whole names
		{"*web1", "web1,stg-web1", false},
		{"~web[12]", "web1,web2", false},
		{"~(db|stg)", "db1,db2,web1,stg-web1", false}, // group db, then hosts; regexes match prefixes
		{"web[0]", "web1", false},
		{"web[-1]", "web3", false},
		{"web[1:2]", "web2,web3", false},
		{"web[1:]", "web2,web3", false},
		{"web[0:0]", "web1", false}, // an end of 0 means "no end" to Ansible
		{"prod", "web1,web2,web3", false},
		{"ungrouped", "solo", false},
		{"solo:web1", "solo,web1", false},
		{"nosuch", "", false},
		{"nosuch:web[9]", "", true},
		{"~(", "", true},
		{"web?", "web1,web2,web3", false},
		{"web[!1]", "web2,web3", false},
	}
	for _, tc := range tests {
		hs, err := inv.Select(tc.pattern)
		if (err != nil) != tc.err {
			t.Errorf("Select(%q) err = %v", tc.pattern, err)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), strings.TrimPrefix(tc.pattern, "nosuch:")) {
				t.Errorf("error %q does not name the pattern", err)
			}
			continue
		}
		if got := names(hs); got != tc.want {
			t.Errorf("Select(%q) = %s, want %s", tc.pattern, got, tc.want)
		}
	}
}

func TestLimit(t *testing.T) {
	inv := loadString(t, "hosts", patternInv)
	if err := inv.Limit("db:!web1"); err != nil {
		t.Fatal(err)
	}
	if hs, _ := inv.Select("all"); names(hs) != "db1,db2" {
		t.Errorf("limited all = %s", names(hs))
	}
	retry := filepath.Join(t.TempDir(), "site.retry")
	if err := os.WriteFile(retry, []byte("web2\nsolo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := inv.Limit("@" + retry); err != nil {
		t.Fatal(err)
	}
	if hs, _ := inv.Select("all"); names(hs) != "solo,web2" {
		t.Errorf("retry-limited all = %s", names(hs))
	}
	if err := inv.Limit("@" + retry + ".missing"); err == nil {
		t.Error("missing limit file: no error")
	}
	if err := inv.Limit("@" + filepath.Dir(retry)); err == nil {
		t.Error("directory limit file: no error")
	}
	_ = inv.Limit("")
	if hs, _ := inv.Select("web"); names(hs) != "web1,web2,web3" {
		t.Errorf("after clearing limit = %s", names(hs))
	}
}

func TestHostGroupsOrder(t *testing.T) {
	inv := loadString(t, "hosts", `[a]
h
[b]
h
[b:vars]
ansible_group_priority=0
[z:children]
a
[top:children]
z
`)
	h, _ := inv.Host("h")
	var got []string
	for _, g := range inv.HostGroups(h) {
		got = append(got, g.Name)
	}
	// all (0); b, top (depth 1; b has priority 0); z (2); a (3)
	if strings.Join(got, ",") != "all,b,top,z,a" {
		t.Errorf("HostGroups = %v", got)
	}
}

// TestNoMatch checks which pattern parts Ansible 2.14 warns about ("Could
// not match supplied host pattern, ignoring: X"): parts that name no host
// and no group, without their subscript; a group with no hosts matches.
func TestNoMatch(t *testing.T) {
	inv := loadString(t, "hosts", patternInv+"[empty]\n")
	var got []string
	inv.NoMatch = func(p string) { got = append(got, p) }
	for pattern, want := range map[string]string{
		"nomatch":      "nomatch",
		"web1,zz":      "zz",
		"all:!zz":      "zz",
		"web:&zz":      "zz",
		"nomatch[0]":   "nomatch",
		"web[a:b]":     "web[a:b]",
		"zz:yy":        "zz,yy",
		"all":          "",
		"empty":        "",
		"localhost":    "",
		"~web.*":       "",
		"w*":           "",
		"web[0]:db[1]": "",
	} {
		got = nil
		if _, err := inv.Select(pattern); err != nil {
			t.Errorf("Select(%q): %v", pattern, err)
		}
		if strings.Join(got, ",") != want {
			t.Errorf("Select(%q) reported %q, want %q", pattern, got, want)
		}
	}
}
