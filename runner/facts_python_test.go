package runner

import (
	"testing"

	"github.com/fjord-run/fjord/value"
)

func TestPythonFacts(t *testing.T) {
	f := value.NewMap(2)
	pythonFacts(map[string]string{
		"py.executable": "/usr/bin/python3", "py.version_info": "3 11 2 final 0",
		"py.type": "cpython", "py.has_sslcontext": "1", "py.python_version": "3.11.2",
	}, f)
	py, _ := f.Get("python")
	got := value.Repr(py)
	want := "{'version': {'major': 3, 'minor': 11, 'micro': 2, 'releaselevel': 'final', 'serial': 0}, " +
		"'version_info': [3, 11, 2, 'final', 0], 'executable': '/usr/bin/python3', 'has_sslcontext': True, 'type': 'cpython'}"
	if got != want {
		t.Errorf("python = %s\nwant %s", got, want)
	}
	if v, _ := f.Get("python_version"); v != "3.11.2" {
		t.Errorf("python_version = %v", v)
	}
	none := value.NewMap(0)
	pythonFacts(map[string]string{}, none) // a host without Python
	if none.Len() != 0 {
		t.Errorf("facts without python: %s", value.Repr(none))
	}
}
