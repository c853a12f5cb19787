package templates

import (
	"errors"
	"fmt"

	"github.com/fjord-run/fjord/value"
)

// The config lookup: settings of ansible's configuration, core ones by
// name or a plugin's options.

// ConfigReader is implemented by Vars that know the configuration in
// force.
type ConfigReader interface {
	// ConfigValue is a core setting by ansible-config's name
	// (DEFAULT_FORKS) or a plugin option as "connection.ssh.port"; ok is
	// false for one that does not exist.
	ConfigValue(name string) (v any, ok bool)
}

// knownPlugins are the plugins whose options the config lookup reads.
var knownPlugins = map[string]map[string]bool{
	"connection": {"ssh": true, "local": true, "paramiko_ssh": true, "psrp": true, "winrm": true},
	"shell":      {"sh": true, "cmd": true, "powershell": true},
	"become":     {"sudo": true, "su": true, "runas": true},
	"callback":   {"default": true, "minimal": true, "json": true},
}

// pluginOptionVars are the variables that set a plugin option, in
// ansible's order (a later one wins), and whether the option is an int.
var pluginOptionVars = map[string]struct {
	vars  []string
	isInt bool
}{
	"connection.ssh.host":        {vars: []string{"inventory_hostname", "ansible_host", "ansible_ssh_host"}},
	"connection.ssh.remote_user": {vars: []string{"ansible_user", "ansible_ssh_user"}},
	"connection.ssh.port":        {vars: []string{"ansible_port", "ansible_ssh_port"}, isInt: true},
	"connection.ssh.pipelining":  {vars: []string{"ansible_pipelining", "ansible_ssh_pipelining"}},
	"connection.ssh.timeout":     {vars: []string{"ansible_ssh_timeout"}, isInt: true},
	"shell.sh.remote_tmp":        {vars: []string{"ansible_remote_tmp"}},
}

// constantsCallables are names in ansible.constants that are functions,
// not settings.
var constantsCallables = map[string]bool{"ConfigManager": true, "Sequence": true, "add_internal_fqcns": true, "set_constant": true, "to_text": true}

var errMissingSetting = errors.New("missing setting")

func lkConfig(s *state, terms []any, kw map[string]any) ([]any, error) {
	missing := "error"
	if v, ok := kw["on_missing"]; ok {
		missing = pyStr(v)
	}
	ptype, pname := pyStr(kw["plugin_type"]), pyStr(kw["plugin_name"])
	if kw["plugin_type"] == nil {
		ptype = ""
	}
	if kw["plugin_name"] == nil {
		pname = ""
	}
	if missing != "error" && missing != "warn" && missing != "skip" {
		return nil, lkErr("AnsibleOptionsError", "Invalid value \"%s\" for configuration option \"plugin_type: lookup plugin: config setting: on_missing \", valid values are: error, skip, warn", missing)
	}
	if (ptype != "") != (pname != "") {
		return nil, lkErr("AnsibleOptionsError", "Both plugin_type and plugin_name are required, cannot use one without the other")
	}
	cr, _ := s.vars.(ConfigReader)
	out := []any{}
	for _, t := range terms {
		term, ok := asString(t)
		if !ok {
			return nil, lkErr("AnsibleOptionsError", "Invalid setting identifier, \"%s\" is not a string, its a %s", pyStr(t), pyClass(t))
		}
		var v any
		var detail string
		var err error
		if pname != "" {
			v, detail, err = s.pluginConfig(cr, ptype, pname, term)
		} else {
			v, detail, err = globalConfig(cr, term)
		}
		switch {
		case errors.Is(err, errMissingSetting):
			if missing == "error" {
				return nil, lkErr("AnsibleLookupError", "Unable to find setting %s. %s", term, detail)
			}
		case err != nil:
			return nil, err
		default:
			out = append(out, v)
		}
	}
	return out, nil
}

func globalConfig(cr ConfigReader, name string) (any, string, error) {
	if constantsCallables[name] {
		return nil, "", lkErr("AnsibleLookupError", "Invalid setting \"%s\" attempted", name)
	}
	if cr != nil {
		if v, ok := cr.ConfigValue(name); ok {
			return v, "", nil
		}
	}
	return nil, fmt.Sprintf("module 'ansible.constants' has no attribute '%s'", name), errMissingSetting
}

// pluginConfig is a plugin's option: from the variables that set it, else
// the configuration.
func (s *state) pluginConfig(cr ConfigReader, ptype, pname, name string) (any, string, error) {
	if !knownPlugins[ptype][pname] {
		return nil, "", lkErr("AnsibleLookupError", "Unable to load %s plugin \"%s\"", ptype, pname)
	}
	key := ptype + "." + pname + "." + name
	pv, hasVars := pluginOptionVars[key]
	for i := len(pv.vars) - 1; i >= 0; i-- {
		v, ok, err := s.variable(pv.vars[i])
		if err != nil || !ok {
			continue
		}
		if pv.isInt {
			if n, err := value.PyInt(v); err == nil {
				v = n
			}
		}
		return v, "", nil
	}
	if cr != nil {
		if v, ok := cr.ConfigValue(key); ok {
			return v, "", nil
		}
	}
	if hasVars {
		return nil, "", nil
	}
	msg := fmt.Sprintf("Requested entry (plugin_type: %s plugin: %s setting: %s ) was not defined in configuration.", ptype, pname, name)
	return nil, msg, errMissingSetting
}
