package external

import (
	"regexp"
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

var (
	connFactRe   = regexp.MustCompile(`^ansible_(local|ssh|paramiko|paramiko_ssh|psrp|winrm|fjord_ssh)_`)
	interpFactRe = regexp.MustCompile(`^ansible_.*_interpreter$`)
)

// cleanFacts removes the facts a module may not set, naming each in a
// warning, as clean_facts does (an ssh host key fact stays, unnamed).
func cleanFacts(f *value.Map, warn func(string)) {
	for _, k := range f.Keys() {
		bad := restrictedFacts[k] || interpFactRe.MatchString(k) || strings.HasPrefix(k, "ansible_become_") ||
			connFactRe.MatchString(k) && !strings.HasSuffix(k, "_bridge") && !strings.HasSuffix(k, "_gwbridge")
		if !bad || strings.HasPrefix(k, "ansible_ssh_host_key_") {
			continue
		}
		if warn != nil {
			warn("Removed restricted key from module data: " + k)
		}
		f.Delete(k)
	}
}
