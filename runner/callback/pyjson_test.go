package callback

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/value"
)

// Expected strings are Python 3.11 json.dumps output.
func TestDumpJSON(t *testing.T) {
	for _, tc := range []struct {
		v    any
		st   jsonStyle
		want string
	}{
		{[]any{1e16, 1e-5, 0.0001, 123456789012345.6, 1.5e300, math.Copysign(0, -1), 2.5, 1.0, math.Inf(1)}, jsonStyle{},
			`[1e+16, 1e-05, 0.0001, 123456789012345.6, 1.5e+300, -0.0, 2.5, 1.0, Infinity]`},
		{"\x7fé😀\x01\b", jsonStyle{ensureASCII: true}, `"\u007f\u00e9\ud83d\ude00\u0001\b"`},
		{"\x7fé😀", jsonStyle{}, "\"\x7fé😀\""},
		{value.MapOf("b", 1, "a", []any{}, "c", value.NewMap(0)), jsonStyle{indent: 4, sortKeys: true},
			"{\n    \"a\": [],\n    \"b\": 1,\n    \"c\": {}\n}"},
	} {
		if got := dumpJSON(tc.v, tc.st); got != tc.want {
			t.Errorf("dumpJSON(%v) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

func TestJSONSink(t *testing.T) {
	var out bytes.Buffer
	r := p5(t, NewJSON(&out))
	r.finish()
	var doc struct {
		Plays []struct {
			Play  map[string]any
			Tasks []struct {
				Hosts map[string]map[string]any
				Task  map[string]any
			}
		}
		Stats map[string]map[string]int
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err, out.String())
	}
	if len(doc.Plays) != 1 || len(doc.Plays[0].Tasks) != 4 {
		t.Fatalf("plays/tasks: %s", out.String())
	}
	h2 := doc.Plays[0].Tasks[2].Hosts["h2"]
	if h2["failed"] != true || h2["action"] != "fail" || h2["msg"] != "no" {
		t.Errorf("failed result = %v", h2)
	}
	if got := doc.Stats["h2"]; got["failures"] != 1 || got["ok"] != 1 || got["skipped"] != 1 {
		t.Errorf("stats = %v", got)
	}
	if !strings.HasPrefix(out.String(), "{\n    \"custom_stats\": {},\n    \"global_custom_stats\": {},\n    \"plays\": [") {
		t.Errorf("layout: %.120s", out.String())
	}
}
