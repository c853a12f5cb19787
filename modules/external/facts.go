package external

import (
	"strings"

	"github.com/fjord-run/fjord/value"
)

// restrictedFacts are the fact names a module may not set: connection
// and become variables, ansible_facts itself and internal keys, as
// vars/clean.py's clean_facts lists them (MAGIC_VARIABLE_MAPPING,
// COMMON_CONNECTION_VARS, RESTRICTED_RESULT_KEYS, INTERNAL_RESULT_KEYS).
var restrictedFacts = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`ansible_connection ansible_host ansible_ssh_host ansible_user ansible_ssh_user
		ansible_password ansible_ssh_pass ansible_port ansible_ssh_port ansible_pipelining ansible_ssh_pipelining
		ansible_timeout ansible_ssh_timeout ansible_shell_type ansible_shell_executable ansible_module_compression
		ansible_private_key_file ansible_ssh_private_key_file ansible_ssh_common_args ansible_ssh_extra_args
		ansible_sftp_extra_args ansible_scp_extra_args ansible_ssh_executable ansible_docker_extra_args
		ansible_become ansible_become_method ansible_become_user ansible_become_pass ansible_become_password
		ansible_become_exe ansible_become_flags ansible_sudo ansible_sudo_user ansible_sudo_pass ansible_sudo_exe
		ansible_sudo_flags ansible_su ansible_su_user ansible_su_pass ansible_su_exe ansible_su_flags
		ansible_rsync_path ansible_playbook_python ansible_facts add_host add_group`) {
		restrictedFacts[k] = true
	}
}

// connPrefixes are the connection plugins' variable prefixes: a fact
// named ansible_<connection>_... could set a connection's option.
var connPrefixes = []string{"ansible_local_", "ansible_ssh_", "ansible_paramiko_", "ansible_paramiko_ssh_",
	"ansible_psrp_", "ansible_winrm_", "ansible_fjord_ssh_"}

// RestrictedFact tells whether a fact of this name may not become a
// host variable, as clean_facts decides: connection and become
// variables, interpreters, internal keys; an ssh host key fact may.
// The fact stays in the result and under ansible_facts.
func RestrictedFact(k string) bool {
	if !strings.HasPrefix(k, "ansible_") {
		return restrictedFacts[k]
	}
	if restrictedFacts[k] || strings.HasPrefix(k, "ansible_become_") || strings.HasSuffix(k, "_interpreter") && len(k) >= len("ansible__interpreter") {
		return true
	}
	if strings.HasPrefix(k, "ansible_ssh_host_key_") || strings.HasSuffix(k, "_bridge") || strings.HasSuffix(k, "_gwbridge") {
		return false
	}
	for _, p := range connPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// warnRestrictedFacts names in a warning each fact a module returned that
// will not become a host variable.
func warnRestrictedFacts(f *value.Map, warn func(string)) {
	if warn == nil {
		return
	}
	for _, k := range f.Keys() {
		if RestrictedFact(k) {
			warn("Removed restricted key from module data: " + k)
		}
	}
}
