package templates

import (
	"sync"
	"testing"

	"github.com/fjord-run/fjord/value"
)

func fuzzVars() Vars {
	return VarsOf(value.MapOf(
		"a", 1, "s", "str", "l", []any{1, "two", 3.5, nil},
		"m", value.MapOf("k", "v", "n", value.MapOf("x", []any{1, 2})),
		"none", nil, "t", true,
	))
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"{{ a }}", "{{ l | join(',') }}", "{% for k, v in m.items() %}{{ k }}={{ v }}{% endfor %}",
		"{{ m.n.x[1] + a }}", "{% if t %}y{% else %}n{% endif %}", "{{ s | regex_replace('t', 'T') }}",
		"{% set ns = namespace(x=1) %}{{ ns.x }}", "{{ '%s-%d' % (s, a) }}", "{{ missing | default('d') }}",
		"{% macro f(x) %}{{ x }}{% endmacro %}{{ f(1) }}", "{{ [1,2][1:] }}", "{{ {'a': 1} | to_nice_yaml }}",
		"{{", "{% for %}", "{{ a[ }}", "{% if %}{% endif %}", "{{ l | map('int') | list }}",
		"{{ a in l|union([a]) }}", "{{ a not in l + [1] and 1 in l }}", "{{ 1 in (l|first) }}",
		"{{ s|urlsplit('port') }}", "{{ '2020-01-02'|to_datetime('%Y-%m-%d') - '2020-01-01'|to_datetime('%Y-%m-%d') }}",
		"{{ m|json_query('n.x[0]') }}", "{{ l|permutations(2)|list }}", "{{ s|comment('cblock') }}",
	} {
		f.Add(s)
	}
	e := New()
	vars := fuzzVars()
	f.Fuzz(func(t *testing.T, src string) {
		// Neither may panic; errors are fine.
		_, _ = e.Render(src, vars)
		_, _ = e.RenderText(src, vars, DefaultTextOptions())
		_, _ = e.Cond(src, vars)
		_ = e.CheckCond(src)
	})
}

func BenchmarkRender(b *testing.B) {
	e := New()
	vars := VarsOf(value.MapOf(
		"name", "web1", "port", 8080,
		"upstreams", []any{"10.0.0.1", "10.0.0.2", "10.0.0.3"},
		"opts", value.MapOf("keepalive", 32, "timeout", "5s"),
	))
	src := "server {{ name }}:{{ port }};\n{% for u in upstreams %}  upstream {{ u }}:{{ port + 1 }};\n{% endfor %}" +
		"{% for k, v in opts.items() %}{{ k }} {{ v }};\n{% endfor %}"
	if _, err := e.Render(src, vars); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Render(src, vars); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConcurrentRender renders one cached template from many goroutines;
// run with -race.
func TestConcurrentRender(t *testing.T) {
	e := New()
	vars := fuzzVars()
	src := "{% for x in l %}{{ loop.index }}:{{ x }} {% endfor %}{{ m | to_json }}{% set y = a + 1 %}{{ y }}"
	want, err := e.RenderText(src, vars, DefaultTextOptions())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				got, err := e.RenderText(src, vars, DefaultTextOptions())
				if err != nil || got != want {
					t.Errorf("got %q, %v; want %q", got, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}
