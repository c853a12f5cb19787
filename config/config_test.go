package config

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/internal/testgate"
)

func TestParseINI(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       map[string]string // "section.key" -> value
		err        string
	}{
		{name: "delimiters", text: "[defaults]\na = 1\nB: two\nc=3=4\nd :e:f\n",
			want: map[string]string{"defaults.a": "1", "defaults.b": "two", "defaults.c": "3=4", "defaults.d": "e:f"}},
		{name: "comments", text: "# top\n; top\n[defaults]\n  # indented\na = x ; inline\nb = x;not inline\nc = x # not inline\n",
			want: map[string]string{"defaults.a": "x", "defaults.b": "x;not inline", "defaults.c": "x # not inline"}},
		{name: "continuation", text: "[defaults]\nm = first\n  second\n\n  third\nn = 1\n",
			want: map[string]string{"defaults.m": "first\nsecond\n\nthird", "defaults.n": "1"}},
		{name: "comment inside continuation", text: "[defaults]\nm = first\n  ; c\n  second\n",
			want: map[string]string{"defaults.m": "first\nsecond"}},
		{name: "no interpolation", text: "[defaults]\na = %(b)s 100%\n",
			want: map[string]string{"defaults.a": "%(b)s 100%"}},
		{name: "DEFAULT section", text: "[DEFAULT]\nforks = 9\n[defaults]\n",
			want: map[string]string{"defaults.forks": "9"}},
		{name: "empty value", text: "[defaults]\na =\n",
			want: map[string]string{"defaults.a": ""}},
		{name: "crlf", text: "[defaults]\r\na = 1\r\n",
			want: map[string]string{"defaults.a": "1"}},
		{name: "no section", text: "a = 1\n", err: "no section headers"},
		{name: "no delimiter", text: "[defaults]\njunk\n", err: "parsing errors"},
		{name: "duplicate key", text: "[defaults]\na = 1\nA = 2\n", err: "already exists"},
		{name: "duplicate section", text: "[x]\n[x]\n", err: "already exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseINI(tc.text, "ansible.cfg")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tc.want {
				sec, key, _ := strings.Cut(k, ".")
				if got, ok := p.get(sec, key); !ok || got != want {
					t.Errorf("%s = %q (%v), want %q", k, got, ok, want)
				}
			}
		})
	}
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestPrecedenceAndTypes(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ansible.cfg")
	text := `[defaults]
forks = 20
inventory = hosts, ~/other , /abs/inv
roles_path = roles:/opt/roles:~/r
callbacks_enabled = profile_tasks, 'timer'
host_key_checking = no
private_key_file = keys/id
remote_user = "deploy"
vault_identity_list = a@x, b@y
unknown_setting = ignored
timeout = 30
async_dir = /var/tmp/jobs
[privilege_escalation]
become = Yes
become_user = admin
[ssh_connection]
pipelining = true
retries = 3
[inventory]
enable_plugins = ini
`
	vars := map[string]string{"HOME": "/home/u", "ANSIBLE_FORKS": "7", "ANSIBLE_SSH_TIMEOUT": "44"}
	c, err := LoadFile(env(vars), "/work", cfg, text)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		value  any
		origin string
	}{
		{"DEFAULT_FORKS", 7, "env: ANSIBLE_FORKS"},
		{"DEFAULT_HOST_LIST", []string{dir + "/hosts", "/home/u/other", "/abs/inv"}, cfg},
		{"DEFAULT_ROLES_PATH", []string{dir + "/roles", "/opt/roles", "/home/u/r"}, cfg},
		{"CALLBACKS_ENABLED", []string{"profile_tasks", "timer"}, cfg},
		{"HOST_KEY_CHECKING", false, cfg},
		{"DEFAULT_PRIVATE_KEY_FILE", dir + "/keys/id", cfg},
		{"DEFAULT_REMOTE_USER", "deploy", cfg},
		{"DEFAULT_VAULT_IDENTITY_LIST", []string{"a@x", "b@y"}, cfg},
		{"DEFAULT_BECOME", true, cfg},
		{"DEFAULT_BECOME_USER", "admin", cfg},
		{"DEFAULT_BECOME_METHOD", "sudo", "default"},
		{"DEFAULT_TIMEOUT", 30, cfg},
		{"DEFAULT_LOG_PATH", nil, "default"},
		{"DEFAULT_GATHERING", "implicit", "default"},
		{"INVENTORY_ENABLED", []string{"ini"}, cfg},
		{"COLLECTIONS_PATHS", []string{"/home/u/.ansible/collections", "/usr/share/ansible/collections"}, "default"},
		{"ANSIBLE_PIPELINING", false, "default"},
		{"connection.ssh.pipelining", true, cfg},
		{"connection.ssh.timeout", 44, "env: ANSIBLE_SSH_TIMEOUT"},
		{"connection.ssh.reconnection_retries", 3, cfg},
		{"connection.ssh.host_key_checking", false, cfg},
		{"shell.sh.remote_tmp", "~/.ansible/tmp", "default"},
		{"shell.sh.async_dir", "/var/tmp/jobs", cfg},
		{"DEFAULT_POLL_INTERVAL", 15, "default"},
	} {
		s := c.Get(tc.name)
		if !reflect.DeepEqual(s.Value, tc.value) || s.Origin != tc.origin {
			t.Errorf("%s = %#v (%s), want %#v (%s)", tc.name, s.Value, s.Origin, tc.value, tc.origin)
		}
	}
	if v, ok := c.Raw("defaults", "UNKNOWN_SETTING"); !ok || v != "ignored" {
		t.Errorf("Raw: %q %v", v, ok)
	}
	if s := c.Get("NO_SUCH"); s.Origin != "" {
		t.Errorf("unknown setting has origin %q", s.Origin)
	}

	// Env paths resolve against the working directory, not the cfg.
	vars["ANSIBLE_INVENTORY"] = "inv1,inv2"
	vars["NO_COLOR"] = "1"
	c, err = LoadFile(env(vars), "/work", cfg, text)
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Get("DEFAULT_HOST_LIST"); !reflect.DeepEqual(s.Value, []string{"/work/inv1", "/work/inv2"}) || s.Origin != "env: ANSIBLE_INVENTORY" {
		t.Errorf("env inventory: %#v %s", s.Value, s.Origin)
	}
	if s := c.Get("ANSIBLE_NOCOLOR"); s.Value != true || s.Origin != "env: NO_COLOR" {
		t.Errorf("NO_COLOR: %#v %s", s.Value, s.Origin)
	}

	// A bad integer is an error naming the setting and its origin.
	_, err = LoadFile(env(map[string]string{"ANSIBLE_FORKS": "many"}), "/work", "", "")
	if err == nil || !strings.Contains(err.Error(), "setting: DEFAULT_FORKS (from env: ANSIBLE_FORKS)") {
		t.Errorf("bad int: %v", err)
	}
}

