// Package modules holds fjord's built-in modules. Module logic runs on the
// controller and reaches a host only through connection.Conn; no Python
// runs on the host.
//
// A module is registered from init() under its canonical ID
// (ansible.builtin.copy) with short aliases (copy, ansible.legacy.copy).
// Its arguments are a struct with `arg` tags and one doc comment per
// field (docs/modules.md is generated from them: go generate).
//
// # Lifecycle
//
// A task's module goes through these steps, each optional but the first:
//
//  1. New: Info.New returns a zero instance.
//  2. Decode: arguments are matched to fields by name or alias,
//     converted with Ansible's type coercion, checked against choices
//     and required, and defaults are filled (CheckArgs checks the names
//     alone).
//  3. Validate (Validator): combinations of arguments are checked.
//  4. Provision (Provisioner): what the arguments imply is prepared
//     (regexps compiled), without reaching a host.
//  5. Execute: Run, or for a Planner, Plan then Apply.
//
// Decode performs steps 1-4: the engine calls it with a task's templated
// arguments on each host. Check performs the same steps at load time for a
// task whose arguments hold no template, so a bad argument stops the run
// before any host is touched, in the words the run would use.
//
// # Read, plan, apply
//
// A module that edits state implements Planner: Plan reads the host and
// says what would change (changed, diffs, return values), changing
// nothing; Apply makes the change. Execute owns check and diff mode for
// them: under check mode the planned result is returned and Apply is not
// called; Apply is called only when the plan changes something; diffs
// are kept only in diff mode.
package modules

//go:generate go run ../internal/moddoc/gen -root .. -o ../docs/modules.md -comments ../internal/moddoc/comments_gen.go
