package value

import (
	"errors"
	"fmt"
	"testing"
)

// Syntax errors sit where PyYAML's problem_mark puts them, which is what
// ansible-playbook prints ("line 4, column 5"); each want was read from
// ansible-core 2.14's loader on the same text.
func TestSyntaxErrorPositions(t *testing.T) {
	cases := []struct {
		src  string
		want string
	}{
		{"- hosts: all\n  tasks: [\n", "3:1: did not find expected node content"},
		{"- hosts: all\n  tasks:\n    - debug: msg=a\n      bad: x: y\n", "4:13: mapping values are not allowed in this context"},
		{"- hosts: all\n  tasks:\n   - debug: msg=a\n    - debug: msg=b\n", "4:5: did not find expected '-' indicator"},
		{"a: 1\nb: 2\n  c: 3\n", "3:4: mapping values are not allowed in this context"},
		{"a: \"unterminated\nb: 2\n", "3:1: found unexpected end of stream"},
		{"a: 1\n\tb: 2\n", "2:1: found a tab character that violates indentation"},
		{"- hosts: all\n  vars:\n    x: {a: 1\n  tasks: []\n", "4:8: did not find expected ',' or '}'"},
		{"a: b\n- c\n", "2:1: did not find expected key"},
		{"key: @foo\n", "1:6: found character that cannot start any token"},
		{"a: [1, 2\nb: 3\n", "2:2: did not find expected ',' or ']'"},
		{"a:\n  - 1\n  b: 2\n", "3:3: did not find expected '-' indicator"},
		{"a: 'x\n", "2:1: found unexpected end of stream"},
		{"a: 1\na: |\n  ok\n b: x\n", "4:2: did not find expected key"},
		{"- a\nb: c\n", "2:1: did not find expected '-' indicator"},
		{"x: *nope\n", "1:4: unknown anchor 'nope' referenced"},
		{"{a: 1, b\n", "2:1: did not find expected ',' or '}'"},
		{"a: b: c\n", "1:5: mapping values are not allowed in this context"},
		{"a:\n  b: 1\n c: 2\n", "3:2: did not find expected key"},
		{"e: x\nlist_var\n  - one\n  - two\n", "5:1: could not find expected ':'"},
		{"- name: Validat\ne nginx configuration\n  command: nginx -t\n", "3:10: could not find expected ':'"},
		{"a: &\n", "1:5: did not find expected alphabetic or numeric character"},
		{"a: 1\r\nb: [\r\n", "3:1: did not find expected node content"},
		{"é: [ü\n", "2:1: did not find expected ',' or ']'"},
		{"é: ü: x\n", "1:5: mapping values are not allowed in this context"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%q", c.src), func(t *testing.T) {
			_, err := ParseYAML([]byte(c.src))
			var e *YAMLError
			if !errors.As(err, &e) || !e.Syntax {
				t.Fatalf("got %v, want a syntax *YAMLError", err)
			}
			if e.Error() != c.want {
				t.Errorf("got  %s\nwant %s", e, c.want)
			}
		})
	}
}
