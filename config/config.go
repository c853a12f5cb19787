package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// Setting is one setting's value and where it came from.
type Setting struct {
	Name string
	// Plugin is "" for core settings, else "connection/ssh" and the like.
	Plugin string
	Type   Type
	// Value is nil (unset, Python's None), string, bool, int or []string.
	Value any
	// Origin is the ansible.cfg path, "env: ANSIBLE_X" or "default".
	Origin string
}

// IsDefault reports whether nothing set the value.
func (s Setting) IsDefault() bool { return s.Origin == "default" || s.Origin == "" }

// String is the value as text: "" for none, lists comma-joined.
func (s Setting) String() string {
	switch v := s.Value.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case []string:
		return strings.Join(v, ",")
	}
	return fmt.Sprint(s.Value)
}

// Bool is the value as a boolean (text read with Ansible's spellings).
func (s Setting) Bool() bool {
	switch v := s.Value.(type) {
	case bool:
		return v
	case string:
		return value.Bool(v)
	}
	return false
}

// Int is the value as an integer, 0 when unset.
func (s Setting) Int() int {
	v, _ := s.Value.(int)
	return v
}

// List is the value as a list of strings.
func (s Setting) List() []string {
	switch v := s.Value.(type) {
	case []string:
		return append([]string(nil), v...)
	case string:
		return []string{v}
	}
	return nil
}

// Config is the configuration in force: ansible.cfg, environment and
// defaults resolved into typed settings.
type Config struct {
	// File is the ansible.cfg read, "" if none.
	File string
	// Warnings are what ansible would warn about while loading (a cfg
	// ignored in a world-writable directory).
	Warnings []string
	ini      *ini
	settings []Setting
	byName   map[string]int
}

// Find returns the ansible.cfg ansible would read: $ANSIBLE_CONFIG (a file,
// or a directory holding ansible.cfg), ./ansible.cfg unless the working
// directory is world-writable, ~/.ansible.cfg, /etc/ansible/ansible.cfg;
// "" if none exists.
func Find(getenv func(string) string, cwd string) (file string, warnings []string) {
	var candidates []string
	envPath, fromEnv := lookupEnv(getenv, "ANSIBLE_CONFIG")
	if fromEnv {
		p := expandPath(envPath, cwd, getenv)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			p = filepath.Join(p, "ansible.cfg")
		}
		candidates = append(candidates, p)
	}
	worldWritable := false
	if fi, err := os.Stat(cwd); err == nil {
		cwdCfg := filepath.Join(cwd, "ansible.cfg")
		if fi.Mode().Perm()&0o002 != 0 {
			_, err := os.Stat(cwdCfg)
			worldWritable = err == nil
		} else {
			candidates = append(candidates, cwdCfg)
		}
	}
	candidates = append(candidates, expandPath("~/.ansible.cfg", cwd, getenv), "/etc/ansible/ansible.cfg")
	for _, p := range candidates {
		if f, err := os.Open(p); err == nil {
			f.Close()
			file = p
			break
		}
	}
	if worldWritable && (!fromEnv || file != candidates[0]) {
		warnings = append(warnings, fmt.Sprintf("Ansible is being run in a world writable directory (%s), ignoring it as an ansible.cfg source.", cwd))
	}
	return file, warnings
}

