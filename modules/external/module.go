package external

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/value"
)

// Info is the registry entry of a found module: it takes any arguments
// (the module checks them) and decides about check mode itself, as
// ansible-core leaves both to the module.
func Info(f *Found) *modules.Info {
	return &modules.Info{ID: f.FQCN, Raw: true, CheckMode: true, External: f.Path,
		New: func() modules.Module { return &Module{found: f} }}
}

// Module is one task's run of a found module.
type Module struct {
	found *Found
	args  *value.Map
}

// SetArgs takes the task's arguments as they are.
func (m *Module) SetArgs(a *value.Map) error { m.args = a; return nil }

// tmpdirMark stands for the host's temporary directory in the arguments
// until the host has made it.
const tmpdirMark = "@@FJORD_REMOTE_TMPDIR@@"

// Run sends the module to the host, runs it there and reads its result.
func (m *Module) Run(ctx context.Context, env *modules.Env) (*modules.Result, error) {
	data, err := os.ReadFile(m.found.Path)
	if err != nil {
		return nil, fmt.Errorf("reading module %s: %w", m.found.FQCN, err)
	}
	style := Detect(data)
	if env.Verbose != nil {
		env.Verbose(3, fmt.Sprintf("Using module file %s", m.found.Path))
	}
	// A new-style module is piped to the interpreter's stdin, as
	// ansible-core does when pipelining is on (never for an async job,
	// which ansible runs from a file): no temporary directory, no file.
	pipe := style == NewPython && !env.Async
	args := m.moduleArgs(env, pipe)
	j, err := m.prepare(ctx, env, style, data, args)
	if err != nil || j.failed != nil {
		return j.failed, err
	}
	if env.Verbose != nil {
		how := "as it is"
		if j.interp != nil {
			how = "with " + j.interp.Path
		}
		if j.pipe {
			how += ", piped on its stdin"
		}
		env.Verbose(3, fmt.Sprintf("%s is not native to fjord: running its module file (%s style) %s", m.found.FQCN, style, how))
	}
	res, err := runPiped(ctx, env, j)
	if err != nil {
		return nil, err
	}
	return parseResult(env, j, res), nil
}

// moduleArgs are the task's arguments and ansible's internal _ansible_*
// ones, as ActionBase._update_module_args sets them.
// A piped module has no temporary directory made for it
// (_ansible_tmpdir is None): AnsibleModule makes one under remote_tmp when
// the module asks for it.
func (m *Module) moduleArgs(env *modules.Env, pipe bool) *value.Map {
	a := value.NewMap(m.args.Len() + 16)
	if m.args != nil {
		m.args.Range(func(k string, v any) bool { a.Set(k, v); return true })
	}
	remoteTmp := "~/.ansible/tmp"
	if v, ok := envVar(env, "ansible_remote_tmp"); ok && value.String(v) != "" {
		remoteTmp = value.String(v)
	}
	version, _ := release(AnsibleRoot())
	for _, kv := range [][2]any{
		{"_ansible_check_mode", env.Check}, {"_ansible_no_log", env.NoLog}, {"_ansible_debug", false},
		{"_ansible_diff", env.Diff}, {"_ansible_verbosity", env.Verbosity}, {"_ansible_version", version},
		{"_ansible_module_name", m.moduleName()}, {"_ansible_syslog_facility", "LOG_USER"},
		{"_ansible_selinux_special_fs", []any{"fuse", "nfs", "vboxsf", "ramfs", "9p", "vfat"}},
		{"_ansible_string_conversion_action", "warn"}, {"_ansible_socket", nil},
		{"_ansible_shell_executable", "/bin/sh"}, {"_ansible_keep_remote_files", false},
		{"_ansible_tmpdir", tmpdirMark}, {"_ansible_remote_tmp", remoteTmp},
	} {
		if pipe && kv[0] == "_ansible_tmpdir" {
			kv[1] = nil
		}
		a.Set(kv[0].(string), kv[1])
	}
	return a
}

// job is what one round trip to the host does.
type job struct {
	name      string // the module's short name
	file      string // its name in the temporary directory
	data      []byte // its content
	argsFile  []byte // "" when the module carries its arguments
	command   string // how it runs: "$m" is its path, "$d/args" the args file
	pipe      bool   // data goes to command's stdin, with no temporary directory
	stub      []byte // piped data without the payload's zip (wrapper.go)
	hash      string // the payload's
	interp    *interpreter
	remoteTmp string
	// failed ends the task before the host is reached.
	failed *modules.Result
}

