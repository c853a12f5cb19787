package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeCfg writes te.dir/ansible.cfg and keeps ~/.ansible.cfg out.
func writeCfg(t *testing.T, te *testEnv, cfg string) {
	t.Helper()
	te.vars["HOME"] = te.dir
	if err := os.Chmod(te.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(te.dir, "ansible.cfg"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The ssh arguments reach runner.Options: a flag wins over the
// environment, which wins over ansible.cfg.
func TestSSHArgsFlow(t *testing.T) {
	cfg := "[ssh_connection]\nssh_args = -o ConnectTimeout=4\nssh_common_args = -o ProxyJump=cfg\nssh_extra_args = -o Port=1\n"
	for _, tc := range []struct {
		name                       string
		args                       []string
		env                        map[string]string
		wantArgs, wantCom, wantExt string
	}{
		{"ansible.cfg", nil, nil, "-o ConnectTimeout=4", "-o ProxyJump=cfg", "-o Port=1"},
		{"environment", nil, map[string]string{"ANSIBLE_SSH_COMMON_ARGS": "-o ProxyJump=env", "ANSIBLE_SSH_EXTRA_ARGS": "-o Port=2"},
			"-o ConnectTimeout=4", "-o ProxyJump=env", "-o Port=2"},
		{"flags", []string{"--ssh-common-args", "-o ProxyJump=flag", "--ssh-extra-args=-o Port=3"},
			map[string]string{"ANSIBLE_SSH_COMMON_ARGS": "-o ProxyJump=env"}, "-o ConnectTimeout=4", "-o ProxyJump=flag", "-o Port=3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			te := newTestEnv(t)
			writeCfg(t, te, cfg)
			for k, v := range tc.env {
				te.vars[k] = v
			}
			if code := te.playbook(append([]string{"site.yml"}, tc.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, te.errOut.String())
			}
			o := te.got
			if o.SSHArgs != tc.wantArgs || o.SSHCommonArgs != tc.wantCom || o.SSHExtraArgs != tc.wantExt {
				t.Errorf("ssh args %q, common %q, extra %q", o.SSHArgs, o.SSHCommonArgs, o.SSHExtraArgs)
			}
		})
	}
	// ssh_args left at its default is ssh(1)'s ControlMaster business:
	// nothing to pass on.
	te := newTestEnv(t)
	writeCfg(t, te, "[defaults]\n")
	if code := te.playbook("site.yml"); code != 0 || te.got.SSHArgs != "" || te.got.SSHCommonArgs != "" {
		t.Errorf("exit %d, options %+v", code, te.got)
	}
}

// Settings the engine used to read from the environment (which the CLI
// set from ansible.cfg) now arrive in runner.Options.
func TestConfigReachesOptions(t *testing.T) {
	te := newTestEnv(t)
	writeCfg(t, te, "[defaults]\ngathering = explicit\nansible_managed = by fjord\ntransport = local\nhost_key_checking = no\n")
	if code := te.playbook("site.yml"); code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	o := te.got
	if o.Gathering != "explicit" || o.ManagedStr != "by fjord" || o.Connection != "local" ||
		o.HostKeyChecking == nil || *o.HostKeyChecking {
		t.Errorf("options %+v", o)
	}
	if v, ok := os.LookupEnv("ANSIBLE_GATHERING"); ok {
		t.Errorf("ANSIBLE_GATHERING=%q set in the process", v)
	}

	// -c wins over transport; smart is the engine's default.
	if code := te.playbook("site.yml", "-c", "ssh"); code != 0 || te.got.Connection != "ssh" {
		t.Errorf("-c ssh: exit %d, Connection %q", code, te.got.Connection)
	}
	writeCfg(t, te, "[defaults]\ntransport = smart\n")
	if code := te.playbook("site.yml"); code != 0 || te.got.Connection != "" {
		t.Errorf("transport=smart: exit %d, Connection %q", code, te.got.Connection)
	}
}

// Flags fjord has nowhere to send are refused, naming the flag, with
// ansible's exit code for bad options.
func TestUnsupportedFlagsRefused(t *testing.T) {
	for _, flag := range []string{"--scp-extra-args", "--sftp-extra-args"} {
		te := newTestEnv(t)
		code := te.playbook("site.yml", flag, "-l 8192")
		if code != 5 || te.got != nil || !strings.Contains(te.errOut.String(), "ERROR! "+flag+" is not supported") {
			t.Errorf("%s: exit %d, ran %v, stderr %q", flag, code, te.got != nil, te.errOut.String())
		}
	}
}

// --version names the ansible.cfg that config.Find chooses: one in a
// world-writable working directory is ignored, as ansible ignores it.
func TestVersionConfigFile(t *testing.T) {
	te := newTestEnv(t)
	writeCfg(t, te, "[defaults]\n")
	if code := te.playbook("--version"); code != 0 || !strings.Contains(te.out.String(), "config file = "+filepath.Join(te.dir, "ansible.cfg")+"\n") {
		t.Errorf("exit %d: %s", code, te.out.String())
	}
	if err := os.Chmod(te.dir, 0o777); err != nil {
		t.Fatal(err)
	}
	te.out.Reset()
	if code := te.playbook("--version"); code != 0 || !strings.Contains(te.out.String(), "config file = None\n") {
		t.Errorf("world-writable: exit %d: %s", code, te.out.String())
	}
}

// Paths under ANSIBLE_HOME, the ssh timeout and remote_port come from
// the configuration.
func TestConfigPathsTimeoutPort(t *testing.T) {
	te := newTestEnv(t)
	writeCfg(t, te, "[defaults]\ntimeout = 20\nremote_port = 2022\n[ssh_connection]\ntimeout = 30\n")
	te.vars["ANSIBLE_HOME"] = "/opt/ah"
	if code := te.playbook("site.yml"); code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	o := te.got
	if len(o.RolesPath) == 0 || o.RolesPath[0] != "/opt/ah/roles" || len(o.CollectionsPath) == 0 || o.CollectionsPath[0] != "/opt/ah/collections" {
		t.Errorf("roles %q, collections %q", o.RolesPath, o.CollectionsPath)
	}
	if o.Timeout != 30 || o.RemotePort != 2022 {
		t.Errorf("timeout %d, remote port %d", o.Timeout, o.RemotePort)
	}
	if code := te.playbook("site.yml", "-T", "5"); code != 0 || te.got.Timeout != 5 {
		t.Errorf("-T 5: exit %d, timeout %d", code, te.got.Timeout)
	}
}

// The default callback's display_skipped_hosts and display_ok_hosts reach
// the engine.
func TestCallbackSettings(t *testing.T) {
	te := newTestEnv(t)
	writeCfg(t, te, "[defaults]\ndisplay_skipped_hosts = false\n")
	if code := te.playbook("site.yml"); code != 0 || !te.got.HideSkipped || te.got.HideOK {
		t.Errorf("exit %d, HideSkipped %v, HideOK %v", code, te.got.HideSkipped, te.got.HideOK)
	}
	te.vars["ANSIBLE_DISPLAY_OK_HOSTS"] = "no"
	te.vars["ANSIBLE_DISPLAY_SKIPPED_HOSTS"] = "yes"
	if code := te.playbook("site.yml"); code != 0 || te.got.HideSkipped || !te.got.HideOK {
		t.Errorf("env: exit %d, HideSkipped %v, HideOK %v", code, te.got.HideSkipped, te.got.HideOK)
	}
}

// become_ask_pass in ansible.cfg prompts as -K does.
func TestBecomeAskPassSetting(t *testing.T) {
	te := newTestEnv(t)
	writeCfg(t, te, "[privilege_escalation]\nbecome_ask_pass = true\n")
	if code := te.playbook("site.yml"); code != 0 || te.got.BecomePass != "secret" ||
		strings.Join(te.prompts, "|") != "BECOME password: " {
		t.Errorf("exit %d, BecomePass %q, prompts %q", code, te.got.BecomePass, te.prompts)
	}
}

// fjord inventory finds its sources where fjord playbook does: -i, else
// ansible.cfg's inventory, else ANSIBLE_INVENTORY.
func TestInventoryCommandReadsConfig(t *testing.T) {
	te := newTestEnv(t)
	writeCfg(t, te, "[defaults]\ninventory = hosts\n")
	if err := os.WriteFile(filepath.Join(te.dir, "hosts"), []byte("cfghost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := te.main(t.Context(), []string{"fjord", "inventory", "--list"}); code != 0 || !strings.Contains(te.out.String(), `"cfghost"`) {
		t.Errorf("exit %d: %s%s", code, te.out.String(), te.errOut.String())
	}
	if code := te.playbook("site.yml"); code != 0 || strings.Join(te.got.Inventory, ",") != filepath.Join(te.dir, "hosts") {
		t.Errorf("playbook: exit %d, inventory %q", code, te.got.Inventory)
	}
}

// callbacks_enabled, check_mode_markers, show_custom_stats and profile_tasks' options
// reach the engine from ansible.cfg and the environment.
func TestCallbacksEnabledSettings(t *testing.T) {
	te := newTestEnv(t)
	writeCfg(t, te, "[defaults]\ncallback_whitelist = timer\ncallbacks_enabled = profile_tasks, ansible.posix.timer\ncheck_mode_markers = yes\nshow_custom_stats = yes\n"+
		"[callback_profile_tasks]\nsort_order = none\n")
	if code := te.playbook("site.yml"); code != 0 || strings.Join(te.got.CallbacksEnabled, ",") != "profile_tasks,ansible.posix.timer" ||
		!te.got.CheckModeMarkers || !te.got.ShowCustomStats || te.got.ProfileTasksSort != "none" || te.got.ProfileTasksLimit != "" {
		t.Errorf("exit %d, %+v %v %q %q", code, te.got.CallbacksEnabled, te.got.CheckModeMarkers, te.got.ProfileTasksSort, te.got.ProfileTasksLimit)
	}
	te.vars["ANSIBLE_CALLBACKS_ENABLED"] = "profile_roles"
	te.vars["PROFILE_TASKS_TASK_OUTPUT_LIMIT"] = "all"
	if code := te.playbook("site.yml"); code != 0 || strings.Join(te.got.CallbacksEnabled, ",") != "profile_roles" || te.got.ProfileTasksLimit != "all" {
		t.Errorf("env: exit %d, %+v %q", code, te.got.CallbacksEnabled, te.got.ProfileTasksLimit)
	}
}

// callback_result_format and callback_format_pretty reach the engine; a
// format ansible does not know is refused.
func TestResultFormatSettings(t *testing.T) {
	te := newTestEnv(t)
	writeCfg(t, te, "[defaults]\ncallback_result_format = yaml\ncallback_format_pretty = false\n")
	if code := te.playbook("site.yml"); code != 0 || te.got.ResultFormat != "yaml" || te.got.PrettyResults == nil || *te.got.PrettyResults {
		t.Errorf("exit %d, %q %v", code, te.got.ResultFormat, te.got.PrettyResults)
	}
	te = newTestEnv(t)
	if code := te.playbook("site.yml"); code != 0 || te.got.ResultFormat != "" || te.got.PrettyResults != nil {
		t.Errorf("unset: exit %d, %q %v", code, te.got.ResultFormat, te.got.PrettyResults)
	}
	te.vars["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "toml"
	if code := te.playbook("site.yml"); code != 5 || !strings.Contains(te.errOut.String(), `Invalid value "toml"`) {
		t.Errorf("toml: exit %d, %s", code, te.errOut.String())
	}
}
