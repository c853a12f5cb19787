package playbook

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/fjord-run/fjord/internal/testfiles"
)

func TestRoleVarsFiles(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		entry string
		main  bool
		want  []string
	}{
		{"main file", map[string]string{"main.yml": "a: 1\n"}, "main", true, []string{"main.yml"}},
		{"main file before main dir", map[string]string{"main.yml": "a: 1\n", "main/x.yml": "b: 2\n"}, "main", true, []string{"main.yml"}},
		{"main dir sorted and recursive", map[string]string{"main/01.yml": "", "main/00.yml": "a: 1\n", "main/sub/02.json": "{}",
			"main/.hidden.yml": "", "main/old.yml~": "", "main/notes.txt": ""}, "main", true,
			[]string{"main/00.yml", "main/01.yml", "main/sub/02.json"}},
		{"from name as given", map[string]string{"other.yml": "a: 1\n"}, "other.yml", false, []string{"other.yml"}},
		{"from name with an extension added", map[string]string{"other.yaml": "a: 1\n"}, "other", false, []string{"other.yaml"}},
		{"nothing", map[string]string{"x.yml": ""}, "main", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testfiles.Write(t, tt.files)
			var got []string
			for _, p := range roleVarsFiles(dir, tt.entry, tt.main) {
				rel, _ := filepath.Rel(dir, p)
				got = append(got, rel)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoadRoleVarsMerges(t *testing.T) {
	dir := testfiles.Write(t, map[string]string{"main/00.yml": "a: 1\nb: 1\n", "main/01.yml": "", "main/02.yml": "b: 2\n"})
	m, ok, err := NewLoader(Options{}, nil).loadRoleVars(dir, "main", true)
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	a, _ := m.Get("a")
	b, _ := m.Get("b")
	if a != 1 || b != 2 {
		t.Errorf("a=%v b=%v, want 1 2", a, b)
	}
}
