// Command fjord runs Ansible playbooks natively.
//
//	fjord playbook [flags] PLAYBOOK...   (as ansible-playbook)
//	fjord inventory -i SRC --list        (as ansible-inventory)
//	fjord doc [-l] [-j] MODULE...        (as ansible-doc)
//
// Invoked under the name ansible-playbook, ansible-inventory or ansible-doc (a symlink),
// the binary behaves as the matching subcommand and takes that tool's flags
// unchanged, so existing scripts and CI jobs keep working.
//
// Each command file only declares its flags on an options struct and calls
// runX(ctx, env, opts, args); the work is done by runner and inventory.
package main
