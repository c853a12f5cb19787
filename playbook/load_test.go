package playbook

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/fjord-run/fjord/internal/testfiles"
	_ "github.com/fjord-run/fjord/modules"
)

// writeFiles is testfiles.Write.
func writeFiles(t testing.TB, files map[string]string) string { return testfiles.Write(t, files) }

func load(t testing.TB, dir string) (*Playbook, error) {
	return Load(filepath.Join(dir, "site.yml"), Options{PlaybookDir: dir})
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  string // substring of the error, which must also name file:line:col
		pos   string
	}{
		{"unknown module", map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - name: x\n      no_such_module: {a: 1}\n"},
			"couldn't resolve module/action 'no_such_module'", "site.yml:4:7"},
		{"bad play keyword", map[string]string{"site.yml": "- hosts: all\n  taskz: []\n"},
			`"taskz" is not a valid attribute for a play`, "site.yml:2:3"},
		{"two actions", map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - debug: msg=a\n      command: echo\n"},
			"conflicting action statements", "site.yml:4:7"},
		{"yaml syntax", map[string]string{"site.yml": "- hosts: all\n  tasks: [\n"},
			"YAML syntax error: did not find expected node content", "site.yml:3:1"},
		{"empty import_playbook", map[string]string{"site.yml": "- import_playbook:\n"},
			"playbook import parameter is missing", "site.yml:1:3"},
		{"missing hosts", map[string]string{"site.yml": "- name: x\n  tasks: []\n"},
			"'hosts' is required", "site.yml:1:3"},
		{"missing role", map[string]string{"site.yml": "- hosts: all\n  roles: [nothere]\n"},
			"the role 'nothere' was not found", "site.yml:2:11"},
		{"missing import", map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - import_tasks: nope.yml\n"},
			"could not find or access 'nope.yml'", "site.yml:3:7"},
		{"bad block key", map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - block: []\n      resuce: []\n"},
			`"resuce" is not a valid attribute for a block`, "site.yml:4:7"},
		{"args bare variable", map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - copy: content=x\n      args: opts\n"},
			"Complex args containing variables cannot use bare variables", "site.yml:4:13"},
		{"args a list", map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - copy: content=x\n      args: [1]\n"},
			`Complex args must be a dictionary or variable string ("{{var}}").`, "site.yml:4:13"},
		{"free-form on a module without", map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - copy: opts\n"},
			"copy does not take free-form arguments", "site.yml:3:7"},
		{"unsupported module arg", map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - copy: {dest: /tmp/x, contnt: y}\n"},
			"Unsupported parameters for (ansible.legacy.copy) module: contnt", "site.yml:3:7"},
		{"module_defaults unknown module", map[string]string{"site.yml": "- hosts: all\n  module_defaults:\n    no.such.mod: {a: 1}\n  tasks: []\n"},
			"could not resolve action no.such.mod in module_defaults", "site.yml:3:5"},
		{"module_defaults unknown group", map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - debug: msg=x\n      module_defaults:\n        group/nosuchgroup: {region: x}\n"},
			"could not resolve the module_defaults group ansible.builtin.nosuchgroup", "site.yml:5:9"},
		{"bad meta", map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - meta: dance\n"},
			"invalid meta action requested: dance", "site.yml:3:7"},
		{"error inside role", map[string]string{"site.yml": "- hosts: all\n  roles: [r]\n",
			"roles/r/tasks/main.yml": "- name: ok\n  debug: msg=x\n- name: bad\n  frobnicate: yes\n"},
			"couldn't resolve module/action 'frobnicate'", "roles/r/tasks/main.yml:4:3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, c.files)
			_, err := load(t, dir)
			if err == nil {
				t.Fatalf("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
			if !strings.Contains(err.Error(), c.pos) {
				t.Errorf("error %q does not name %q", err, c.pos)
			}
		})
	}
}

