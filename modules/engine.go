package modules

// Engine actions are what a task can name that the engine runs itself, on
// the controller, with the play's state: debug, set_fact, include_tasks,
// add_host... They are registered here beside the modules so that a name
// resolves one way (FQCN, short name, ansible.legacy.X), and their
// arguments are checked at load and documented the same way; Info.Engine
// marks them and Info.Args gives their arguments, and the engine
// (runner/actions.go) runs them.

// DebugArgs are debug's arguments.
type DebugArgs struct {
	// Msg is the message to print (any value, shown as is).
	Msg any `arg:"msg"`
	// Var is a variable name (or expression) whose value is printed.
	Var any `arg:"var"`
	// Verbosity is the -v level from which the task prints; below it the
	// task is skipped.
	Verbosity int `arg:"verbosity"`
}

// AssertArgs are assert's arguments.
type AssertArgs struct {
	// That is the list of conditions that must all hold.
	That any `arg:"that,required"`
	// FailMsg is the message of the failure when a condition is false.
	FailMsg any `arg:"fail_msg,aliases=msg"`
	// SuccessMsg is the message when every condition holds.
	SuccessMsg any `arg:"success_msg"`
	// Quiet leaves the conditions out of the result.
	Quiet bool `arg:"quiet"`
}

// FailArgs are fail's arguments.
type FailArgs struct {
	// Msg is the failure's message.
	Msg any `arg:"msg"`
}

// MetaArgs are meta's arguments: the action, free-form.
type MetaArgs struct {
	// Action is what meta does to the run.
	Action string `arg:"_raw_params,required,choices=flush_handlers|end_play|end_host|end_batch|noop|clear_host_errors|clear_facts|refresh_inventory|reset_connection|role_complete"`
}

// PauseArgs are pause's arguments.
type PauseArgs struct {
	// Seconds to pause.
	Seconds any `arg:"seconds"`
	// Minutes to pause.
	Minutes any `arg:"minutes"`
	// Prompt is the text shown while waiting for input.
	Prompt any `arg:"prompt"`
	// Echo shows what is typed at the prompt.
	Echo bool `arg:"echo,default=true"`
}

// IncludeVarsArgs are include_vars' arguments.
type IncludeVarsArgs struct {
	// File is the vars file to load (also free-form).
	File string `arg:"file,aliases=_raw_params"`
	// Dir is a directory whose vars files are loaded, sorted.
	Dir string `arg:"dir"`
	// Name puts the loaded variables under this one variable.
	Name string `arg:"name"`
	// Depth limits the recursion into Dir (0: no limit).
	Depth int `arg:"depth"`
	// FilesMatching loads only the files of Dir matching this regexp.
	FilesMatching string `arg:"files_matching"`
	// IgnoreFiles are file names of Dir not to load.
	IgnoreFiles []string `arg:"ignore_files"`
	// Extensions are the file extensions loaded from Dir.
	Extensions []string `arg:"extensions"`
	// IgnoreUnknownExtensions skips Dir's files with other extensions
	// instead of failing.
	IgnoreUnknownExtensions bool `arg:"ignore_unknown_extensions"`
	// HashBehaviour is replace or merge, for variables already set.
	HashBehaviour string `arg:"hash_behaviour"`
}

// IncludeTasksArgs are include_tasks' and import_tasks' arguments.
type IncludeTasksArgs struct {
	// File is the tasks file (also free-form).
	File string `arg:"file,aliases=_raw_params"`
	// Apply are keywords given to the included tasks (include_tasks only).
	Apply any `arg:"apply"`
}

// IncludeRoleArgs are include_role's and import_role's arguments.
type IncludeRoleArgs struct {
	// Name is the role.
	Name string `arg:"name,required"`
	// TasksFrom is the file of the role's tasks/ to run instead of main.
	TasksFrom string `arg:"tasks_from"`
	// VarsFrom is the file of the role's vars/ to load instead of main.
	VarsFrom string `arg:"vars_from"`
	// DefaultsFrom is the file of the role's defaults/ to load instead of
	// main.
	DefaultsFrom string `arg:"defaults_from"`
	// HandlersFrom is the file of the role's handlers/ to load instead of
	// main.
	HandlersFrom string `arg:"handlers_from"`
	// Apply are keywords given to the role's tasks (include_role only).
	Apply any `arg:"apply"`
	// Public makes the role's vars and defaults visible to the rest of the
	// play.
	Public any `arg:"public"`
	// AllowDuplicates runs the role again when it ran with the same
	// parameters.
	AllowDuplicates any `arg:"allow_duplicates"`
	// RolespecValidate checks the role's arguments against its
	// meta/argument_specs.yml.
	RolespecValidate any `arg:"rolespec_validate"`
}

