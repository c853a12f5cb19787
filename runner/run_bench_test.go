package runner

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/fjord-run/fjord/connection"
)

// BenchmarkPlaybook runs a 20-task playbook on 10 local hosts in-process:
// the engine's own cost per host and task, with the local connection.
func BenchmarkPlaybook(b *testing.B) {
	dir := b.TempDir()
	var tasks strings.Builder
	for i := 0; i < 20; i++ {
		switch i % 4 {
		case 0:
			tasks.WriteString("    - file: path={{ out }}/{{ inventory_hostname }}/d" + itoa(i) + " state=directory\n")
		case 1:
			tasks.WriteString("    - copy: content='x" + itoa(i) + "' dest={{ out }}/{{ inventory_hostname }}/f" + itoa(i) + "\n")
		case 2:
			tasks.WriteString("    - lineinfile: path={{ out }}/{{ inventory_hostname }}/l" + itoa(i) + " line=hello create=yes\n")
		case 3:
			tasks.WriteString("    - debug: msg=\"{{ inventory_hostname }} {{ groups['all'] | length }}\"\n")
		}
	}
	pb := "- hosts: all\n  gather_facts: false\n  vars: {out: " + filepath.Join(dir, "out") + "}\n  tasks:\n" + tasks.String()
	var inv strings.Builder
	for i := 0; i < 10; i++ {
		inv.WriteString("h" + itoa(i) + " ansible_connection=local\n")
	}
	os.WriteFile(filepath.Join(dir, "site.yml"), []byte(pb), 0o644)
	os.WriteFile(filepath.Join(dir, "inv"), []byte(inv.String()), 0o644)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		code := Run(context.Background(), &Options{Playbooks: []string{filepath.Join(dir, "site.yml")},
			Inventory: []string{filepath.Join(dir, "inv")}, Forks: 10, Stdout: io.Discard, Stderr: io.Discard})
		if code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*200), "µs/host-task")
}

func itoa(i int) string {
	const d = "0123456789"
	if i < 10 {
		return d[i : i+1]
	}
	return itoa(i/10) + d[i%10:i%10+1]
}