func TestLoadModel(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `
- import_playbook: other.yml
- name: main
  hosts: web:&prod
  vars: {a: 1}
  pre_tasks:
    - debug: msg=pre
  roles:
    - role: r
      x: 1
  tasks:
    - name: free form
      command: echo hi creates=/tmp/x
    - block:
        - import_tasks: inc.yml
      rescue:
        - debug: msg=rescued
      always:
        - debug: msg=always
      when: a == 1
      tags: [b]
    - local_action: command echo hi
    - action: copy content=x dest=/tmp/y
  handlers:
    - name: h
      debug: msg=h
      listen: topic
`,
		"other.yml":                 "- hosts: all\n  tasks: [{debug: {msg: other}}]\n",
		"inc.yml":                   "- name: inc task\n  debug: msg=inc\n",
		"roles/r/tasks/main.yml":    "- name: role task\n  debug: msg=r\n",
		"roles/r/handlers/main.yml": "- name: role handler\n  debug: msg=rh\n",
		"roles/r/defaults/main.yml": "d: 1\n",
		"roles/r/meta/main.yml":     "dependencies: [dep]\n",
		"roles/dep/tasks/main.yml":  "- debug: msg=dep\n",
	})
	pb, err := load(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(pb.Plays) != 2 {
		t.Fatalf("plays = %d, want 2", len(pb.Plays))
	}
	p := pb.Plays[1]
	if p.Hosts != "web:&prod" || p.Name != "main" {
		t.Errorf("play = %q %q", p.Name, p.Hosts)
	}
	// roles: dep block, r block, then the play's four tasks.
	if len(p.Tasks) != 6 {
		t.Fatalf("tasks = %d, want 6", len(p.Tasks))
	}
	depBlk := p.Tasks[0].(*Block)
	if depBlk.Role.Role.Name != "dep" {
		t.Errorf("first role block is %s, want dep", depBlk.Role.Role.Name)
	}
	ff := p.Tasks[2].(*Task)
	if raw, _ := ff.Args.Get("_raw_params"); raw != "echo hi" {
		t.Errorf("_raw_params = %q", raw)
	}
	if c, _ := ff.Args.Get("creates"); c != "/tmp/x" {
		t.Errorf("creates = %q", c)
	}
	blk := p.Tasks[3].(*Block)
	if len(blk.Rescue) != 1 || len(blk.Always) != 1 || blk.Kw.Tags[0] != "b" {
		t.Errorf("block = %+v", blk)
	}
	imp := blk.Block[0].(*Block)
	if imp.Block[0].(*Task).Name != "inc task" {
		t.Errorf("import not expanded")
	}
	la := p.Tasks[4].(*Task)
	if la.Kw.DelegateTo != "localhost" || la.Action != "command" {
		t.Errorf("local_action = %+v", la)
	}
	act := p.Tasks[5].(*Task)
	if d, _ := act.Args.Get("dest"); act.Action != "copy" || d != "/tmp/y" {
		t.Errorf("action = %+v", act)
	}
	if len(p.Handlers) != 2 {
		t.Errorf("handlers = %d, want 2 (role's then play's)", len(p.Handlers))
	}
}

// FuzzLoad: no playbook text makes the loader panic, loop, or allocate
// without bound (alias bombs: the seeds under testdata/fuzz/FuzzLoad), and
// every error it gives names file:line:col.
func FuzzLoad(f *testing.F) {
	f.Add("- hosts: all\n  tasks:\n    - debug: msg=hi\n")
	f.Add("- hosts: all\n  tasks:\n    - block:\n        - command: echo\n      rescue: []\n")
	f.Add("- import_playbook: site.yml\n")
	f.Add("- hosts: [a, b]\n  roles: [{role: x, y: 1}]\n")
	f.Add("- hosts: all\n  tasks:\n    - action: copy src=a dest=b\n      loop: [1, 2]\n      loop_control: {loop_var: x}\n")
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "site.yml"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		l := NewLoader(Options{PlaybookDir: dir}, nil)
		_, err := l.LoadPlaybook(filepath.Join(dir, "site.yml"))
		runtime.ReadMemStats(&after)
		// yaml.v3's ratio lets a small text stand for some 400,000 nodes
		if n := after.TotalAlloc - before.TotalAlloc; n > 256<<20 {
			t.Fatalf("%q: loading allocated %d MiB", src, n>>20)
		}
		// only a file that cannot be read has none (as in ansible)
		var e *Error
		var errno syscall.Errno
		if err != nil && (!errors.As(err, &e) || e.Pos.Line == 0 && !errors.Is(err, fs.ErrNotExist) && !errors.As(err, &errno)) {
			t.Fatalf("%q: error without a position: %v", src, err)
		}
	})
}

// ansible-lint's fqcn rule asks for ansible.builtin.import_playbook;
// ansible-playbook accepts it as import_playbook.
func TestLoadImportPlaybookFQCN(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": "- name: imported\n  ansible.builtin.import_playbook: other.yml\n  tags: [x]\n" +
			"- ansible.legacy.import_playbook: other.yml\n",
		"other.yml": "- hosts: all\n  tasks: [{debug: {msg: other}}]\n",
	})
	pb, err := load(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(pb.Plays) != 2 || len(pb.Plays[0].Kw.Tags) != 1 {
		t.Fatalf("plays = %d (tags of the first %v), want 2 imported plays", len(pb.Plays), pb.Plays[0].Kw.Tags)
	}
}

// A meta dependency given only by src is the role ansible-galaxy
// installed from it, named after the repository.
func TestRoleDependencyBySrc(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml":               "- hosts: all\n  roles: [r]\n",
		"roles/r/tasks/main.yml": "- debug: msg=r\n",
		"roles/r/meta/main.yml": "dependencies:\n  - src: git+https://git.example/org/dep.git\n    version: v1\n" +
			"  - src: https://example/archive/other.tar.gz\n",
		"roles/dep/tasks/main.yml":   "- debug: msg=dep\n",
		"roles/other/tasks/main.yml": "- debug: msg=other\n",
	})
	pb, err := load(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tk := range pb.Plays[0].Tasks {
		if b, ok := tk.(*Block); ok && b.Role != nil {
			names = append(names, b.Role.Role.Name)
		}
	}
	if strings.Join(names, ",") != "dep,other,r" {
		t.Errorf("role blocks %v, want dep, other, r", names)
	}
}
