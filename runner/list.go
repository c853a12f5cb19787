package runner

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/playbook"
)

// list answers --list-hosts, --list-tasks and --list-tags.
func (r *run) list(books []*playbook.Playbook) (int, error) {
	w := r.o.Stdout
	for _, pb := range books {
		fmt.Fprintf(w, "\nplaybook: %s\n", r.o.Playbooks[0])
		for i, p := range pb.Plays {
			name := p.Name
			if name == "" {
				name = p.Hosts
			}
			hosts, err := r.inv.Select(p.Hosts)
			if err != nil {
				return ExitError, err
			}
			fmt.Fprintf(w, "\n  play #%d (%s): %s\tTAGS: [%s]\n", i+1, p.Hosts, name, strings.Join(p.Kw.Tags, ","))
			if r.o.ListHosts {
				fmt.Fprintf(w, "    pattern: ['%s']\n    hosts (%d):\n", p.Hosts, len(hosts))
				for _, h := range hosts {
					fmt.Fprintf(w, "      %s\n", h.Name)
				}
			}
			if r.o.ListTasks || r.o.ListTags {
				var tags []string
				seen := map[string]bool{}
				if r.o.ListTasks {
					fmt.Fprintf(w, "    tasks:\n")
				}
				var walk func(nodes []playbook.Node)
				walk = func(nodes []playbook.Node) {
					for _, n := range nodes {
						switch n := n.(type) {
						case *playbook.Block:
							walk(n.Block)
							walk(n.Rescue)
							walk(n.Always)
						case *playbook.Task:
							et := effectiveTags(n, p)
							if !r.tagsMatch(et) {
								continue
							}
							for _, t := range et {
								if !seen[t] {
									seen[t] = true
									tags = append(tags, t)
								}
							}
							if r.o.ListTasks {
								name := n.Name
								if name == "" {
									name = n.Action
								}
								if n.Role != nil {
									name = n.Role.Role.FQName() + " : " + name
								}
								own := slices.Clone(et)
								sort.Strings(own)
								own = slices.Compact(own)
								fmt.Fprintf(w, "      %s\tTAGS: [%s]\n", name, strings.Join(own, ", "))
							}
						}
					}
				}
				walk(p.PreTasks)
				walk(p.Tasks)
				walk(p.PostTasks)
				if r.o.ListTags {
					sort.Strings(tags)
					fmt.Fprintf(w, "      TASK TAGS: [%s]\n", strings.Join(tags, ", "))
				}
			}
		}
	}
	return ExitOK, nil
}
