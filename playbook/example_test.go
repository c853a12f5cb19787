package playbook_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/fjord-run/fjord/playbook"
)

// Load a playbook and walk its model: every node keeps its place.
func ExampleLoad() {
	dir, err := os.MkdirTemp("", "fjord-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	site := filepath.Join(dir, "site.yml")
	err = os.WriteFile(site, []byte(`- hosts: web
  tasks:
    - name: install nginx
      apt: name=nginx state=present
    - block:
        - copy: {dest: /etc/motd, content: "hi\n"}
      when: motd | default(true)
`), 0o644)
	if err != nil {
		panic(err)
	}
	pb, err := playbook.Load(site, playbook.Options{PlaybookDir: dir})
	if err != nil {
		panic(err)
	}
	for _, p := range pb.Plays {
		fmt.Println("play on", p.Hosts)
		var walk func(ns []playbook.Node, depth int)
		walk = func(ns []playbook.Node, depth int) {
			for _, n := range ns {
				switch n := n.(type) {
				case *playbook.Task:
					fmt.Printf("%*stask %q (%s) at line %d, args %v\n", depth*2, "", n.Label(), n.Action, n.Pos.Line, n.Args.SortedKeys())
				case *playbook.Block:
					fmt.Printf("%*sblock at line %d, when %d condition(s)\n", depth*2, "", n.Pos.Line, len(n.Kw.When))
					walk(n.Block, depth+1)
				}
			}
		}
		walk(p.Tasks, 1)
	}

	// A mistake is reported at its place, before any host is touched.
	_ = os.WriteFile(site, []byte("- hosts: web\n  tasks:\n    - file: {path: /x, state: nonsense}\n"), 0o644)
	_, err = playbook.Load(site, playbook.Options{PlaybookDir: dir})
	fmt.Println(err != nil, err.(*playbook.Error).Pos.Line)
	// Output:
	// play on web
	//   task "install nginx" (apt) at line 3, args [name state]
	//   block at line 5, when 1 condition(s)
	//     task "copy" (copy) at line 6, args [content dest]
	// true 3
}