func (m *Module) prepare(ctx context.Context, env *modules.Env, style Style, data []byte, args *value.Map) (*job, error) {
	name := m.found.Name()
	j := &job{name: name, file: "AnsiballZ_" + filepath.Base(m.found.Path), data: data, remoteTmp: value.String(get(args, "_ansible_remote_tmp"))}
	switch style {
	case PowerShell:
		j.failed = modules.Failf("module %s is a PowerShell module: it needs a Windows host", m.found.FQCN)
		return j, nil
	case Binary:
		j.argsFile = jsonArgs(args)
		j.command = `"$m" "$d/args"`
		return j, nil
	case NewPython:
		j.file = "AnsiballZ_" + name + ".py"
	}
	interp, iargs, ok := Shebang(data)
	if !ok {
		if style != NewPython {
			j.failed = modules.Failf("module (%s) is missing interpreter line", m.found.FQCN)
			return j, nil
		}
		interp = "/usr/bin/python"
	}
	in, err := chooseInterpreter(ctx, env, interp)
	if err != nil {
		return nil, err
	}
	j.interp = in
	if in.Missing != nil {
		// ansible-core would run /usr/bin/python anyway and report a
		// MODULE FAILURE; the reason is known before the host is asked.
		j.failed = modules.Failf("%s is a Python module and host %s has no Python interpreter (looked for %s); "+
			"set ansible_python_interpreter to one on the host. fjord's native modules need none.",
			m.found.FQCN, env.Host, strings.Join(in.Missing, ", "))
		if len(in.Warnings) > 0 {
			ws := make([]any, len(in.Warnings))
			for i, w := range in.Warnings {
				ws[i] = w
			}
			j.failed.Data = value.MapOf("warnings", ws)
		}
		return j, nil
	}
	shebang := "#!" + in.Path
	if len(iargs) > 0 {
		shebang += " " + strings.Join(iargs, " ")
	}
	run := strings.TrimPrefix(shebang, "#!") + ` "$m"`
	switch style {
	case NewPython:
		p, err := buildPayload(m.payloadFQN(), data, searchPath{m.found.ModuleUtils, m.found.Collections})
		if err != nil {
			j.failed = modules.Failf("%v", err)
			return j, nil
		}
		a := jsonArgs(value.MapOf("ANSIBLE_MODULE_ARGS", args))
		j.data = wrapper(shebang, name, p, a, rlimitNofile(env), true)
		j.hash = p.Hash
		// the wrapper's argument is where it keeps the payload
		if get(args, "_ansible_tmpdir") == nil {
			j.pipe = true
			j.stub = wrapper(shebang, name, p, a, rlimitNofile(env), false)
			j.command = strings.TrimPrefix(shebang, "#!") + ` - "$b"`
			return j, nil
		}
		run += ` "$b"`
	case JSONArgs:
		j.data = replaceShebang(jsonArgsModule(data, args), in.Path != interp, shebang)
	case WantJSON:
		j.data = replaceShebang(data, in.Path != interp, shebang)
		j.argsFile = jsonArgs(args)
		run += ` "$d/args"`
	default:
		j.data = replaceShebang(data, in.Path != interp, shebang)
		j.argsFile = kvArgs(args)
		run += ` "$d/args"`
	}
	j.command = run
	return j, nil
}

func (m *Module) moduleName() string {
	if m.found.Written != "" {
		return m.found.Written
	}
	return m.found.Name()
}

// payloadFQN is the name the module runs under in its payload, as
// _get_ansible_module_fqn gives it (ansible.modules.NAME for a module
// outside a collection).
func (m *Module) payloadFQN() string {
	if m.found.Root != "" {
		p := strings.Split(m.found.FQCN, ".")
		return strings.Join(append([]string{"ansible_collections", p[0], p[1], "plugins", "modules"}, p[2:]...), ".")
	}
	return "ansible.modules." + m.found.Name()
}

// rlimitNofile is python_module_rlimit_nofile for the task.
func rlimitNofile(env *modules.Env) int {
	v, ok := envVar(env, "ansible_python_module_rlimit_nofile")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(value.String(v)))
	if err != nil {
		return 0
	}
	return n
}

func replaceShebang(data []byte, changed bool, shebang string) []byte {
	if !changed {
		return data
	}
	_, rest, _ := strings.Cut(string(data), "\n")
	return []byte(shebang + "\n" + rest)
}

func get(m *value.Map, k string) any {
	v, _ := m.Get(k)
	return v
}

var _ modules.Module = (*Module)(nil)
var _ modules.RawArgs = (*Module)(nil)
