package inventory

import (
	"testing"
)

func FuzzINI(f *testing.F) {
	for _, s := range []string{
		patternInv,
		"h x=1 y=\"a b\" z=['a'] w={'k': (1, 2.5)}\n",
		"[g:children]\nc\n[c]\nh[01:10:2]\n[g:vars]\nx=True\n",
		"w[a:f]-[1:3].example.com:22 ansible_host=10.0.0.[1:2]\n",
		"[a:children]\nb\n[b:children]\na\n",
		"h \"unterminated\n[x y]\n",
		"h1:\n---\n",
		"[w\xffb]\nh\xff2 x=a\xffb y=\"'\xfe'\"\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		inv := newInventory()
		if err := inv.parseINI("fuzz.ini", []byte(src)); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if err := inv.reconcile(); err != nil {
			return
		}
		for _, h := range inv.Hosts() {
			if _, err := inv.HostVars(h, ""); err != nil {
				t.Fatal(err)
			}
			_ = h.GroupNames()
		}
		if _, err := ListJSON(inv, ""); err != nil {
			t.Fatal(err)
		}
		_ = Graph(inv, "all")
		_, _ = inv.Select("all:!ungrouped")
	})
}

func FuzzPattern(f *testing.F) {
	for _, s := range []string{
		"all", "*", "web:&db:!web1", "web[0]", "web[-1]", "web[1:]", "~w.*[0-9]", "web?,db",
		"a:b", "[", "~(", "web[!1]", "!", "&", "web[1-2]", "fe80::1", "x[1:2]:y", "@nofile",
	} {
		f.Add(s)
	}
	inv := newInventory()
	if err := inv.parseINI("p.ini", []byte(patternInv)); err != nil {
		f.Fatal(err)
	}
	if err := inv.reconcile(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		hs, err := inv.Select(pattern)
		if err != nil {
			return
		}
		seen := map[*Host]bool{}
		for _, h := range hs {
			if seen[h] {
				t.Fatalf("Select(%q) returned %s twice", pattern, h.Name)
			}
			seen[h] = true
		}
	})
}
