package value

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

var compact = PyJSONOptions{Indent: -1}

// The want strings are Python 3.11's json.dumps output for the same value
// with the same arguments (written in the case name).
func TestAppendPyJSON(t *testing.T) {
	const s = "q\"b\\n\nt\tr\rb\bf\f\x01\x1f\x7f é😀\u2028\u2029\ufffd<&>'"
	nested := MapOf("b", []any{1, MapOf("c", []any{}, "d", NewMap(0))}, "a", "x")
	for _, tc := range []struct {
		name string
		v    any
		o    PyJSONOptions
		want string
	}{
		{"floats", []any{0.1, 1e16, 1e-7, 123456789012345678.0, math.Copysign(0, -1), 1.5e300, 1234567.5, 0.0001, 1e-5,
			9999999999999998.0, 123456789012345.6, 2.5, 1.0, 5e-324, math.MaxFloat64, 100.0, 1e22,
			math.Inf(1), math.Inf(-1), math.NaN()}, compact,
			"[0.1, 1e+16, 1e-07, 1.2345678901234568e+17, -0.0, 1.5e+300, 1234567.5, 0.0001, 1e-05, 9999999999999998.0, 123456789012345.6, 2.5, 1.0, 5e-324, 1.7976931348623157e+308, 100.0, 1e+22, Infinity, -Infinity, NaN]"},
		{"scalars", []any{0, -1, int64(math.MaxInt64), true, false, nil}, compact,
			"[0, -1, 9223372036854775807, true, false, null]"},
		{"ensure_ascii=False", s, compact,
			"\"q\\\"b\\\\n\\nt\\tr\\rb\\bf\\f\\u0001\\u001f\x7f é😀\u2028\u2029\ufffd<&>'\""},
		{"ensure_ascii=True", Unsafe(s), PyJSONOptions{Indent: -1, EnsureASCII: true},
			"\"q\\\"b\\\\n\\nt\\tr\\rb\\bf\\f\\u0001\\u001f\\u007f \\u00e9\\ud83d\\ude00\\u2028\\u2029\\ufffd<&>'\""},
		{"indent=4", nested, PyJSONOptions{Indent: 4},
			"{\n    \"b\": [\n        1,\n        {\n            \"c\": [],\n            \"d\": {}\n        }\n    ],\n    \"a\": \"x\"\n}"},
		{"indent=2, sort_keys=True", nested, PyJSONOptions{Indent: 2, SortKeys: true},
			"{\n  \"a\": \"x\",\n  \"b\": [\n    1,\n    {\n      \"c\": [],\n      \"d\": {}\n    }\n  ]\n}"},
		{"indent=0", MapOf("b", []any{1, 2}), PyJSONOptions{},
			"{\n\"b\": [\n1,\n2\n]\n}"},
		{"empty containers, indent=4", []any{NewMap(0), []any{}}, PyJSONOptions{Indent: 4},
			"[\n    {},\n    []\n]"},
		{"empty list, indent=4", []any{}, PyJSONOptions{Indent: 4}, "[]"},
		{"compact", nested, compact,
			"{\"b\": [1, {\"c\": [], \"d\": {}}], \"a\": \"x\"}"},
		{"separators=(',', ':')", MapOf("b", []any{1, 2}, "a", MapOf("x", nil)), PyJSONOptions{Indent: -1, ItemSep: ",", KeySep: ":"},
			"{\"b\":[1,2],\"a\":{\"x\":null}}"},
		{"indent=2, separators=(',', ' = ')", MapOf("b", []any{1, 2}), PyJSONOptions{Indent: 2, ItemSep: ",", KeySep: " = "},
			"{\n  \"b\" = [\n    1,\n    2\n  ]\n}"},
		{"sort_keys=True, keys escaped", MapOf("é", 1, "z", 2, "a\n", 3), PyJSONOptions{Indent: -1, SortKeys: true, EnsureASCII: true},
			"{\"a\\n\": 3, \"z\": 2, \"\\u00e9\": 1}"},
		// json.dumps(b"a\xffb\xed\xa0\x80".decode("utf-8", "surrogateescape"), ensure_ascii=True)
		{"not UTF-8, ensure_ascii=True", "a\xffb\xed\xa0\x80", PyJSONOptions{Indent: -1, EnsureASCII: true},
			"\"a\\udcffb\\udced\\udca0\\udc80\""},
		// With ensure_ascii=False Python writes the lone surrogates, which
		// have no UTF-8 form; the escape keeps the output UTF-8.
		{"not UTF-8, ensure_ascii=False", "a\xffb", compact, "\"a\\udcffb\""},
		// Views and Go maps have no order of their own.
		{"Getter and map[string]any sorted", []any{getter{"b", "a"}, map[string]any{"y": 1, "x": []string{"s"}}}, compact,
			"[{\"a\": \"a\", \"b\": \"b\"}, {\"x\": [\"s\"], \"y\": 1}]"},
		{"Default", []any{&Vault{Ciphertext: "$ANSIBLE_VAULT"}, int32(7)}, PyJSONOptions{Indent: -1, Default: StringDefault},
			"[\"$ANSIBLE_VAULT\", \"7\"]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendPyJSON([]byte(">"), tc.v, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != ">"+tc.want {
				t.Errorf("got  %q\nwant %q", got[1:], tc.want)
			}
		})
	}
}

