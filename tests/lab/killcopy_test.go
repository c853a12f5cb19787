package labtest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fjord-run/fjord/lab"
	"github.com/fjord-run/fjord/lab/labtest"
)

// killCopyDir is where the playbook writes on every host.
const killCopyDir = "/srv/fault"

// TestKillMidCopy cuts a host's power (`fjord lab kill`) at a random
// moment of a playbook that copies and templates files of 1 KB to 20 MB
// to two hosts, boots it again (`fjord lab start`) and checks that
// every target on every host is whole: byte for byte, with its mode and
// owner, either the version before the run or the one the run wrote.
// Each run writes the other of two versions, so every run replaces
// every file. A rerun then has to converge with no temporary file left
// beside the targets, which a writer killed mid-upload leaves for the
// next write to sweep. FJORD_KILL_RUNS raises the number of runs (10).
func TestKillMidCopy(t *testing.T) {
	labtest.Require(t, "ssh")
	bin := labtest.Fjord(t)
	runs := 10
	if n, err := strconv.Atoi(os.Getenv("FJORD_KILL_RUNS")); err == nil && n > runs {
		runs = n
	}
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d", seed)

	// Two hosts: one killed, one that goes on (more hosts only make
	// each run longer).
	spec := lab.NumberedSpec(2)
	spec.Name = "itcopy"
	_, st := labtest.Up(t, spec)
	dir := t.TempDir()
	vers := makeKillCopyProject(t, dir)
	start := time.Now()

	play := func(ver int) (string, int, time.Duration) {
		t0 := time.Now()
		out, code := labtest.Run(t, 5*time.Minute, bin, "playbook", "-i", st.Inventory, "-e", fmt.Sprintf("ver=%d", ver), filepath.Join(dir, "site.yml"))
		return out, code, time.Since(t0)
	}
	var kills, finishedFirst, temps, checked, violations int
	report := func(when string, bad []string, n int) {
		checked += n
		violations += len(bad)
		for _, b := range bad {
			t.Errorf("%s: %s", when, b)
		}
	}

	// Version 0 everywhere, nothing killed: the first "before".
	out, code, est := play(0)
	if code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, out)
	}
	t.Logf("first run: %s", est.Round(time.Millisecond))
	bad, n := checkKillCopy(st, vers, 0, 0)
	report("first run", bad, n)

	for i := 1; i <= runs; i++ {
		ver, old := i%2, (i-1)%2
		victim := st.Hosts[rng.Intn(len(st.Hosts))].Name
		// Anywhere from before the first connection to near the end of
		// a run as long as an uninterrupted one.
		at := time.Duration(rng.Int63n(int64(est)))
		cmd := exec.Command(bin, "playbook", "-i", st.Inventory, "-e", fmt.Sprintf("ver=%d", ver), filepath.Join(dir, "site.yml"))
		var pout bytes.Buffer
		cmd.Stdout, cmd.Stderr = &pout, &pout
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		restarted := make(chan struct{})
		select {
		case <-done:
			finishedFirst++
			est = time.Since(t0)
			close(restarted)
			t.Logf("run %d: finished in %s, before the kill of %s due at %s", i, est.Round(time.Millisecond), victim, at.Round(time.Millisecond))
		case <-time.After(at):
			mustRun(t, time.Minute, bin, "lab", "kill", "--name", st.Name, victim)
			kills++
			t.Logf("run %d: killed %s at %s", i, victim, time.Since(t0).Round(time.Millisecond))
			// Boot it again while the run goes on: the run's connection
			// to it ends when the new kernel answers its packets with a
			// reset.
			go func() {
				defer close(restarted)
				if out, err := exec.Command(bin, "lab", "start", "--name", st.Name, victim).CombinedOutput(); err != nil {
					t.Errorf("run %d: fjord lab start %s: %v\n%s", i, victim, err, out)
				}
			}()
		}
		select {
		case <-done:
		case <-time.After(3 * time.Minute):
			_ = cmd.Process.Kill()
			<-done
			<-restarted
			t.Fatalf("run %d: the playbook did not end within 3 minutes:\n%s", i, pout.String())
		}
		<-restarted
		code := cmd.ProcessState.ExitCode()
		t.Logf("run %d: exit %d after %s", i, code, time.Since(t0).Round(time.Millisecond))
		// 2: a task failed (an upload cut short is refused on the host);
		// 4: the killed host was unreachable. Anything else is fjord
		// failing in itself.
		if code != 0 && code != 2 && code != 4 {
			report(fmt.Sprintf("run %d", i), []string{fmt.Sprintf("exit %d:\n%s", code, pout.String())}, 0)
		}
		// Killing one host must not hurt the others.
		for _, h := range st.Hosts {
			if h.Name != victim && (!regexpRecap(pout.String(), h.Name, "failed=0") || !regexpRecap(pout.String(), h.Name, "unreachable=0")) {
				report(fmt.Sprintf("run %d", i), []string{fmt.Sprintf("%s did not converge while %s was killed:\n%s", h.Name, victim, pout.String())}, 0)
			}
		}
		bad, n := checkKillCopy(st, vers, old, ver)
		report(fmt.Sprintf("run %d (killed %s)", i, victim), bad, n)
		for _, h := range st.Hosts {
			left, _ := filepath.Glob(filepath.Join(h.Root, killCopyDir, ".fjord_tmp.*"))
			temps += len(left)
		}

		out, code, _ := play(ver)
		if code != 0 {
			report(fmt.Sprintf("rerun %d", i), []string{fmt.Sprintf("exit %d, want 0:\n%s", code, out)}, 0)
		}
		bad, n = checkKillCopy(st, vers, ver, ver)
		report(fmt.Sprintf("rerun %d", i), bad, n)
		if code != 0 || len(bad) > 0 {
			// The next run's "before" would not be one version.
			runs = i
			break
		}
	}
	took := time.Since(start).Round(time.Second)
	summary := fmt.Sprintf("lab kill loop: runs %d, kills %d, finished before the kill %d, temps left by a kill for the rerun to sweep %d, files checked %d, violations %d (%s)",
		runs, kills, finishedFirst, temps, checked, violations, took)
	t.Log(summary)
	fmt.Println(summary)
	if kills == 0 {
		t.Errorf("no run was killed")
	}
}

