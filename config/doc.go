// Package config reads ansible.cfg the way ansible-core does: the same
// search order, the same INI dialect (Python's configparser with ';'
// inline comments and no interpolation), the same setting names,
// ANSIBLE_* environment overrides and value types, so that a repository's
// existing ansible.cfg means the same thing to fjord.
package config
