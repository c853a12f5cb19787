package runner

import (
	"testing"

	"github.com/fjord-run/fjord/playbook"
)

func TestNotifiedBy(t *testing.T) {
	role := &playbook.RoleInstance{Role: &playbook.Role{Name: "r", Collection: "ns.c"}}
	first := &playbook.Task{Name: "dup"}
	second := &playbook.Task{Name: "dup"}
	roleDup := &playbook.Task{Name: "dup", Role: role}
	listener1 := &playbook.Task{Name: "l1", Listen: []string{"topic"}}
	listener2 := &playbook.Task{Listen: []string{"topic"}, Role: role}
	groups := [][]*playbook.Task{{roleDup, listener2}, {first, second, listener1}}
	tests := []struct {
		name string
		want []*playbook.Task
	}{
		{"dup", []*playbook.Task{first}},            // first in the last block that has it
		{"r : dup", []*playbook.Task{roleDup}},      // a role's by role : name
		{"ns.c.r : dup", []*playbook.Task{roleDup}}, // and by its full name
		{"topic", []*playbook.Task{listener2, listener1}},
		{"l1", []*playbook.Task{listener1}},
		{"nothing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := notifiedBy(groups, tt.name, nil)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d handlers, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("handler %d: got %p, want %p", i, got[i], tt.want[i])
				}
			}
		})
	}
}
