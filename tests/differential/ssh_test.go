package differential

import (
	"os"
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
// ansible_connection=local). fjord runs over ssh; ansible-playbook's side is
// its ssh golden (ansible-ssh.golden.json) where its run over ssh differs
// from the local one, else the local golden, and runs over ssh when
// recording. It runs when FJORD_DIFF_SSH=1.
func TestDifferentialSSH(t *testing.T) {
	if os.Getenv("FJORD_DIFF_SSH") != "1" {
		t.Skip("set FJORD_DIFF_SSH=1 to run the differential suite over ssh")
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
	var fjord string
	if !ansibleOnly() {
		fjord = buildFjord(t)
	}
	times := &ansibleTimes{}
	t.Cleanup(func() { times.log(t) })
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
			c.args = append(c.args, sshArgs...)
			runCase(t, c, "ssh", fjord, times)
		})
	}
}