// killCopyFile is one target as it must be in one version.
type killCopyFile struct {
	name string
	sum  [32]byte
	mode os.FileMode
	uid  uint32
}

// makeKillCopyProject writes the playbook, both versions of every file it
// copies, and its templates; it returns what each target must be in
// each version.
func makeKillCopyProject(t *testing.T, dir string) [2][]killCopyFile {
	t.Helper()
	copies := []struct {
		name string
		size int
	}{{"f1k", 1 << 10}, {"f64k", 64 << 10}, {"f2m", 2 << 20}, {"f20m", 20 << 20}}
	// Rendered, t1k.txt is about 1 KB and t1m.txt about 1 MB.
	templates := []struct {
		name  string
		lines int
	}{{"t1k", 45}, {"t1m", 40000}}
	modes := [2]os.FileMode{0o644, 0o600}
	uids := [2]uint32{0, 65534}
	var vers [2][]killCopyFile
	var names []string
	for _, c := range copies {
		names = append(names, c.name)
	}
	for v := range 2 {
		src := filepath.Join(dir, fmt.Sprintf("v%d", v))
		if err := os.MkdirAll(src, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, c := range copies {
			data := make([]byte, c.size)
			rand.New(rand.NewSource(int64(v*1000 + c.size))).Read(data)
			if err := os.WriteFile(filepath.Join(src, c.name), data, 0o644); err != nil {
				t.Fatal(err)
			}
			vers[v] = append(vers[v], killCopyFile{c.name, sha256.Sum256(data), modes[v], uids[v]})
		}
		for _, tp := range templates {
			var b strings.Builder
			for i := range tp.lines {
				fmt.Fprintf(&b, "line %d of version %d\n", i, v)
			}
			vers[v] = append(vers[v], killCopyFile{tp.name + ".txt", sha256.Sum256([]byte(b.String())), modes[v], uids[v]})
		}
	}
	var tasks strings.Builder
	for _, tp := range templates {
		// No newline after endfor: the output is then the same whether
		// trim_blocks is on (Ansible's default) or off.
		body := fmt.Sprintf("{%% for i in range(%d) %%}line {{ i }} of version {{ ver }}\n{%% endfor %%}", tp.lines)
		if err := os.WriteFile(filepath.Join(dir, tp.name+".j2"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&tasks, "    - template: src=%s.j2 dest={{ dir }}/%s.txt mode={{ mode }} owner={{ owner }}\n", tp.name, tp.name)
	}
	pb := fmt.Sprintf(`- hosts: all
  gather_facts: false
  vars:
    dir: %s
    mode: "{{ ['0644', '0600'][ver | int] }}"
    owner: "{{ ['root', '65534'][ver | int] }}"
  tasks:
    - file: path={{ dir }} state=directory mode=0755
    - copy: src=v{{ ver }}/{{ item }} dest={{ dir }}/{{ item }} mode={{ mode }} owner={{ owner }}
      loop: [%s]
%s`, killCopyDir, strings.Join(names, ", "), tasks.String())
	if err := os.WriteFile(filepath.Join(dir, "site.yml"), []byte(pb), 0o644); err != nil {
		t.Fatal(err)
	}
	return vers
}

// checkKillCopy reads every target on every host through the host's root
// on this machine and says how each differs from both version a and
// version b (nothing when each is one of them, whole); a == b also asks
// that no temporary file is left. It returns the number of files read.
func checkKillCopy(st *lab.State, vers [2][]killCopyFile, a, b int) ([]string, int) {
	var bad []string
	n := 0
	for _, h := range st.Hosts {
		d := filepath.Join(h.Root, killCopyDir)
		for i, want := range vers[a] {
			p := filepath.Join(d, want.name)
			got, err := readKillCopyTarget(p)
			n++
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s %s: %v", h.Name, want.name, err))
				continue
			}
			if got != want && got != vers[b][i] {
				bad = append(bad, fmt.Sprintf("%s %s: neither version (mode %04o uid %d sha256 %x)", h.Name, want.name, got.mode, got.uid, got.sum[:6]))
			}
		}
		if a == b {
			temps, _ := filepath.Glob(filepath.Join(d, ".fjord_tmp.*"))
			for _, p := range temps {
				bad = append(bad, fmt.Sprintf("%s: temporary file left: %s", h.Name, filepath.Base(p)))
			}
		}
	}
	return bad, n
}

func readKillCopyTarget(p string) (killCopyFile, error) {
	f, err := os.Open(p)
	if err != nil {
		return killCopyFile{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return killCopyFile{}, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return killCopyFile{}, err
	}
	got := killCopyFile{name: filepath.Base(p), mode: fi.Mode().Perm(), uid: fi.Sys().(*syscall.Stat_t).Uid}
	copy(got.sum[:], h.Sum(nil))
	return got, nil
}
