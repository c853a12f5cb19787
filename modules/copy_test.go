package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/connection"
)

func TestCopyContent(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out")
	env, cnt := testEnv(t, dir)
	env.Diff = true

	// Check mode predicts the change and writes nothing.
	env.Check = true
	r := run(t, env, "copy", "content", "abc\n", "dest", dst)
	if !r.Changed || r.Failed {
		t.Fatalf("check: %+v", r)
	}
	if _, err := os.Stat(dst); err == nil {
		t.Fatal("check mode wrote the file")
	}
	env.Check = false

	cnt.Reset()
	r = run(t, env, "copy", "content", "abc\n", "dest", dst)
	if !r.Changed || get(r, "checksum") != connection.Checksum([]byte("abc\n")) || get(r, "size") != 4 || get(r, "state") != "file" || get(r, "dest") != dst {
		t.Fatalf("first: %+v %v", r, r.Data)
	}
	if cnt.Count() != 2 {
		t.Errorf("changed copy cost %d round trips, want 2", cnt.Count())
	}
	if len(r.Diff) != 1 || r.Diff[0].Before != "" || r.Diff[0].After != "abc\n" || r.Diff[0].BeforeHeader != "" || r.Diff[0].AfterHeader != "dynamically generated" {
		t.Errorf("diff %+v", r.Diff)
	}
	if readFile(t, dst) != "abc\n" || modeOf(t, dst) != 0644 {
		t.Errorf("content %q mode %o", readFile(t, dst), modeOf(t, dst))
	}
	cnt.Reset()
	r = run(t, env, "copy", "content", "abc\n", "dest", dst)
	if r.Changed || cnt.Count() != 1 || get(r, "mode") != "0644" {
		t.Errorf("second: changed=%v trips=%d %v", r.Changed, cnt.Count(), r.Data)
	}

	// An existing file keeps its mode when none is given.
	os.Chmod(dst, 0600)
	r = run(t, env, "copy", "content", "new\n", "dest", dst, "backup", true)
	if !r.Changed || modeOf(t, dst) != 0600 || get(r, "mode") != "0600" {
		t.Errorf("mode retention: %v %o", r.Data, modeOf(t, dst))
	}
	bk, _ := get(r, "backup_file").(string)
	if bk == "" || readFile(t, bk) != "abc\n" {
		t.Errorf("backup %q", bk)
	}
	if r.Diff[0].BeforeHeader != dst || r.Diff[0].Before != "abc\n" {
		t.Errorf("diff %+v", r.Diff)
	}
	// Symbolic mode relative to the current one; attribute-only change.
	cnt.Reset()
	r = run(t, env, "copy", "content", "new\n", "dest", dst, "mode", "u+x")
	if !r.Changed || modeOf(t, dst) != 0700 || cnt.Count() != 2 {
		t.Errorf("u+x: %v %o trips=%d", r.Data, modeOf(t, dst), cnt.Count())
	}
	r = run(t, env, "copy", "content", "new\n", "dest", dst, "mode", 0700)
	if r.Changed {
		t.Errorf("int mode 0700 (448) changed")
	}
	r = run(t, env, "copy", "content", "new\n", "dest", dst, "mode", "0640")
	if !r.Changed || modeOf(t, dst) != 0640 {
		t.Errorf("octal mode %o", modeOf(t, dst))
	}
	// force=no leaves a differing file alone.
	r = run(t, env, "copy", "content", "other\n", "dest", dst, "force", "no")
	if r.Changed || readFile(t, dst) != "new\n" {
		t.Errorf("force=no: %+v", r)
	}
	// Errors.
	r = run(t, env, "copy", "content", "x", "dest", dir+"/sub/")
	if !r.Failed || r.Msg != "can not use content with a dir as dest" {
		t.Errorf("content to dir: %+v", r)
	}
	r = run(t, env, "copy", "content", "x", "dest", dir+"/nodir/f")
	if !r.Failed || r.Msg != "Destination directory "+dir+"/nodir does not exist" {
		t.Errorf("missing dir: %+v", r)
	}
	if _, err := tryRun(env, "copy", "content", "x"); err == nil || err.Error() != "missing required arguments: dest" {
		t.Errorf("missing dest: %v", err)
	}
}

