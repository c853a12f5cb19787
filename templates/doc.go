// Package templates is Jinja2 as Ansible speaks it, built on
// github.com/nikolalohinski/gonja/v2 (nothing else in fjord imports
// gonja): Ansible's filters, tests and lookups; strict undefined that
// chains (a.b.c | default(x) works); None printed as ""; a bare
// "{{ expr }}" keeps its native type; `when:` conditions; errors that name
// the undefined variable. Templates are parsed once and cached; rendering
// is safe from many goroutines.
//
// The contract used by the rest of fjord:
//
//	e := templates.New()
//	v, err := e.Render(src, vars)          // any: native type for a bare "{{ expr }}"
//	s, err := e.RenderText(src, vars, o)   // a whole template file (template module)
//	ok, err := e.Cond(expr, vars)          // when:, failed_when:, changed_when:, assert that:
//	v, err := e.Templatize(v, vars)        // Render over nested lists/maps
//	err := e.CheckCond(expr)               // a condition's syntax, before any host runs
//	templates.IsTemplate(s)                // contains {{, {% or {#
//
// Errors, parse or run time, are an *Error with the line and column of the
// node that failed; TextOptions.Name names the file, so that they read
// "name.j2:LINE:COL: cause" (errors.go).
//
// Variables are resolved lazily through the Vars interface: only names a
// template actually uses are looked up.
package templates
