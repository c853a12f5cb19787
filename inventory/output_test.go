package inventory

import (
	"strings"
	"testing"

	"github.com/fjord-run/fjord/value"
)

func TestGraph(t *testing.T) {
	inv := loadString(t, "hosts", "solo\n[web]\nw1\n[prod:children]\nweb\n[db]\nd1\n")
	want := `@all:
  |--@ungrouped:
  |  |--solo
  |--@prod:
  |  |--@web:
  |  |  |--w1
  |--@db:
  |  |--d1`
	if got := Graph(inv, "all"); got != want {
		t.Errorf("Graph =\n%s\nwant\n%s", got, want)
	}
	if got := Graph(inv, "prod"); got != "@prod:\n  |--@web:\n  |  |--w1" {
		t.Errorf("Graph(prod) =\n%s", got)
	}
	if Graph(inv, "nosuch") != "" {
		t.Error("Graph of a missing group is not empty")
	}
}

func TestListJSON(t *testing.T) {
	inv := loadString(t, "hosts", "[web]\nw1 a=1 f=2.0 s=\"x<y\" u=\"é\"\nw2\n")
	got, err := ListJSON(inv, "")
	if err != nil {
		t.Fatal(err)
	}
	want := `{
    "_meta": {
        "hostvars": {
            "w1": {
                "a": 1,
                "f": 2.0,
                "s": "x<y",
                "u": "é"
            }
        }
    },
    "all": {
        "children": [
            "ungrouped",
            "web"
        ]
    },
    "web": {
        "hosts": [
            "w1",
            "w2"
        ]
    }
}`
	if string(got) != want {
		t.Errorf("ListJSON =\n%s\nwant\n%s", got, want)
	}
	hj, err := HostJSON(inv, "w2", "")
	if err != nil || string(hj) != "{}" {
		t.Errorf("HostJSON(w2) = %s, %v", hj, err)
	}
	if _, err := HostJSON(inv, "web", ""); err == nil {
		t.Error("HostJSON of a group: no error")
	}
}

func TestPyJSONScalars(t *testing.T) {
	tests := map[string]any{
		`1e-05`:     1e-5,
		`1e+16`:     1e16,
		`0.1`:       0.1,
		`123456.0`:  123456.0,
		`"a\"\\\n"`: "a\"\\\n",
		`"\u0001"`:  "\x01",
		`null`:      nil,
		`[]`:        []any{},
		`{}`:        value.NewMap(0),
		`"\t<&>"`:   "\t<&>",
	}
	for want, v := range tests {
		if got := string(PyJSON(v)); got != want {
			t.Errorf("PyJSON(%#v) = %s, want %s", v, got, want)
		}
	}
	if !strings.Contains(string(PyJSON(value.MapOf("b", 1, "a", 2))), "\"a\": 2,\n    \"b\": 1") {
		t.Error("keys not sorted")
	}
}
