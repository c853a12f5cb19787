package modules

import (
	"bytes"
	"regexp"
	"testing"
)

// FuzzAptSource: a parsed source prints canonically, and the canonical
// line parses back to the same source.
func FuzzAptSource(f *testing.F) {
	for _, s := range []string{
		"deb http://deb.debian.org/debian bookworm main contrib",
		"# deb-src [arch=amd64 signed-by=/k.gpg] https://u:p@example.org/apt ./ # note",
		"deb [trusted=yes] file:/srv/repo ./",
		"deb [ broken",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		s := parseAptSource(line)
		if s == nil {
			return
		}
		c := s.canonical()
		back := parseAptSource(c)
		if back == nil || !back.enabled || !back.same(s) || back.canonical() != c {
			t.Fatalf("%q -> %q does not round-trip", line, c)
		}
		_ = aptRepoFilename(s)
	})
}

// FuzzWaitForMatcher: however the host's output is cut into writes, the
// matcher finds what the regexp finds in the first block that matches.
func FuzzWaitForMatcher(f *testing.F) {
	f.Add([]byte("noise\n"), []byte("version=1.2\n"), uint8(3))
	f.Add([]byte(""), []byte("x"), uint8(0))
	re := regexp.MustCompile(`(?m)version=(\d+)\.(\d+)`)
	f.Fuzz(func(t *testing.T, first, second []byte, cut uint8) {
		const b, e = "@@mB", "@@mE"
		if bytes.Contains(first, []byte(e)) || bytes.Contains(second, []byte(e)) ||
			bytes.Contains(first, []byte(b)) || bytes.Contains(second, []byte(b)) {
			return
		}
		var out bytes.Buffer
		for _, blk := range [][]byte{first, second} {
			out.WriteString(b + "\n")
			out.Write(blk)
			out.WriteString("\n" + e + "\n")
		}
		var want []string
		for _, blk := range [][]byte{first, second} {
			if sm := re.FindSubmatch(blk); sm != nil {
				want = []string{string(sm[1]), string(sm[2])}
				break
			}
		}
		w := &matcher{re: re, begin: b, end: e, from: -1}
		data := out.Bytes()
		step := int(cut)%7 + 1
		for i := 0; i < len(data); i += step {
			w.Write(data[i:min(i+step, len(data))])
		}
		if (want == nil) != !w.ok {
			t.Fatalf("matched %v, want %v", w.ok, want)
		}
		if want != nil && (w.match[0] != want[0] || w.match[1] != want[1]) {
			t.Fatalf("groups %v, want %v", w.match, want)
		}
	})
}