// The want strings are Python's repr(float).
func TestFormatFloat(t *testing.T) {
	for f, want := range map[float64]string{
		0.1: "0.1", 1e16: "1e+16", 1e-7: "1e-07", 123456789012345678.0: "1.2345678901234568e+17",
		1.5e300: "1.5e+300", 1234567.5: "1234567.5", 123456789012345.6: "123456789012345.6",
		9999999999999998.0: "9999999999999998.0", 0.0001: "0.0001", 0: "0.0", 5e-324: "5e-324",
		math.Inf(1): "inf", math.Inf(-1): "-inf",
	} {
		if got := FormatFloat(f); got != want {
			t.Errorf("FormatFloat(%v) = %s, want %s", f, got, want)
		}
	}
	if got := FormatFloat(math.Copysign(0, -1)); got != "-0.0" {
		t.Errorf("FormatFloat(-0.0) = %s", got)
	}
	if got := FormatFloat(math.NaN()); got != "nan" {
		t.Errorf("FormatFloat(NaN) = %s", got)
	}
}

type getter []string

func (g getter) Get(k string) (any, bool) { return k, true }
func (g getter) Keys() []string           { return g }

// selfGetter contains itself, as vars contains hostvars contains vars.
type selfGetter struct{}

func (g selfGetter) Get(k string) (any, bool) { return g, true }
func (g selfGetter) Keys() []string           { return []string{"self"} }

func TestAppendPyJSONErrors(t *testing.T) {
	if _, err := AppendPyJSON(nil, []any{1, struct{}{}}, compact); err == nil ||
		err.Error() != "Object of type struct {} is not JSON serializable" {
		t.Errorf("no Default: %v", err)
	}
	boom := errors.New("boom")
	if _, err := AppendPyJSON(nil, MapOf("a", int8(1)), PyJSONOptions{Default: func(any) (any, error) { return nil, boom }}); err != boom {
		t.Errorf("Default's error: %v", err)
	}
	// What Default returns is not passed to Default again.
	calls := 0
	again := func(v any) (any, error) { calls++; return v, nil }
	if _, err := AppendPyJSON(nil, int8(1), PyJSONOptions{Default: again}); err == nil || calls != 1 {
		t.Errorf("Default returning its argument: %v after %d calls", err, calls)
	}
	if _, err := AppendPyJSON(nil, selfGetter{}, compact); err == nil || !strings.Contains(err.Error(), "recursion") {
		t.Errorf("endless view: %v", err)
	}
}

// FuzzAppendPyJSON checks that one-line output is JSON that encoding/json
// reads back as the value written.
func FuzzAppendPyJSON(f *testing.F) {
	f.Add("a\"\\\n\x01\x7f", "é😀\u2028", 1.5, int64(-3), true)
	f.Add("\xff", "", 1e16, int64(0), false)
	f.Add("", "\ufffd", 1e-7, int64(math.MinInt64), true)
	f.Fuzz(func(t *testing.T, k, s string, fl float64, n int64, ascii bool) {
		if math.IsInf(fl, 0) || math.IsNaN(fl) {
			fl = 0 // Python writes them, but they are not JSON
		}
		v := MapOf(k, []any{s, Unsafe(k), fl, n, nil, MapOf(s, NewMap(0))}, "", []any{})
		out, err := AppendPyJSON(nil, v, PyJSONOptions{Indent: -1, EnsureASCII: ascii})
		if err != nil {
			t.Fatal(err)
		}
		if ascii {
			for _, c := range out {
				if c < 0x20 || c > 0x7e {
					t.Fatalf("ensure_ascii output has byte %#x: %q", c, out)
				}
			}
		}
		var got any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q: %v", out, err)
		}
		// encoding/json reads an invalid byte, and the lone surrogate
		// written for it, as U+FFFD.
		fix := func(s string) string {
			var b strings.Builder
			for _, r := range s {
				b.WriteRune(r)
			}
			return b.String()
		}
		want := map[string]any{
			fix(k): []any{fix(s), fix(k), fl, float64(n), nil, map[string]any{fix(s): map[string]any{}}},
			"":     []any{},
		}
		if k == "" {
			want = map[string]any{"": []any{}}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q\nread back %#v\nwant      %#v", out, got, want)
		}
	})
}
