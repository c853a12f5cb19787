package runner

import (
	"errors"

	"github.com/fjord-run/fjord/inventory"
)

// warn prints a warning on stderr, whatever the stdout callback, as
// Ansible's display.warning does; a text already printed is not repeated.
// deprecated prints a deprecation warning, as ansible's Display.deprecated.
func (r *run) deprecated(msg, version string) {
	if err := r.warner.Deprecated(msg, version); err != nil {
		r.log.Warn("writing a warning", "err", err)
	}
}

func (r *run) warn(msg string) {
	if err := r.warner.Warn(msg); err != nil {
		r.log.Warn("writing a warning", "err", err)
	}
}

// inventoryWarnings prints what loading the inventory warned about,
// with the reason and position of each plugin's failure to parse a
// source, as ansible-playbook prints them.
func (r *run) inventoryWarnings(warnings []error) {
	for _, m := range inventory.WarningMessages(warnings) {
		r.warn(m)
	}
}

// localhostNames are ansible's names of the implicit localhost.
var localhostNames = map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}

// errNoHosts is ansible-playbook's error when --limit leaves nothing.
var errNoHosts = errors.New("Specified inventory, host pattern and/or --limit leaves us with no hosts to target.")

// targetHosts applies --limit the way ansible-playbook does before it
// loads any playbook (CLI.get_host_list): an inventory without hosts is
// warned about, and a limit that leaves no host of an inventory that has
// some stops the run. An inventory without hosts goes on, for the
// implicit localhost.
func (r *run) targetHosts(inv *inventory.Inventory) error {
	// "all", not every host: a source that failed half way leaves hosts
	// that no group reaches from "all", and Ansible counts those out.
	all, err := inv.Select("all")
	if err != nil {
		return err
	}
	empty := len(all) == 0
	// the ad hoc command does not warn when it was asked for localhost
	adhocLocal := r.o.Adhoc != nil && localhostNames[r.o.Adhoc.Pattern]
	if empty && !r.o.NoLocalhostWarning && !adhocLocal {
		r.warn("provided hosts list is empty, only localhost is available. Note that the implicit localhost does not match 'all'")
	}
	if r.o.Limit == "" {
		return nil
	}
	if err := inv.Limit(r.o.Limit); err != nil {
		return err
	}
	hosts, err := inv.Select("all")
	if err != nil {
		return err
	}
	if len(hosts) == 0 && !empty {
		return errNoHosts
	}
	return nil
}