func TestCopySrcAndValidate(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "files"), 0755)
	putFile(t, filepath.Join(dir, "files", "app.conf"), "good=1\n", 0640)
	env, _ := testEnv(t, dir)
	env.Diff = true
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0755)
	// A directory dest gets the source's basename.
	r := run(t, env, "copy", "src", "app.conf", "dest", out)
	want := filepath.Join(out, "app.conf")
	if !r.Changed || get(r, "dest") != want || readFile(t, want) != "good=1\n" {
		t.Fatalf("src: %+v %v", r, r.Data)
	}
	if r.Diff[0].AfterHeader != filepath.Join(dir, "files", "app.conf") {
		t.Errorf("after header %q", r.Diff[0].AfterHeader)
	}
	r = run(t, env, "copy", "src", "app.conf", "dest", out+"/", "mode", "preserve")
	if !r.Changed || modeOf(t, want) != 0640 {
		t.Errorf("preserve: %v %o", r.Data, modeOf(t, want))
	}
	// A failing validate leaves the destination untouched.
	r = run(t, env, "copy", "content", "bad\n", "dest", want, "validate", "grep -q good %s")
	if !r.Failed || r.Msg != "failed to validate" || get(r, "exit_status") != 1 || readFile(t, want) != "good=1\n" {
		t.Errorf("validate: %+v %v", r, r.Data)
	}
	r = run(t, env, "copy", "content", "good=2\n", "dest", want, "validate", "grep -q good %s")
	if !r.Changed || readFile(t, want) != "good=2\n" {
		t.Errorf("validate ok: %+v", r)
	}
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".fjord_tmp") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
	// remote_src copies a file already on the host.
	r = run(t, env, "copy", "src", want, "remote_src", true, "dest", filepath.Join(dir, "rcopy"))
	if !r.Changed || readFile(t, filepath.Join(dir, "rcopy")) != "good=2\n" {
		t.Errorf("remote_src: %+v", r)
	}
	r = run(t, env, "copy", "src", want, "remote_src", true, "dest", filepath.Join(dir, "rcopy"))
	if r.Changed {
		t.Errorf("remote_src second run changed")
	}
}

func TestTemplate(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "templates"), 0755)
	putFile(t, filepath.Join(dir, "templates", "t.j2"), "x={{ x }}\ny\n", 0644)
	env, cnt := testEnv(t, dir)
	env.Diff = true
	dst := filepath.Join(dir, "t.out")
	r := run(t, env, "template", "src", "t.j2", "dest", dst, "mode", "0600")
	if !r.Changed || readFile(t, dst) != "x=42\ny\n" || modeOf(t, dst) != 0600 {
		t.Fatalf("template: %+v %q", r, readFile(t, dst))
	}
	if r.Diff[0].After != "x=42\ny\n" || r.Diff[0].AfterHeader != filepath.Join(dir, "templates", "t.j2") {
		t.Errorf("diff %+v", r.Diff)
	}
	cnt.Reset()
	r = run(t, env, "template", "src", "t.j2", "dest", dst, "mode", "0600")
	if r.Changed || cnt.Count() != 1 {
		t.Errorf("second run changed=%v trips=%d", r.Changed, cnt.Count())
	}
	r = run(t, env, "template", "src", "t.j2", "dest", dst, "newline_sequence", `\r\n`)
	if !r.Changed || readFile(t, dst) != "x=42\r\ny\r\n" || modeOf(t, dst) != 0600 {
		t.Errorf("newline_sequence: %q", readFile(t, dst))
	}
	var got TemplateOptions
	env.RenderTemplate = func(src string, o TemplateOptions) (string, error) {
		got = o
		return "rendered\n", nil
	}
	run(t, env, "template", "src", "t.j2", "dest", dst, "trim_blocks", false, "lstrip_blocks", true, "variable_start_string", "[[")
	if got.TrimBlocks || !got.LstripBlocks || got.VariableStart != "[[" || got.Extra["template_path"] != "t.j2" || readFile(t, dst) != "rendered\n" {
		t.Errorf("options %+v", got)
	}
	r = run(t, env, "template", "src", "missing.j2", "dest", dst)
	if !r.Failed {
		t.Errorf("missing template did not fail")
	}
}
