// Package runner runs playbooks: it loads them whole before touching any
// host, then executes them play by play against an inventory, and reports
// through a callback.
//
//	code := runner.Run(ctx, &runner.Options{Playbooks: ..., Inventory: ...})
//
// Run returns ansible-playbook 2.14's exit code. Options carry everything
// that configures a run, resolved by the CLI from flags, ansible.cfg and
// ANSIBLE_* variables: the engine reads no environment variable itself.
//
// The model and its loader are package playbook; runner executes it:
// run.go and executor.go (plays, batches, forks), task.go (one task over
// the hosts), loop.go (loops, retries, changed_when/failed_when),
// execute.go (arguments templated, the module run), actions.go (engine
// actions: debug, set_fact, assert, ...), handlers.go, include.go
// (dynamic includes, loaded through the play's playbook.Loader),
// varsfiles.go, facts.go, scope.go and vars.go (variable precedence,
// lazily templated), conditions.go, timeout.go, results.go, exit.go.
//
// What a module returns is marked unsafe before it is registered (see
// value.MarkUnsafe): values from hosts are never templated again.
package runner
