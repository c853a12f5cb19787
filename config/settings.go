package config

// Type is how a setting's text becomes a value, as ansible-core's config
// types.
type Type int

const (
	String   Type = iota // text, surrounding quotes removed
	Bool                 // Ansible's truthy spellings; anything else is false
	Int                  // decimal integer
	List                 // comma-separated, each item trimmed and unquoted
	Path                 // ~ and $VAR expanded, relative to the cfg file's dir
	PathList             // comma-separated paths
	PathSpec             // colon-separated paths
	TmpPath              // a path (ansible creates a per-process dir inside)
)

type iniKey struct{ section, key string }

// def describes one setting: its name, as ansible-config names it, its
// type, default, and where it may be set. Later ini and env entries win
// over earlier ones, as in ansible-core.
type def struct {
	name string
	// plugin is "" for core settings, else "type/name" (connection/ssh),
	// which ansible-config dump shows only with -t.
	plugin string
	typ    Type
	// dflt is the default as text; "~" stands for none (Python's None).
	// {home} is replaced by ANSIBLE_HOME.
	dflt string
	ini  []iniKey
	env  []string
}

const none = "\x00none"

func d(key string) iniKey      { return iniKey{"defaults", key} }
func k(sec, key string) iniKey { return iniKey{sec, key} }

