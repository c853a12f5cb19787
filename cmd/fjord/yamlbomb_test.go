package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// maxRSS is what no input may make fjord use.
const maxRSS = 512 << 20

// runWatched runs bin in dir and gives its stderr, exit code and peak
// resident memory. It kills a run that goes past twice maxRSS, so that an
// alias bomb fails the test rather than exhausting the machine.
func runWatched(t *testing.T, bin, dir string, args ...string) (stderr string, code int, rss int64) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG=", "HOME="+dir, "ANSIBLE_NOCOLOR=1")
	var se strings.Builder
	cmd.Stderr = &se
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("%v: still running after 2 minutes", args)
		case <-tick.C:
			if r := residentBytes(cmd.Process.Pid); r > 2*maxRSS {
				cmd.Process.Kill()
				<-done
				t.Fatalf("%v: killed at %d MiB resident", args, r>>20)
			}
		}
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss)
		if runtime.GOOS != "darwin" {
			rss <<= 10 // KiB, except on macOS (bytes)
		}
	}
	return se.String(), cmd.ProcessState.ExitCode(), rss
}

// residentBytes reads VmRSS from /proc (0 where there is none).
func residentBytes(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// laughs is a YAML mapping of 9^9 strings from some 500 bytes.
func laughs(indent string) string {
	var b strings.Builder
	b.WriteString(indent + "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= 8; i++ {
		p, c := string(rune('a'+i-1)), string(rune('a'+i))
		fmt.Fprintf(&b, "%s%s: &%s [%s]\n", indent, c, c, strings.TrimSuffix(strings.Repeat("*"+p+", ", 9), ", "))
	}
	return b.String()
}

// Alias bombs and YAML syntax errors, wherever the YAML is read, are load
// errors (exit 4) at file:line:col, and fjord stays within maxRSS.
func TestBinaryYAMLBombs(t *testing.T) {
	bin := buildBinary(t)
	play := "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n"
	for _, c := range []struct {
		name  string
		files map[string]string
		args  []string
		want  string // stderr, less the directory
	}{
		{"playbook vars", map[string]string{"site.yml": "- hosts: all\n  vars:\n" + laughs("    ") + "  tasks: []\n"},
			[]string{"--syntax-check"}, "ERROR! site.yml:6:24: excessive aliasing\n"},
		{"playbook recursive alias", map[string]string{"site.yml": "- hosts: all\n  vars:\n    a: &a [*a]\n  tasks: []\n"},
			nil, "ERROR! site.yml:3:12: recursive alias\n"},
		{"playbook syntax", map[string]string{"site.yml": "- hosts: all\n  tasks:\n   - debug: msg=a\n    - debug: msg=b\n"},
			[]string{"--syntax-check"}, "ERROR! site.yml:4:5: YAML syntax error: did not find expected '-' indicator\n"},
		{"group_vars", map[string]string{"site.yml": play, "inv/group_vars/all.yml": laughs("")},
			nil, "ERROR! inv/group_vars/all.yml:4:20: excessive aliasing\n"},
		{"host_vars syntax", map[string]string{"site.yml": play, "inv/host_vars/localhost.yml": "a: 1\nb:\n  c: 2\n d: 3\n"},
			nil, "ERROR! inv/host_vars/localhost.yml:4:2: YAML syntax error: did not find expected key\n"},
		{"extra vars file", map[string]string{"site.yml": play, "x.yml": laughs("")},
			[]string{"-e", "@x.yml"}, "ERROR! failed to load extra vars from 'x.yml': x.yml:4:20: excessive aliasing\n"},
		{"vars_files", map[string]string{"site.yml": "- hosts: all\n  gather_facts: false\n  vars_files: [x.yml]\n  tasks: []\n", "x.yml": laughs("")},
			nil, "ERROR! x.yml:4:20: excessive aliasing\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.files["inv/hosts"] = "localhost ansible_connection=local\n"
			for name, content := range c.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"playbook", "-i", "inv", "site.yml"}, c.args...)
			stderr, code, rss := runWatched(t, bin, dir, args...)
			stderr = strings.ReplaceAll(stderr, dir+"/", "")
			if code != 4 || stderr != c.want {
				t.Errorf("exit %d, stderr %q; want 4, %q", code, stderr, c.want)
			}
			if rss > maxRSS {
				t.Errorf("peak resident memory %d MiB, want at most %d", rss>>20, maxRSS>>20)
			}
		})
	}
}
