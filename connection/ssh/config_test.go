package ssh

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/connection"
)

const sampleConfig = `# comment
Host bastion
    HostName 10.0.0.1
    User jump
    Port 2200

Host web* !web-legacy
  User deploy
  IdentityFile ~/.ssh/web_key
  ProxyJump bastion

Host *.example.com db?
  HostName %h.internal
  Port=2222

Match exec "true"
  User never

Host *
  User fallback
  IdentityFile ~/.ssh/all_key
  ServerAliveInterval 5
`

func TestConfigLookup(t *testing.T) {
	var c sshConfig
	if err := c.read(strings.NewReader(sampleConfig), "config", 0); err != nil {
		t.Fatal(err)
	}
	home, _ := os.UserHomeDir()
	tests := []struct {
		host       string
		want       map[string]string
		identities []string
	}{
		{"bastion", map[string]string{"hostname": "10.0.0.1", "user": "jump", "port": "2200", "serveraliveinterval": "5"}, []string{"~/.ssh/all_key"}},
		{"web1", map[string]string{"user": "deploy", "proxyjump": "bastion", "serveraliveinterval": "5"}, []string{"~/.ssh/web_key", "~/.ssh/all_key"}},
		{"web-legacy", map[string]string{"user": "fallback", "serveraliveinterval": "5"}, []string{"~/.ssh/all_key"}},
		{"a.example.com", map[string]string{"hostname": "%h.internal", "port": "2222", "user": "fallback", "serveraliveinterval": "5"}, []string{"~/.ssh/all_key"}},
		{"db1", map[string]string{"hostname": "%h.internal", "port": "2222", "user": "fallback", "serveraliveinterval": "5"}, []string{"~/.ssh/all_key"}},
	}
	for _, tt := range tests {
		s := newSettings()
		c.apply(tt.host, s)
		if !reflect.DeepEqual(s.values, tt.want) || !reflect.DeepEqual(s.identities, tt.identities) {
			t.Errorf("%s: %v %v, want %v %v", tt.host, s.values, s.identities, tt.want, tt.identities)
		}
	}
	if got := expandTokens("~/k_%h_%p_%r_%%", "h", "22", "u", home); got != home+"/k_h_22_u_%" {
		t.Errorf("expandTokens: %s", got)
	}
}

func TestConfigInclude(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "extra.conf"), []byte("Host inc\n  Port 7\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "config"), []byte("Include extra.*\nHost *\n  Port 9\n"), 0o644)
	c, err := readConfigFile(filepath.Join(dir, "config"))
	if err != nil {
		t.Fatal(err)
	}
	s := newSettings()
	c.apply("inc", s)
	if s.get("port") != "7" {
		t.Errorf("port %q", s.get("port"))
	}
}

func TestParseArgs(t *testing.T) {
	cl, err := parseArgs(`-o ProxyJump=root@b:22 -o 'UserKnownHostsFile=/x y' -oStrictHostKeyChecking=no`, `-i key -p 2022 -l bob -F cfg -C -o "ServerAliveInterval 3"`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"proxyjump": "root@b:22", "userknownhostsfile": "/x y", "stricthostkeychecking": "no", "port": "2022", "user": "bob", "serveraliveinterval": "3"}
	if !reflect.DeepEqual(cl.opts.values, want) || cl.configFile != "cfg" || !reflect.DeepEqual(cl.opts.identities, []string{"key"}) {
		t.Errorf("%v %q %v", cl.opts.values, cl.configFile, cl.opts.identities)
	}
	if _, err := parseArgs(`-o 'unterminated`); err == nil {
		t.Error("unterminated quote accepted")
	}
}

func TestResolve(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	os.WriteFile(filepath.Join(home, ".ssh", "config"), []byte(sampleConfig), 0o600)

	tg, err := resolve(connection.Options{Host: "web1", Address: "web1", HostKeyCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	if tg.ep.user != "deploy" || tg.ep.port != 22 || len(tg.jumps) != 1 || tg.jumps[0].hostname != "10.0.0.1" || tg.jumps[0].port != 2200 || tg.jumps[0].user != "jump" {
		t.Errorf("web1: %+v jumps %+v", tg.ep, tg.jumps)
	}
	if tg.keepalive != 5*time.Second || tg.timeout != defaultTimeout || !tg.checkKeys || tg.defaultKeys {
		t.Errorf("web1: %+v", tg)
	}
	// Inventory values win over the args, the args over the config.
	tg, err = resolve(connection.Options{Host: "h", Address: "db1", User: "inv", Timeout: 3, HostKeyCheck: true,
		Extra: map[string]string{"ansible_ssh_common_args": "-o User=arg -o Port=3000 -o ProxyJump=none -o StrictHostKeyChecking=no"}})
	if err != nil {
		t.Fatal(err)
	}
	if tg.ep.user != "inv" || tg.ep.port != 3000 || tg.ep.hostname != "db1.internal" || len(tg.jumps) != 0 || tg.checkKeys || tg.timeout != 3*time.Second {
		t.Errorf("db1: %+v %+v", tg.ep, tg)
	}
	tg, _ = resolve(connection.Options{Host: "x", Address: "x", HostKeyCheck: true, Extra: map[string]string{"ansible_host_key_checking": "no"}})
	if tg.checkKeys {
		t.Error("ansible_host_key_checking=no ignored")
	}
	tg, _ = resolve(connection.Options{Host: "x", Address: "x", Extra: map[string]string{"ansible_ssh_extra_args": "-J a@b:1,c"}})
	if len(tg.jumps) != 2 || tg.jumps[0].String() != "a@b:1" || tg.jumps[1].hostname != "c" {
		t.Errorf("jumps %+v", tg.jumps)
	}
}

func FuzzConfig(f *testing.F) {
	f.Add(sampleConfig, "web1")
	f.Add("Host=a\n Port = 1 # c\n", "a")
	f.Add("Host \"a b\" 'c'\n\tUser \\x\n", "c")
	f.Fuzz(func(t *testing.T, cfg, host string) {
		var c sshConfig
		if err := c.read(strings.NewReader(cfg), "fuzz", 0); err != nil {
			return
		}
		s := newSettings()
		c.apply(host, s)
		for k := range s.values {
			if k != strings.ToLower(k) {
				t.Errorf("key %q not lower case", k)
			}
		}
	})
}

func FuzzParseArgs(f *testing.F) {
	f.Add(`-o ProxyJump=root@b:22 -o 'UserKnownHostsFile=/x y' -J x -i k`)
	f.Add(`-o "a b" -p`)
	f.Fuzz(func(t *testing.T, s string) {
		parseArgs(s)
		splitWords(s)
		parseJump(s)
	})
}