func TestFind(t *testing.T) {
	home := t.TempDir()
	cwd := t.TempDir()
	if err := os.Chmod(cwd, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p string) {
		if err := os.WriteFile(p, []byte("[defaults]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars := map[string]string{"HOME": home}
	if f, _ := Find(env(vars), cwd); f != "" && f != "/etc/ansible/ansible.cfg" {
		t.Errorf("nothing: %q", f)
	}
	write(filepath.Join(home, ".ansible.cfg"))
	if f, _ := Find(env(vars), cwd); f != filepath.Join(home, ".ansible.cfg") {
		t.Errorf("home: %q", f)
	}
	write(filepath.Join(cwd, "ansible.cfg"))
	if f, _ := Find(env(vars), cwd); f != filepath.Join(cwd, "ansible.cfg") {
		t.Errorf("cwd: %q", f)
	}
	other := t.TempDir()
	write(filepath.Join(other, "ansible.cfg"))
	vars["ANSIBLE_CONFIG"] = other // a directory
	if f, _ := Find(env(vars), cwd); f != filepath.Join(other, "ansible.cfg") {
		t.Errorf("ANSIBLE_CONFIG dir: %q", f)
	}
	delete(vars, "ANSIBLE_CONFIG")
	if err := os.Chmod(cwd, 0o777); err != nil {
		t.Fatal(err)
	}
	f, warns := Find(env(vars), cwd)
	if f != filepath.Join(home, ".ansible.cfg") || len(warns) != 1 || !strings.Contains(warns[0], "world writable") {
		t.Errorf("world-writable cwd: %q %q", f, warns)
	}
}

func TestDump(t *testing.T) {
	c, err := LoadFile(env(map[string]string{"HOME": "/h", "ANSIBLE_NOCOLOR": "1"}), "/w", "/w/ansible.cfg",
		"[defaults]\nforks=3\ncallbacks_enabled = a, it's\n")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := c.Dump(&b, true); err != nil {
		t.Fatal(err)
	}
	want := `ANSIBLE_NOCOLOR(env: ANSIBLE_NOCOLOR) = True
CALLBACKS_ENABLED(/w/ansible.cfg) = ['a', "it's"]
CONFIG_FILE() = /w/ansible.cfg
DEFAULT_FORKS(/w/ansible.cfg) = 3
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestAnsibleConfigDump compares --only-changed output with ansible-config
// for a sample ansible.cfg.
func TestAnsibleConfigDump(t *testing.T) {
	bin := testgate.Tool(t, "ansible-config", "")
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile("testdata/sample.cfg")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ansible.cfg")
	if err := os.WriteFile(cfg, sample, 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"HOME": dir, "PATH": os.Getenv("PATH"), "ANSIBLE_TIMEOUT": "33", "ANSIBLE_CALLBACKS_ENABLED": "timer"}
	cmd := exec.Command(bin, "dump", "--only-changed")
	cmd.Dir = dir
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	c, err := Load(env(vars), dir)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := c.Dump(&b, true); err != nil {
		t.Fatal(err)
	}
	// local_tmp is a fresh per-process directory under the configured one.
	mask := func(s string) string {
		var lines []string
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "DEFAULT_LOCAL_TMP(") {
				l = l[:strings.Index(l, " = ")]
			}
			lines = append(lines, l)
		}
		return strings.Join(lines, "\n")
	}
	if got, want := mask(b.String()), mask(string(out)); got != want {
		t.Errorf("fjord:\n%s\nansible-config:\n%s", got, want)
	}
}