// defs are the settings fjord knows. The names, keys, variables and
// defaults are ansible-core 2.14's.
var defs = []def{
	{name: "ANSIBLE_HOME", typ: Path, dflt: "~/.ansible", ini: []iniKey{d("home")}, env: []string{"ANSIBLE_HOME"}},
	{name: "ANSIBLE_COW_ACCEPTLIST", typ: List, dflt: "bud-frogs, bunny, cheese, daemon, default, dragon, elephant-in-snake, elephant, eyes, hellokitty, kitty, luke-koala, meow, milk, moofasa, moose, ren, sheep, small, stegosaurus, stimpy, supermilker, three-eyes, turkey, turtle, tux, udder, vader-koala, vader, www", ini: []iniKey{d("cow_whitelist"), d("cowsay_enabled_stencils")}, env: []string{"ANSIBLE_COW_WHITELIST", "ANSIBLE_COW_ACCEPTLIST"}},
	{name: "ANSIBLE_FORCE_COLOR", typ: Bool, dflt: "False", ini: []iniKey{d("force_color")}, env: []string{"ANSIBLE_FORCE_COLOR"}},
	{name: "ANSIBLE_NOCOLOR", typ: Bool, dflt: "False", ini: []iniKey{d("nocolor")}, env: []string{"ANSIBLE_NOCOLOR", "NO_COLOR"}},
	{name: "ANSIBLE_NOCOWS", typ: Bool, dflt: "False", ini: []iniKey{d("nocows")}, env: []string{"ANSIBLE_NOCOWS"}},
	{name: "ANSIBLE_PIPELINING", typ: Bool, dflt: "False", ini: []iniKey{d("pipelining"), k("connection", "pipelining")}, env: []string{"ANSIBLE_PIPELINING"}},
	{name: "ANY_ERRORS_FATAL", typ: Bool, dflt: "False", ini: []iniKey{d("any_errors_fatal")}, env: []string{"ANSIBLE_ANY_ERRORS_FATAL"}},
	{name: "CACHE_PLUGIN", dflt: "memory", ini: []iniKey{d("fact_caching")}, env: []string{"ANSIBLE_CACHE_PLUGIN"}},
	{name: "CALLBACKS_ENABLED", typ: List, dflt: "", ini: []iniKey{d("callback_whitelist"), d("callbacks_enabled")}, env: []string{"ANSIBLE_CALLBACK_WHITELIST", "ANSIBLE_CALLBACKS_ENABLED"}},
	{name: "COLLECTIONS_PATHS", typ: PathSpec, dflt: "{home}/collections:/usr/share/ansible/collections", ini: []iniKey{d("collections_paths"), d("collections_path")}, env: []string{"ANSIBLE_COLLECTIONS_PATHS", "ANSIBLE_COLLECTIONS_PATH"}},
	{name: "DEFAULT_BECOME", typ: Bool, dflt: "False", ini: []iniKey{k("privilege_escalation", "become")}, env: []string{"ANSIBLE_BECOME"}},
	{name: "DEFAULT_BECOME_ASK_PASS", typ: Bool, dflt: "False", ini: []iniKey{k("privilege_escalation", "become_ask_pass")}, env: []string{"ANSIBLE_BECOME_ASK_PASS"}},
	{name: "DEFAULT_BECOME_EXE", dflt: none, ini: []iniKey{k("privilege_escalation", "become_exe")}, env: []string{"ANSIBLE_BECOME_EXE"}},
	{name: "DEFAULT_BECOME_FLAGS", dflt: none, ini: []iniKey{k("privilege_escalation", "become_flags")}, env: []string{"ANSIBLE_BECOME_FLAGS"}},
	{name: "DEFAULT_BECOME_METHOD", dflt: "sudo", ini: []iniKey{k("privilege_escalation", "become_method")}, env: []string{"ANSIBLE_BECOME_METHOD"}},
	{name: "DEFAULT_BECOME_USER", dflt: "root", ini: []iniKey{k("privilege_escalation", "become_user")}, env: []string{"ANSIBLE_BECOME_USER"}},
	{name: "ERROR_ON_MISSING_HANDLER", typ: Bool, dflt: "True", ini: []iniKey{d("error_on_missing_handler")}, env: []string{"ANSIBLE_ERROR_ON_MISSING_HANDLER"}},
	{name: "DEFAULT_FORCE_HANDLERS", typ: Bool, dflt: "False", ini: []iniKey{d("force_handlers")}, env: []string{"ANSIBLE_FORCE_HANDLERS"}},
	{name: "DEFAULT_FORKS", typ: Int, dflt: "5", ini: []iniKey{d("forks")}, env: []string{"ANSIBLE_FORKS"}},
	{name: "DEFAULT_GATHERING", dflt: "implicit", ini: []iniKey{d("gathering")}, env: []string{"ANSIBLE_GATHERING"}},
	{name: "DEFAULT_GATHER_SUBSET", typ: List, dflt: none, ini: []iniKey{d("gather_subset")}, env: []string{"ANSIBLE_GATHER_SUBSET"}},
	{name: "DEFAULT_GATHER_TIMEOUT", typ: Int, dflt: none, ini: []iniKey{d("gather_timeout")}, env: []string{"ANSIBLE_GATHER_TIMEOUT"}},
	{name: "DEFAULT_HASH_BEHAVIOUR", dflt: "replace", ini: []iniKey{d("hash_behaviour")}, env: []string{"ANSIBLE_HASH_BEHAVIOUR"}},
	{name: "DEFAULT_HOST_LIST", typ: PathList, dflt: "/etc/ansible/hosts", ini: []iniKey{d("inventory")}, env: []string{"ANSIBLE_INVENTORY"}},
	{name: "DEFAULT_JINJA2_NATIVE", typ: Bool, dflt: "False", ini: []iniKey{d("jinja2_native")}, env: []string{"ANSIBLE_JINJA2_NATIVE"}},
	{name: "DEFAULT_LOCAL_TMP", typ: TmpPath, dflt: "{home}/tmp", ini: []iniKey{d("local_tmp")}, env: []string{"ANSIBLE_LOCAL_TEMP"}},
	{name: "DEFAULT_LOG_PATH", typ: Path, dflt: none, ini: []iniKey{d("log_path")}, env: []string{"ANSIBLE_LOG_PATH"}},
	{name: "DEFAULT_MANAGED_STR", dflt: "Ansible managed", ini: []iniKey{d("ansible_managed")}},
	{name: "DEFAULT_MODULE_PATH", typ: PathSpec, dflt: "{home}/plugins/modules:/usr/share/ansible/plugins/modules", ini: []iniKey{d("library")}, env: []string{"ANSIBLE_LIBRARY"}},
	{name: "DEFAULT_LOAD_CALLBACK_PLUGINS", typ: Bool, dflt: "False", ini: []iniKey{d("bin_ansible_callbacks")}, env: []string{"ANSIBLE_LOAD_CALLBACK_PLUGINS"}},
	{name: "TASK_TIMEOUT", typ: Int, dflt: "0", ini: []iniKey{d("task_timeout")}, env: []string{"ANSIBLE_TASK_TIMEOUT"}},
	{name: "DEFAULT_MODULE_NAME", dflt: "command", ini: []iniKey{d("module_name")}},
	{name: "DEFAULT_POLL_INTERVAL", typ: Int, dflt: "15", ini: []iniKey{d("poll_interval")}, env: []string{"ANSIBLE_POLL_INTERVAL"}},
	{name: "DEFAULT_PRIVATE_KEY_FILE", typ: Path, dflt: none, ini: []iniKey{d("private_key_file")}, env: []string{"ANSIBLE_PRIVATE_KEY_FILE"}},
	{name: "DEFAULT_PRIVATE_ROLE_VARS", typ: Bool, dflt: "False", ini: []iniKey{d("private_role_vars")}, env: []string{"ANSIBLE_PRIVATE_ROLE_VARS"}},
	{name: "DEFAULT_REMOTE_PORT", typ: Int, dflt: none, ini: []iniKey{d("remote_port")}, env: []string{"ANSIBLE_REMOTE_PORT"}},
	{name: "DEFAULT_REMOTE_USER", dflt: none, ini: []iniKey{d("remote_user")}, env: []string{"ANSIBLE_REMOTE_USER"}},
	{name: "DEFAULT_ROLES_PATH", typ: PathSpec, dflt: "{home}/roles:/usr/share/ansible/roles:/etc/ansible/roles", ini: []iniKey{d("roles_path")}, env: []string{"ANSIBLE_ROLES_PATH"}},
	{name: "DEFAULT_STDOUT_CALLBACK", dflt: "default", ini: []iniKey{d("stdout_callback")}, env: []string{"ANSIBLE_STDOUT_CALLBACK"}},
	{name: "DEFAULT_STRATEGY", dflt: "linear", ini: []iniKey{d("strategy")}, env: []string{"ANSIBLE_STRATEGY"}},
	{name: "DEFAULT_TIMEOUT", typ: Int, dflt: "10", ini: []iniKey{d("timeout")}, env: []string{"ANSIBLE_TIMEOUT"}},
	{name: "DEFAULT_TRANSPORT", dflt: "smart", ini: []iniKey{d("transport")}, env: []string{"ANSIBLE_TRANSPORT"}},
	{name: "DEFAULT_UNDEFINED_VAR_BEHAVIOR", typ: Bool, dflt: "True", ini: []iniKey{d("error_on_undefined_vars")}, env: []string{"ANSIBLE_ERROR_ON_UNDEFINED_VARS"}},
	{name: "DEFAULT_VAULT_ENCRYPT_IDENTITY", dflt: none, ini: []iniKey{d("vault_encrypt_identity")}, env: []string{"ANSIBLE_VAULT_ENCRYPT_IDENTITY"}},
	{name: "DEFAULT_VAULT_IDENTITY", dflt: "default", ini: []iniKey{d("vault_identity")}, env: []string{"ANSIBLE_VAULT_IDENTITY"}},
	{name: "DEFAULT_VAULT_IDENTITY_LIST", typ: List, dflt: "", ini: []iniKey{d("vault_identity_list")}, env: []string{"ANSIBLE_VAULT_IDENTITY_LIST"}},
	// ansible-core types this one as text; fjord reads it as a boolean.
	{name: "DEFAULT_VAULT_ID_MATCH", dflt: "False", ini: []iniKey{d("vault_id_match")}, env: []string{"ANSIBLE_VAULT_ID_MATCH"}},
	{name: "DEFAULT_VAULT_PASSWORD_FILE", typ: Path, dflt: none, ini: []iniKey{d("vault_password_file")}, env: []string{"ANSIBLE_VAULT_PASSWORD_FILE"}},
	{name: "DEPRECATION_WARNINGS", typ: Bool, dflt: "True", ini: []iniKey{d("deprecation_warnings")}, env: []string{"ANSIBLE_DEPRECATION_WARNINGS"}},
	{name: "DUPLICATE_YAML_DICT_KEY", dflt: "warn", ini: []iniKey{d("duplicate_dict_key")}, env: []string{"ANSIBLE_DUPLICATE_YAML_DICT_KEY"}},
	{name: "DISPLAY_ARGS_TO_STDOUT", typ: Bool, dflt: "False", ini: []iniKey{d("display_args_to_stdout")}, env: []string{"ANSIBLE_DISPLAY_ARGS_TO_STDOUT"}},
	{name: "DISPLAY_SKIPPED_HOSTS", typ: Bool, dflt: "True", ini: []iniKey{d("display_skipped_hosts")}, env: []string{"ANSIBLE_DISPLAY_SKIPPED_HOSTS"}},
	{name: "HOST_KEY_CHECKING", typ: Bool, dflt: "True", ini: []iniKey{d("host_key_checking")}, env: []string{"ANSIBLE_HOST_KEY_CHECKING"}},
	{name: "HOST_PATTERN_MISMATCH", dflt: "warning", ini: []iniKey{k("inventory", "host_pattern_mismatch")}, env: []string{"ANSIBLE_HOST_PATTERN_MISMATCH"}},
	{name: "PYTHON_MODULE_RLIMIT_NOFILE", typ: Int, dflt: "0", ini: []iniKey{d("python_module_rlimit_nofile")}, env: []string{"ANSIBLE_PYTHON_MODULE_RLIMIT_NOFILE"}},
	{name: "INTERPRETER_PYTHON", dflt: "auto", ini: []iniKey{d("interpreter_python")}, env: []string{"ANSIBLE_PYTHON_INTERPRETER"}},
	{name: "INVENTORY_ENABLED", typ: List, dflt: "host_list, script, auto, yaml, ini, toml", ini: []iniKey{k("inventory", "enable_plugins")}, env: []string{"ANSIBLE_INVENTORY_ENABLED"}},
	{name: "INVENTORY_IGNORE_EXTS", typ: List, dflt: ".pyc, .pyo, .swp, .bak, ~, .rpm, .md, .txt, .rst, .orig, .ini, .cfg, .retry", ini: []iniKey{d("inventory_ignore_extensions"), k("inventory", "ignore_extensions")}, env: []string{"ANSIBLE_INVENTORY_IGNORE"}},
	{name: "INVENTORY_UNPARSED_IS_FAILED", typ: Bool, dflt: "False", ini: []iniKey{k("inventory", "unparsed_is_failed")}, env: []string{"ANSIBLE_INVENTORY_UNPARSED_FAILED"}},
	{name: "LOCALHOST_WARNING", typ: Bool, dflt: "True", ini: []iniKey{d("localhost_warning")}, env: []string{"ANSIBLE_LOCALHOST_WARNING"}},
	{name: "MAX_FILE_SIZE_FOR_DIFF", typ: Int, dflt: "104448", ini: []iniKey{d("max_diff_size")}, env: []string{"ANSIBLE_MAX_DIFF_SIZE"}},
	{name: "RETRY_FILES_ENABLED", typ: Bool, dflt: "False", ini: []iniKey{d("retry_files_enabled")}, env: []string{"ANSIBLE_RETRY_FILES_ENABLED"}},
	{name: "RETRY_FILES_SAVE_PATH", typ: Path, dflt: none, ini: []iniKey{d("retry_files_save_path")}, env: []string{"ANSIBLE_RETRY_FILES_SAVE_PATH"}},
	{name: "SHOW_CUSTOM_STATS", typ: Bool, dflt: "False", ini: []iniKey{d("show_custom_stats")}, env: []string{"ANSIBLE_SHOW_CUSTOM_STATS"}},
	{name: "SYSTEM_WARNINGS", typ: Bool, dflt: "True", ini: []iniKey{d("system_warnings")}, env: []string{"ANSIBLE_SYSTEM_WARNINGS"}},

	// Plugin options: the ssh connection, the default callback, the sh shell.
	{plugin: "connection/ssh", name: "host_key_checking", typ: Bool, dflt: "True", ini: []iniKey{d("host_key_checking"), k("ssh_connection", "host_key_checking")}, env: []string{"ANSIBLE_HOST_KEY_CHECKING", "ANSIBLE_SSH_HOST_KEY_CHECKING"}},
	{plugin: "connection/ssh", name: "ssh_args", dflt: "-C -o ControlMaster=auto -o ControlPersist=60s", ini: []iniKey{k("ssh_connection", "ssh_args")}, env: []string{"ANSIBLE_SSH_ARGS"}},
	{plugin: "connection/ssh", name: "ssh_common_args", dflt: "", ini: []iniKey{k("ssh_connection", "ssh_common_args")}, env: []string{"ANSIBLE_SSH_COMMON_ARGS"}},
	{plugin: "connection/ssh", name: "ssh_extra_args", dflt: "", ini: []iniKey{k("ssh_connection", "ssh_extra_args")}, env: []string{"ANSIBLE_SSH_EXTRA_ARGS"}},
	{plugin: "connection/ssh", name: "pipelining", typ: Bool, dflt: "False", ini: []iniKey{d("pipelining"), k("connection", "pipelining"), k("ssh_connection", "pipelining")}, env: []string{"ANSIBLE_PIPELINING", "ANSIBLE_SSH_PIPELINING"}},
	{plugin: "connection/ssh", name: "control_path", dflt: none, ini: []iniKey{k("ssh_connection", "control_path")}, env: []string{"ANSIBLE_SSH_CONTROL_PATH"}},
	{plugin: "connection/ssh", name: "control_path_dir", dflt: "~/.ansible/cp", ini: []iniKey{k("ssh_connection", "control_path_dir")}, env: []string{"ANSIBLE_SSH_CONTROL_PATH_DIR"}},
	{plugin: "connection/ssh", name: "scp_if_ssh", dflt: "smart", ini: []iniKey{k("ssh_connection", "scp_if_ssh")}, env: []string{"ANSIBLE_SCP_IF_SSH"}},
	{plugin: "connection/ssh", name: "reconnection_retries", typ: Int, dflt: "0", ini: []iniKey{k("connection", "retries"), k("ssh_connection", "retries")}, env: []string{"ANSIBLE_SSH_RETRIES"}},
	{plugin: "connection/ssh", name: "remote_user", dflt: none, ini: []iniKey{d("remote_user")}, env: []string{"ANSIBLE_REMOTE_USER"}},
	{plugin: "connection/ssh", name: "port", typ: Int, dflt: none, ini: []iniKey{d("remote_port")}, env: []string{"ANSIBLE_REMOTE_PORT"}},
	{plugin: "connection/ssh", name: "timeout", typ: Int, dflt: "10", ini: []iniKey{d("timeout"), k("ssh_connection", "timeout")}, env: []string{"ANSIBLE_TIMEOUT", "ANSIBLE_SSH_TIMEOUT"}},
	{plugin: "callback/default", name: "display_ok_hosts", typ: Bool, dflt: "True", ini: []iniKey{d("display_ok_hosts")}, env: []string{"ANSIBLE_DISPLAY_OK_HOSTS"}},
	{plugin: "callback/default", name: "display_skipped_hosts", typ: Bool, dflt: "True", ini: []iniKey{d("display_skipped_hosts")}, env: []string{"ANSIBLE_DISPLAY_SKIPPED_HOSTS"}},
	{plugin: "callback/default", name: "display_failed_stderr", typ: Bool, dflt: "False", ini: []iniKey{d("display_failed_stderr")}, env: []string{"ANSIBLE_DISPLAY_FAILED_STDERR"}},
	{plugin: "callback/default", name: "show_custom_stats", typ: Bool, dflt: "False", ini: []iniKey{d("show_custom_stats")}, env: []string{"ANSIBLE_SHOW_CUSTOM_STATS"}},
	{plugin: "callback/default", name: "check_mode_markers", typ: Bool, dflt: "False", ini: []iniKey{d("check_mode_markers")}, env: []string{"ANSIBLE_CHECK_MODE_MARKERS"}},
	{plugin: "callback/default", name: "result_format", dflt: "json", ini: []iniKey{d("callback_result_format")}, env: []string{"ANSIBLE_CALLBACK_RESULT_FORMAT"}},
	{plugin: "callback/default", name: "pretty_results", typ: Bool, dflt: none, ini: []iniKey{d("callback_format_pretty")}, env: []string{"ANSIBLE_CALLBACK_FORMAT_PRETTY"}},
	{plugin: "callback/profile_tasks", name: "output_limit", dflt: "20", ini: []iniKey{k("callback_profile_tasks", "task_output_limit")}, env: []string{"PROFILE_TASKS_TASK_OUTPUT_LIMIT"}},
	{plugin: "callback/profile_tasks", name: "sort_order", dflt: "descending", ini: []iniKey{k("callback_profile_tasks", "sort_order")}, env: []string{"PROFILE_TASKS_SORT_ORDER"}},
	{plugin: "shell/sh", name: "async_dir", dflt: "~/.ansible_async", ini: []iniKey{d("async_dir")}, env: []string{"ANSIBLE_ASYNC_DIR"}},
	{plugin: "shell/sh", name: "remote_tmp", dflt: "~/.ansible/tmp", ini: []iniKey{d("remote_tmp")}, env: []string{"ANSIBLE_REMOTE_TEMP", "ANSIBLE_REMOTE_TMP"}},
}
