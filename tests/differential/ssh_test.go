package differential

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	sshtest "github.com/fjord-run/fjord/tests/ssh"
)

// sshSkip lists cases whose point is the local connection itself.
var sshSkip = map[string]string{
	"047-unreachable":                 "its unreachable host is set per host in the inventory; the ssh variant reaches every host through one sshd",
	"055-wait-for-connection-timeout": "its unreachable port is set per host in the inventory; the ssh variant reaches every host through one sshd",
}

// TestDifferentialSSH runs the same cases with every host reached over SSH
// through a real sshd on loopback (extra vars override each host's
// ansible_connection=local), under ansible-playbook and fjord. It takes as
// long again as the local suite, so it runs when FJORD_DIFF_SSH=1.
func TestDifferentialSSH(t *testing.T) {
	if os.Getenv("FJORD_DIFF_SSH") != "1" {
		t.Skip("set FJORD_DIFF_SSH=1 to run the differential suite over ssh")
	}
	ansible, err := exec.LookPath("ansible-playbook")
	if err != nil {
		t.Fatalf("ansible-playbook not found: %v", err)
	}
	lab := sshtest.Start(t, 1)
	srv := lab.Servers[0]
	sshArgs := []string{
		"-e", "ansible_connection=ssh", "-e", "ansible_host=" + srv.IP,
		"-e", "ansible_port=" + strconv.Itoa(srv.Port), "-e", "ansible_user=root",
		"-e", "ansible_ssh_private_key_file=" + lab.UserKey,
		"-e", "ansible_ssh_common_args='-o UserKnownHostsFile=" + lab.KnownHosts + "'",
	}
	cases, err := listCases("cases", selectedCase())
	if err != nil {
		t.Fatal(err)
	}
	fjord := buildFjord(t)
	sem := make(chan struct{}, maxConcurrent)
	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			if why, ok := sshSkip[name]; ok {
				t.Skip(why)
			}
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := loadCase(filepath.Join("cases", name))
			if err != nil {
				t.Fatal(err)
			}
			c.cacheArgs = append(append([]string(nil), c.args...), "<over ssh>")
			c.args = append(c.args, sshArgs...)
			a := loadCached(t, c)
			if a == nil {
				a = runSide(t, c, "ansible", []string{ansible})
				if a.exitCode == c.wantExit {
					storeCached(t, c, a)
				}
			}
			if a.exitCode != c.wantExit {
				t.Errorf("case is broken over ssh: ansible-playbook exited %d, the case expects %d\n%s",
					a.exitCode, c.wantExit, trimOutput(a.output))
			}
			f := runSide(t, c, "fjord", []string{fjord, "playbook"})
			compare(t, a, f)
		})
	}
}
