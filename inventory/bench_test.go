package inventory

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func bigINI() string {
	var b strings.Builder
	for g := 0; g < 10; g++ {
		fmt.Fprintf(&b, "[g%d]\n", g)
		for h := 0; h < 100; h++ {
			fmt.Fprintf(&b, "host-%d-%03d ansible_host=10.0.%d.%d idx=%d\n", g, h, g, h, h)
		}
		fmt.Fprintf(&b, "[g%d:vars]\nrole=r%d\n", g, g)
	}
	b.WriteString("[even:children]\ng0\ng2\ng4\ng6\ng8\n[prod:children]\neven\ng1\n")
	return b.String()
}

func BenchmarkLoadINI1000(b *testing.B) {
	dir := b.TempDir()
	writeTree(b, dir, map[string]string{"hosts": bigINI()})
	src := []string{filepath.Join(dir, "hosts")}
	b.ReportAllocs()
	for b.Loop() {
		inv, err := Load(src)
		if err != nil || len(inv.Hosts()) != 1000 {
			b.Fatal(err)
		}
	}
}

func BenchmarkSelect1000(b *testing.B) {
	dir := b.TempDir()
	writeTree(b, dir, map[string]string{"hosts": bigINI()})
	inv, err := Load([]string{filepath.Join(dir, "hosts")})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		hs, err := inv.Select("prod:&even:!host-0-0*:~host-.-0[0-4].")
		if err != nil || len(hs) == 0 {
			b.Fatal(err, len(hs))
		}
	}
}
