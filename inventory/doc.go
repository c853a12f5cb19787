// Package inventory loads Ansible inventories (INI, YAML/JSON, executable
// scripts, directories of those, and "h1,h2," host lists), resolves host
// patterns and --limit, merges inventory-level variables (group_vars/ and
// host_vars/ beside the inventory and the playbook), and prints what
// ansible-inventory prints for --list, --host and --graph.
//
// The behaviour follows ansible-core 2.14, including its quirks, because
// users' inventories were written against it: INI values are read the way
// Python's ast.literal_eval reads them, a source no plugin can parse is a
// warning rather than an error, and pattern results come out in the order
// Ansible evaluates them.
package inventory
