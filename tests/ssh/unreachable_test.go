package sshtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDropDuringRead closes the TCP connection under both ends while a
// module is reading the host (stat's stat(1), made to hang on one path):
// the host is UNREACHABLE, as Ansible reports a connection lost in any
// step, not FAILED with the connection's message, and the play goes on
// without it (exit code 4).
//
// The host's sshd runs every command through a ForceCommand wrapper that
// puts a stat(1) of the test's first in PATH; that one records its pid
// and sleeps when it is given the path to drop on, and is the real
// stat(1) otherwise.
func TestDropDuringRead(t *testing.T) {
	dir := t.TempDir()
	realStat, err := exec.LookPath("stat")
	if err != nil {
		t.Skip("no stat(1)")
	}
	bin := filepath.Join(dir, "bin")
	must(t, os.Mkdir(bin, 0o755))
	pidFile := filepath.Join(dir, "stat.pid")
	target := filepath.Join(dir, "drop-here")
	must(t, os.WriteFile(target, []byte("x\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(bin, "stat"), []byte(fmt.Sprintf(
		"#!/bin/sh\ncase \"$*\" in *drop-here*) echo $$ > %s; exec sleep 60;; esac\nexec %s \"$@\"\n",
		pidFile, realStat)), 0o755))
	wrap := filepath.Join(dir, "wrap.sh")
	must(t, os.WriteFile(wrap, []byte(fmt.Sprintf(
		"#!/bin/sh\nPATH=%s:$PATH; export PATH\nexec \"${SHELL:-/bin/sh}\" -c \"$SSH_ORIGINAL_COMMAND\"\n", bin)), 0o755))

	l := Start(t, 1, "ForceCommand "+wrap)
	proxy := startProxy(t, l.Servers[0].Addr())
	inv := faultInventory(t, l, []*tcpProxy{proxy})
	pb := filepath.Join(dir, "drop.yml")
	must(t, os.WriteFile(pb, []byte(`- hosts: lab
  gather_facts: false
  tasks:
    - stat: path=`+dir+`
    - stat: path=`+target+`
    - debug: msg=unreached
`), 0o644))

	cmd := exec.Command(fjord(t), "playbook", "-i", inv, pb)
	// The drop must come while a stat(1) of the shell path runs on the
	// host; the host helper, once uploaded, would serve the stat itself
	// (its own drops are in the fault loop).
	cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG=/nonexistent", "ANSIBLE_NOCOLOR=1", "FJORD_HOST_HELPER=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	must(t, cmd.Start())
	exited := waitExit(cmd)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})

	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(pidFile); err == nil {
			break
		}
		select {
		case <-exited:
			t.Fatalf("fjord ended before stat reached the host:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("stat never reached the host:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	proxy.closeAll()

	var werr error
	select {
	case werr = <-waited:
	case <-time.After(30 * time.Second):
		t.Fatalf("fjord still running 30s after the connection dropped:\n%s", out.String())
	}
	code := 0
	if ee, ok := werr.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if werr != nil {
		t.Fatal(werr)
	}
	s := out.String()
	if code != 4 {
		t.Errorf("exit %d, want 4\n%s", code, s)
	}
	if !strings.Contains(s, "fatal: [h1]: UNREACHABLE! =>") || strings.Contains(s, "FAILED!") {
		t.Errorf("want h1 UNREACHABLE, not FAILED:\n%s", s)
	}
	if m := recapLine.FindStringSubmatch(s); m == nil || !strings.Contains(m[2], "ok=1 ") || !strings.Contains(m[2], "unreachable=1 ") || !strings.Contains(m[2], "failed=0 ") {
		t.Errorf("recap: want ok=1 unreachable=1 failed=0\n%s", s)
	}
}
