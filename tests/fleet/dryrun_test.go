package fleet_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/lab"
	"github.com/fjord-run/fjord/lab/labtest"
)

// TestFleetDryRun runs --check --diff of the site playbook on fresh hosts
// that do not have the roles' packages (the lab offers them in a local
// apt repository), then the real converge, and compares: the check run
// must get to the end without a failure and change nothing on the
// hosts, and what it says would change must be what the real run
// changes, for at least 95% of the tasks whose outcome it does not mark
// unknown. Every difference and every unknown is listed with its reason.
func TestFleetDryRun(t *testing.T) {
	labtest.Require(t, "ssh")
	spec, err := lab.LoadSpec(filepath.Join("testdata", "lab.yml"))
	if err != nil {
		t.Fatal(err)
	}
	spec.Name = "dryfleet"
	// The same packages, offered instead of installed (python3 stays: it
	// is not the roles' to install).
	for i, p := range spec.Packages {
		if p != "python3" && p != "python3-apt" {
			spec.Packages[i] = lab.RepoPrefix + p
		}
	}
	f := upSpec(t, spec)
	hosts := make([]string, 0, len(f.st.Hosts))
	for _, h := range f.st.Hosts {
		hosts = append(hosts, h.Name)
	}
	// What the hosts are: their packages and every file under /etc, /srv
	// and /var/www with its content.
	snapshot := func() map[string]string {
		m := map[string]string{}
		for _, h := range hosts {
			m[h] = f.mustSSH(t, h, `{ dpkg-query -W; find /etc /srv /var/www -xdev \( -type f -o -type l \) -print 2>/dev/null | sort | xargs -r -d '\n' md5sum 2>/dev/null; } | md5sum`)
		}
		return m
	}
	before := snapshot()

	out, code, d := f.playbook(t, "--check", "--diff")
	if code != 0 {
		t.Fatalf("--check --diff on fresh hosts without the packages: exit %d\n%s", code, out)
	}
	if i := strings.Index(out, "DRY RUN SUMMARY"); i < 0 {
		t.Errorf("--check --diff printed no summary:\n%s", out)
	}
	t.Logf("--check --diff on the fresh fleet: exit 0 in %s", d.Round(time.Millisecond))
	check := f.jsonRun(t, "--check")
	for h, sum := range snapshot() {
		if sum != before[h] {
			t.Errorf("%s: the check runs changed the host", h)
		}
	}
	real := f.jsonRun(t)

	right, wrong, unknown := 0, 0, 0
	var report []string
	for _, h := range hosts {
		notes := check.DryRun[h]
		predicted, unknownWhy, because := map[string]int{}, map[string]string{}, map[string]string{}
		for _, n := range notes {
			switch n.Kind {
			case "change":
				predicted[n.Task]++
			case "unknown":
				unknownWhy[n.Task] = n.Text
			case "predicted":
				because[n.Task] = n.Text
			}
		}
		seen := map[string]int{}
		for _, task := range real.results(h) {
			i := seen[task.name]
			seen[task.name]++
			said := predicted[task.name] > i
			switch why, ok := unknownWhy[task.name]; {
			case ok:
				unknown++
				report = append(report, fmt.Sprintf("%-9s unknown %-62s real: %-9s (%s)", h, task.name, changedWord(task.changed), why))
			case said == task.changed:
				right++
			default:
				wrong++
				why := because[task.name]
				if why == "" {
					why = "the host as it is"
				}
				report = append(report, fmt.Sprintf("%-9s WRONG   %-62s said: %s, real: %s (from %s)", h, task.name, changedWord(said), changedWord(task.changed), why))
			}
		}
	}
	known := right + wrong
	t.Logf("dry run against the real converge, %d host-tasks: %d right, %d wrong, %d unknown (%.1f%% of those predicted right)\n%s",
		known+unknown, right, wrong, unknown, 100*float64(right)/float64(max(known, 1)), strings.Join(report, "\n"))
	if known == 0 || float64(right) < 0.95*float64(known) {
		t.Errorf("the dry run predicted %d of %d host-tasks right, want at least 95%%", right, known)
	}
}

func changedWord(b bool) string {
	if b {
		return "changed"
	}
	return "unchanged"
}

// jsonDoc is what the test reads of the json callback's document.
type jsonDoc struct {
	Plays []struct {
		Tasks []struct {
			Task  struct{ Name string }
			Hosts map[string]struct{ Changed bool }
		}
	}
	DryRun map[string][]struct{ Kind, Task, Text string } `json:"dry_run"`
}

type taskOutcome struct {
	name    string
	changed bool
}

// results are host's tasks in the order they ran, with their changed
// flag.
func (d *jsonDoc) results(host string) []taskOutcome {
	var out []taskOutcome
	for _, p := range d.Plays {
		for _, task := range p.Tasks {
			if r, ok := task.Hosts[host]; ok {
				out = append(out, taskOutcome{task.Task.Name, r.Changed})
			}
		}
	}
	return out
}

// jsonRun runs the site playbook with the json callback.
func (f *fleet) jsonRun(t *testing.T, args ...string) *jsonDoc {
	t.Helper()
	cmd := exec.Command(f.bin, append([]string{"playbook", "-i", f.st.Inventory, f.pb}, args...)...)
	cmd.Env = append(cmd.Environ(), "ANSIBLE_STDOUT_CALLBACK=json")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("fjord playbook %s (json): %v\n%s", strings.Join(args, " "), err, out)
	}
	var d jsonDoc
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("json callback's output: %v\n%s", err, out)
	}
	return &d
}
