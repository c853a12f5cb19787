package modules

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/value"
)

func TestCheckArgs(t *testing.T) {
	info, _ := Lookup("ansible.legacy.copy")
	err := CheckArgs(info, []string{"foo", "content", "dest"})
	want := "Unsupported parameters for (ansible.legacy.copy) module: foo. Supported parameters include: " +
		"_original_basename, attributes, backup, checksum, content, decrypt, dest, directory_mode, follow, force, group, " +
		"local_follow, mode, owner, remote_src, selevel, serole, setype, seuser, src, unsafe_writes, validate (attr)."
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if err := CheckArgs(info, []string{"content"}); err == nil || err.Error() != "missing required arguments: dest" {
		t.Errorf("required: %v", err)
	}
	if err := CheckArgs(info, []string{"content", "dest", "attr"}); err != nil {
		t.Errorf("alias: %v", err)
	}
	// copy's action plugin runs it as ansible.legacy.copy, whatever the
	// task wrote; a module without one is named as written
	if err := CheckArgsAs(info, "ansible.builtin.copy", []string{"x", "dest"}); err == nil || !strings.HasPrefix(err.Error(), "Unsupported parameters for (ansible.legacy.copy) module: x.") {
		t.Errorf("named: %v", err)
	}
	li, _ := Lookup("lineinfile")
	for _, used := range []string{"lineinfile", "ansible.builtin.lineinfile"} {
		if err := CheckArgsAs(li, used, []string{"x", "path"}); err == nil || !strings.HasPrefix(err.Error(), "Unsupported parameters for ("+used+") module: x.") {
			t.Errorf("named %s: %v", used, err)
		}
	}
}

type coerceArgs struct {
	S   string     `arg:"s"`
	B   bool       `arg:"b"`
	I   int        `arg:"i"`
	L   []string   `arg:"l"`
	P   *string    `arg:"p"`
	D   *value.Map `arg:"d"`
	R   any        `arg:"r"`
	C   string     `arg:"c,choices=x|y,default=x"`
	A   string     `arg:"a,aliases=alias"`
	Req string     `arg:"req,required"`
}

func (c *coerceArgs) Run(ctx context.Context, env *Env) (*Result, error) { return nil, nil }

func TestDecode(t *testing.T) {
	info := &Info{ID: "test.coerce", New: func() Module { return &coerceArgs{} }}
	m, err := Decode(info, value.MapOf("s", 5, "b", "yes", "i", "12", "l", "a,b", "d", "k=v", "r", []any{1}, "alias", "z", "req", 1.5))
	if err != nil {
		t.Fatal(err)
	}
	c := m.(*coerceArgs)
	if c.S != "5" || !c.B || c.I != 12 || !reflect.DeepEqual(c.L, []string{"a", "b"}) || c.P != nil || c.C != "x" || c.A != "z" || c.Req != "1.5" {
		t.Errorf("decoded %+v", c)
	}
	if v, _ := c.D.Get("k"); v != "v" {
		t.Errorf("dict %v", c.D)
	}
	m, _ = Decode(info, value.MapOf("l", 3, "p", "", "b", 0, "req", true))
	c = m.(*coerceArgs)
	if !reflect.DeepEqual(c.L, []string{"3"}) || c.P == nil || c.B || c.Req != "True" {
		t.Errorf("decoded %+v", c)
	}
	for _, tc := range []struct {
		args *value.Map
		want string
	}{
		{value.MapOf("req", "x", "b", "maybe"), "argument 'b' is of type <class 'str'> and we were unable to convert to bool: The value 'maybe' is not a valid boolean.  Valid booleans include: '0', 1, 0, 'y', 'on', 't', 'n', '1', 'f', 'false', 'true', 'off', 'no', 'yes'"},
		{value.MapOf("req", "x", "i", "ten"), "argument 'i' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int"},
		{value.MapOf("req", "x", "c", "q"), "value of c must be one of: x, y, got: q"},
		{value.MapOf("i", 1), "missing required arguments: req"},
		{value.MapOf("req", "x", "a", "1", "alias", "2"), "parameters are mutually exclusive: a|alias"},
	} {
		if _, err := Decode(info, tc.args); err == nil || err.Error() != tc.want {
			t.Errorf("Decode(%v) = %v, want %s", value.Repr(tc.args), err, tc.want)
		}
	}
}

func TestRegistryNames(t *testing.T) {
	for _, n := range []string{"command", "shell", "raw", "ping", "stat", "file", "copy", "template", "lineinfile", "blockinfile"} {
		for _, name := range []string{n, "ansible.builtin." + n, "ansible.legacy." + n} {
			info, ok := Lookup(name)
			if !ok {
				t.Errorf("%s not registered", name)
				continue
			}
			if _, _, err := infoSpecs(info); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

func TestCheckArgsFreeForm(t *testing.T) {
	info, _ := Lookup("raw")
	if err := CheckArgs(info, nil); err != nil {
		t.Errorf("raw without free form at load time: %v", err)
	}
	if _, err := Decode(info, value.NewMap(0)); err == nil {
		t.Error("raw without command decoded")
	}
}