// GroupByArgs are group_by's arguments.
type GroupByArgs struct {
	// Key is the group the host joins.
	Key string `arg:"key,required"`
	// Parents are the groups the new group is made a child of.
	Parents []string `arg:"parents"`
}

// SetStatsArgs are set_stats' arguments.
type SetStatsArgs struct {
	// Data are the custom stats to set.
	Data any `arg:"data,required"`
	// PerHost keeps the stats per host instead of for the run.
	PerHost bool `arg:"per_host"`
	// Aggregate adds to the stats already set instead of replacing them.
	Aggregate bool `arg:"aggregate,default=true"`
}

// SetupArgs are setup's and gather_facts' arguments.
type SetupArgs struct {
	// GatherSubset restricts the facts gathered (all, min, network...).
	GatherSubset []string `arg:"gather_subset"`
	// Filter keeps only the facts whose names match these patterns.
	Filter []string `arg:"filter"`
	// GatherTimeout is the time a fact collector may take, in seconds.
	GatherTimeout int `arg:"gather_timeout"`
	// FactPath is the directory of local facts (*.fact files).
	FactPath string `arg:"fact_path"`
	// Parallel gathers with several collectors at once (gather_facts).
	Parallel any `arg:"parallel"`
}

// WaitForConnectionArgs are wait_for_connection's arguments.
type WaitForConnectionArgs struct {
	// ConnectTimeout is the time one connection attempt may take, in
	// seconds.
	ConnectTimeout int `arg:"connect_timeout,default=5"`
	// Delay is the time to wait before the first attempt, in seconds.
	Delay int `arg:"delay"`
	// Sleep is the time between attempts, in seconds.
	Sleep int `arg:"sleep,default=1"`
	// Timeout is the time to wait in all, in seconds.
	Timeout int `arg:"timeout,default=600"`
}

// ValidateArgumentSpecArgs are validate_argument_spec's arguments.
type ValidateArgumentSpecArgs struct {
	// ArgumentSpec is the spec, as a role's meta/argument_specs.yml entry
	// point's options.
	ArgumentSpec any `arg:"argument_spec,required"`
	// ProvidedArguments are the values checked against it.
	ProvidedArguments any `arg:"provided_arguments"`
}

// AnyArgs are the arguments of set_fact and add_host: any names (the
// facts to set; the host's name, groups and variables).
type AnyArgs struct{}

func init() {
	engine := func(name string, args func() any, checkMode bool, opts ...func(*Info)) {
		in := Info{ID: "ansible.builtin." + name, Aliases: []string{name}, Args: args, Engine: true, CheckMode: checkMode, InvalidOptions: true}
		for _, o := range opts {
			o(&in)
		}
		Register(in)
	}
	raw := func(in *Info) { in.Raw = true }
	// pause checks its arguments with an argument spec, as modules do
	argSpec := func(in *Info) { in.InvalidOptions = false }
	freeForm := func(in *Info) { in.FreeForm = "_raw_params" }
	engine("debug", func() any { return &DebugArgs{} }, true)
	engine("assert", func() any { return &AssertArgs{} }, true)
	engine("fail", func() any { return &FailArgs{} }, true)
	engine("meta", func() any { return &MetaArgs{} }, true, freeForm)
	engine("pause", func() any { return &PauseArgs{} }, true, argSpec)
	engine("set_fact", func() any { return &AnyArgs{} }, true, raw)
	engine("add_host", func() any { return &AnyArgs{} }, true, raw)
	engine("group_by", func() any { return &GroupByArgs{} }, true)
	engine("set_stats", func() any { return &SetStatsArgs{} }, true)
	engine("include_vars", func() any { return &IncludeVarsArgs{} }, true, freeForm)
	engine("include_tasks", func() any { return &IncludeTasksArgs{} }, true, freeForm)
	engine("import_tasks", func() any { return &IncludeTasksArgs{} }, true, freeForm)
	engine("include_role", func() any { return &IncludeRoleArgs{} }, true)
	engine("import_role", func() any { return &IncludeRoleArgs{} }, true)
	engine("import_playbook", func() any { return &AnyArgs{} }, true, raw)
	engine("setup", func() any { return &SetupArgs{} }, true)
	engine("gather_facts", func() any { return &SetupArgs{} }, true)
	engine("wait_for_connection", func() any { return &WaitForConnectionArgs{} }, true)
	engine("validate_argument_spec", func() any { return &ValidateArgumentSpecArgs{} }, true)
	// removed from ansible-core; named so the loader can say so
	engine("include", func() any { return &AnyArgs{} }, true, raw)
}