// lookupEnv distinguishes unset from empty, which Ansible does: an empty
// ANSIBLE_X still overrides the file. getenv cannot tell, so "" is unset
// unless getenv is os.Getenv.
func lookupEnv(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// Load finds and reads ansible.cfg and resolves every setting: environment
// over file over default. getenv is os.Getenv or a test's map.
func Load(getenv func(string) string, cwd string) (*Config, error) {
	file, warnings := Find(getenv, cwd)
	var text []byte
	if file != "" {
		var err error
		if text, err = os.ReadFile(file); err != nil {
			return nil, fmt.Errorf("Error reading config file (%s): %w", file, err)
		}
	}
	c, err := load(getenv, cwd, file, string(text))
	if err != nil {
		return nil, err
	}
	c.Warnings = warnings
	return c, nil
}

// LoadFile is Load with the file given (text is its content), for tests
// and --config-like uses.
func LoadFile(getenv func(string) string, cwd, file, text string) (*Config, error) {
	return load(getenv, cwd, file, text)
}

func load(getenv func(string) string, cwd, file, text string) (*Config, error) {
	c := &Config{File: file, byName: map[string]int{}}
	if file != "" {
		if ext := filepath.Ext(file); ext != ".cfg" && ext != ".ini" {
			return nil, fmt.Errorf("Unsupported configuration file extension for %s: %s", file, ext)
		}
		p, err := parseINI(text, file)
		if err != nil {
			return nil, err
		}
		c.ini = p
	}
	home := ""
	for _, df := range defs {
		s, err := c.resolve(df, getenv, cwd, home)
		if err != nil {
			return nil, err
		}
		if df.name == "ANSIBLE_HOME" {
			home = s.String()
		}
		c.byName[key(df.plugin, df.name)] = len(c.settings)
		c.settings = append(c.settings, s)
	}
	return c, nil
}

func key(plugin, name string) string {
	if plugin == "" {
		return name
	}
	return strings.ReplaceAll(plugin, "/", ".") + "." + name
}

func (c *Config) resolve(df def, getenv func(string) string, cwd, home string) (Setting, error) {
	s := Setting{Name: df.name, Plugin: df.plugin, Type: df.typ}
	raw, origin, set := "", "", false
	for _, e := range df.env {
		if v, ok := lookupEnv(getenv, e); ok {
			raw, origin, set = v, "env: "+e, true
		}
	}
	if !set {
		for _, k := range df.ini {
			if v, ok := c.ini.get(k.section, k.key); ok {
				raw, origin, set = v, c.File, true
			}
		}
	}
	base := cwd
	if set && origin == c.File && filepath.IsAbs(c.File) {
		base = filepath.Dir(c.File)
	}
	if !set {
		origin = "default"
		if df.dflt == none {
			s.Origin = origin
			return s, nil
		}
		raw = strings.ReplaceAll(df.dflt, "{home}", home)
	}
	v, err := convert(raw, df.typ, base, getenv)
	if err != nil {
		return s, fmt.Errorf("Invalid type for configuration option setting: %s (from %s): %v", settingTitle(df), origin, err)
	}
	s.Value, s.Origin = v, origin
	return s, nil
}

func settingTitle(df def) string {
	if df.plugin == "" {
		return df.name
	}
	return df.plugin + ": " + df.name
}

func convert(raw string, t Type, base string, getenv func(string) string) (any, error) {
	switch t {
	case Bool:
		return value.Bool(raw), nil // ensure_type: boolean(raw, strict=False)
	case Int:
		n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(raw), "_", ""))
		if err != nil {
			return nil, fmt.Errorf("invalid literal for int() with base 10: '%s'", raw)
		}
		return n, nil
	case List:
		if raw == "" {
			return []string{}, nil
		}
		var out []string
		for _, p := range strings.Split(raw, ",") {
			out = append(out, unquote(strings.TrimSpace(p)))
		}
		return out, nil
	case Path, TmpPath:
		return expandPath(raw, base, getenv), nil
	case PathList:
		var out []string
		for _, p := range strings.Split(raw, ",") {
			out = append(out, expandPath(strings.TrimSpace(p), base, getenv))
		}
		return out, nil
	case PathSpec:
		var out []string
		for _, p := range strings.Split(raw, ":") {
			out = append(out, expandPath(p, base, getenv))
		}
		return out, nil
	}
	return unquote(raw), nil
}

// unquote removes one pair of matching surrounding quotes.
func unquote(s string) string {
	if len(s) > 1 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] && s[len(s)-2] != '\\' {
		return s[1 : len(s)-1]
	}
	return s
}

// expandPath expands $VARS and ~, and makes p absolute against base, as
// ansible's unfrackpath without following links.
func expandPath(p, base string, getenv func(string) string) string {
	p = strings.ReplaceAll(p, "{{CWD}}", base)
	p = os.Expand(p, func(name string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return "$" + name
	})
	if p == "~" || strings.HasPrefix(p, "~/") {
		home := getenv("HOME")
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		p = home + p[1:]
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	return filepath.Clean(p)
}

// Get returns the setting called name: a core name as ansible-config
// shows it (DEFAULT_FORKS), or "connection.ssh.pipelining" for a plugin
// option. An unknown name gives a Setting with empty Origin.
func (c *Config) Get(name string) Setting {
	if i, ok := c.byName[name]; ok {
		return c.settings[i]
	}
	return Setting{Name: name}
}

// Raw returns the text of any key in the file, known to fjord or not.
func (c *Config) Raw(section, key string) (string, bool) {
	return c.ini.get(section, strings.ToLower(key))
}

// Settings returns every setting, core ones sorted by name, then plugin
// options by plugin and name.
func (c *Config) Settings() []Setting {
	out := append([]Setting(nil), c.settings...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Plugin != out[j].Plugin {
			return out[i].Plugin < out[j].Plugin
		}
		return out[i].Name < out[j].Name
	})
	return out
}
