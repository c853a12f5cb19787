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
// The package still holds two halves that the architecture step (issue
// 14, move 1) separates into a playbook package:
//
//   - the model and its loader: model.go (plays, blocks, tasks, keywords),
//     load*.go (YAML to model, with positions), roles.go, varsfiles.go,
//     kv.go (k=v arguments), conditions.go (conditions checked at load);
//   - the engine: run.go and executor.go (plays, batches, forks), task.go
//     (one task over the hosts), loop.go (loops, retries,
//     changed_when/failed_when), execute.go (arguments templated, the
//     module run), actions.go (engine actions: debug, set_fact, assert,
//     ...), handlers.go, include.go, facts.go, scope.go and vars.go
//     (variable precedence, lazily templated), timeout.go, results.go.
//
// What a module returns is marked unsafe before it is registered (see
// value.MarkUnsafe): values from hosts are never templated again.
package runner
