package runner

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/fjord-run/fjord/playbook"
)

func TestParentRoleNames(t *testing.T) {
	outer := &playbook.RoleInstance{Role: &playbook.Role{Name: "outer", Path: "/r/outer"}}
	dep := &playbook.RoleInstance{Role: &playbook.Role{Name: "dep", Path: "/r/dep"}, Parent: outer}
	inc := &playbook.RoleInstance{Role: &playbook.Role{Name: "inc", Path: "/r/inc"}, Parent: outer, Included: true}
	incDep := &playbook.RoleInstance{Role: &playbook.Role{Name: "d2", Path: "/r/d2"}, Parent: inc}
	nested := &playbook.RoleInstance{Role: &playbook.Role{Name: "n", Path: "/r/n"}, Parent: inc, Included: true}
	top := &playbook.RoleInstance{Role: &playbook.Role{Name: "top", Path: "/r/top"}, Included: true}
	tests := []struct {
		name string
		ri   *playbook.RoleInstance
		want []any
	}{
		{"roles: entry", outer, nil},
		{"dependency", dep, nil},
		{"included by a role", inc, []any{"outer"}},
		{"dependency of an included role", incDep, []any{"outer"}},
		{"included twice over", nested, []any{"inc", "outer"}},
		{"included from play tasks", top, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names, paths := parentRoleNames(tt.ri)
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("names %v, want %v", names, tt.want)
			}
			if len(paths) != len(names) {
				t.Errorf("paths %v do not match names %v", paths, names)
			}
		})
	}
}

func TestSearchPath(t *testing.T) {
	outer := &playbook.RoleInstance{Role: &playbook.Role{Name: "outer", Path: "/p/roles/outer"}}
	inc := &playbook.RoleInstance{Role: &playbook.Role{Name: "inc", Path: "/p/roles/inc"}, Parent: outer, Included: true}
	task := &playbook.Task{Pos: playbook.Pos{File: "/p/roles/inc/tasks/main.yml"}, Role: inc}
	got := searchPath(task, "/p")
	want := []any{"/p/roles/inc", "/p/roles/outer", filepath.Clean("/p/roles/inc/tasks"), "/p"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
