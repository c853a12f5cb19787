package callback

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestOneline checks the oneline callback's forms against what ansible
// 2.14's ansible -o prints for them.
func TestOneline(t *testing.T) {
	var out bytes.Buffer
	r := newRec(t, NewOneline(&out, Options{}))
	r.start(Task{Action: "command"})
	r.hr(&HostResult{Host: "h1", Status: Changed, Result: res(t, `{"changed": true, "rc": 0, "stdout": "a\nb", "stderr": ""}`)})
	r.hr(&HostResult{Host: "h2", Status: Failed, Result: res(t, `{"changed": true, "rc": 3, "stdout": "", "stderr": "e", "msg": "non-zero return code", "failed": true}`)})
	r.start(Task{Action: "ping"})
	r.ok("h1", `{"changed": false, "ping": "pong"}`)
	r.hr(&HostResult{Host: "down", Status: Unreachable, Result: res(t, `{"changed": false, "msg": "refused", "unreachable": true}`)})
	r.start(Task{Action: "debug"})
	r.ok("h1", `{"changed": false, "msg": "hi", "_ansible_verbose_always": true}`)
	r.finish()
	want := `h1 | CHANGED | rc=0 | (stdout) a\nb
h2 | FAILED! => {"changed": true,"msg": "non-zero return code","rc": 3,"stderr": "e","stdout": ""}
h1 | SUCCESS => {"changed": false,"ping": "pong"}
down | UNREACHABLE!: refused
h1 | SUCCESS => {    "changed": false,    "msg": "hi"}
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// TestTree checks that -t writes each host's result, as one line of
// JSON, beside what the stdout callback prints.
func TestTree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tree")
	var out bytes.Buffer
	r := newRec(t, WithTree(NewMinimal(&out), dir, Options{}))
	r.start(Task{Action: "ping"})
	r.ok("h1", `{"changed": false, "ping": "pong", "invocation": {"module_args": {}}}`)
	r.finish()
	got, err := os.ReadFile(filepath.Join(dir, "h1"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"changed": false, "ping": "pong"}`; string(got) != want {
		t.Errorf("tree file %q, want %q", got, want)
	}
	if out.Len() == 0 {
		t.Error("the stdout callback printed nothing")
	}
}
