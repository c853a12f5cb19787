// Package playbook is fjord's model of a playbook and its loader, apart
// from the engine that runs it, as text/template keeps parse apart from
// exec.
//
//	pb, err := playbook.Load("site.yml", playbook.Options{PlaybookDir: "."})
//
// Load reads a playbook whole before any host is touched: plays, blocks,
// tasks and handlers with their keywords, import_playbook, import_tasks
// and import_role expanded, roles resolved (the playbook's roles/, the
// roles path, collections) with their defaults, vars, meta dependencies
// and argument specs, vars files opened through ansible-vault, k=v
// arguments split. Every node keeps its place (Pos), and every error is an
// *Error naming file:line:col, and the task where there is one.
//
// The files:
//   - model.go: Playbook, Play, Block, Task, Keywords, Role, RoleInstance;
//   - load.go, load_play.go, load_task.go, load_action.go: YAML to model;
//   - roles.go: roles found, loaded once, instantiated per use;
//   - load_include.go: what include_tasks and include_role load at run
//     time, through the same Loader;
//   - cond.go: conditions carried with the place of their keyword (Unplace),
//     checked at load;
//   - errors.go: Pos and Error, the positioned error every package shares.
package playbook
