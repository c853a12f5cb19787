package fleet_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/fjord-run/fjord/lab/labtest"
)

// hybridPlaybooks are the playbooks ansible-playbook can load: db.yml
// and site.yml use the galera role, whose galera_bootstrap is fjord's.
var hybridPlaybooks = []string{"base.yml", "vpn.yml", "web.yml", "lb.yml"}

// TestSyntax checks playbooks/hybrid with fjord and with ansible-playbook
// --syntax-check (which loads every role, task file and handler) against
// the example inventory, which nothing runs against.
func TestSyntax(t *testing.T) {
	bin := labtest.BuildFjord(t)
	dir := filepath.Join(labtest.RepoRoot(), "playbooks", "hybrid")
	inv := filepath.Join(dir, "inventory", "hosts.ini")
	for _, pb := range append([]string{"site.yml", "db.yml"}, hybridPlaybooks...) {
		t.Run("fjord/"+pb, func(t *testing.T) {
			cmd := exec.Command(bin, "playbook", "--syntax-check", "-i", inv, pb)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("fjord playbook --syntax-check %s: %v\n%s", pb, err, out)
			}
		})
	}
	ap := labtest.Tool(t, "ansible-playbook", "ansible-core")
	for _, pb := range hybridPlaybooks {
		t.Run("ansible/"+pb, func(t *testing.T) {
			cmd := exec.Command(ap, "--syntax-check", "-i", inv, pb)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("ansible-playbook --syntax-check %s: %v\n%s", pb, err, out)
			}
		})
	}
}

// TestLint runs ansible-lint's production profile over the shipped roles
// and playbooks (.ansible-lint names fjord's modules as mock modules).
func TestLint(t *testing.T) {
	al := labtest.Tool(t, "ansible-lint", "ansible-lint")
	cmd := exec.Command(al, "--offline", "--nocolor", "-p", "roles", "playbooks/hybrid")
	cmd.Dir = labtest.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ansible-lint --profile production: %v\n%s", err, out)
	}
}
