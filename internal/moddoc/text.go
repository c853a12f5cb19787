package moddoc

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// The layout of ansible-doc's text output with stdout not a terminal:
// 79 columns, text filled to 70 and indented by 8.
const (
	docColumns = 79
	docLimit   = 70
	docIndent  = "        "
)

// fill is Python's textwrap.fill of s at width, every line starting with
// indent (first the first line's).
func fill(s string, width int, first, indent string) string {
	var lines []string
	line := first
	empty := true
	for _, w := range strings.Fields(s) {
		if !empty && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += w
		empty = false
	}
	return strings.Join(append(lines, line), "\n")
}

// typeElements splits "list of str" into Ansible's type and elements.
func typeElements(t string) (typ, elements string) {
	if e, ok := strings.CutPrefix(t, "list of "); ok {
		return "list", e
	}
	return t, ""
}

// yamlScalar is a value as ansible-doc's YAML dump shows it: quoted when
// YAML would read it as something else.
func yamlScalar(s string) string {
	switch strings.ToLower(s) {
	case "yes", "no", "on", "off", "y", "n", "":
		return "'" + s + "'"
	}
	if strings.ContainsAny(s[:1], "!&*{}[],#|>@`\"'%-?: ") || strings.Contains(s, ": ") || strings.Contains(s, " #") {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return s
}

func flowList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = yamlScalar(v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// documented leaves out the arguments the engine passes itself
// (_original_basename), which ansible's modules do not document either.
func documented(opts []Option) []Option {
	var out []Option
	for _, o := range opts {
		if !strings.HasPrefix(o.Name, "_") {
			out = append(out, o)
		}
	}
	return out
}

// Text is d in ansible-doc's text layout: header, description, OPTIONS
// (= marks a required one), ATTRIBUTES and NOTES. fjord keeps no
// examples or return value docs for its modules, so those sections are
// not printed.
func Text(d *Doc) string {
	var t []string
	t = append(t, fmt.Sprintf("> %s    (%s)\n", strings.ToUpper(d.Name), "fjord native module, "+d.Package))
	desc := d.Description
	if desc == "" {
		desc = "(no description)"
	}
	t = append(t, fill(desc, docLimit, docIndent, docIndent)+"\n")
	if len(documented(d.Options)) > 0 {
		t = append(t, "OPTIONS (= is mandatory):\n")
		opts := documented(d.Options)
		sort.Slice(opts, func(i, j int) bool { return opts[i].Name < opts[j].Name })
		for _, o := range opts {
			lead := "-"
			if o.Required {
				lead = "="
			}
			t = append(t, lead+" "+o.Name)
			if o.Description != "" {
				t = append(t, fill(o.Description, docLimit, docIndent, docIndent))
			}
			typ, elements := typeElements(o.Type)
			if len(o.Aliases) > 0 {
				t = append(t, docIndent+"aliases: "+flowList(o.Aliases))
			}
			if len(o.Choices) > 0 {
				t = append(t, docIndent+"choices: "+flowList(o.Choices))
			}
			switch {
			case o.Default != nil:
				t = append(t, docIndent+"default: "+yamlScalar(*o.Default))
			case !o.Required:
				t = append(t, docIndent+"default: null")
			}
			if elements != "" {
				t = append(t, docIndent+"elements: "+elements)
			}
			t = append(t, docIndent+"type: "+typ, "")
		}
		t = append(t, "")
	}
	support := "none"
	if d.CheckMode {
		support = "full"
	}
	t = append(t, "ATTRIBUTES:\n", docIndent+"check_mode:", docIndent+"  support: "+support, "")
	var notes []string
	if d.Raw {
		notes = append(notes, "The module takes any arguments and checks them itself.")
	}
	if d.FreeForm != "" {
		notes = append(notes, "A free-form string is the argument "+d.FreeForm+".")
	}
	if d.Cluster {
		notes = append(notes, "A cluster module: it runs once per batch and reaches every host of it.")
	}
	if len(d.Aliases) > 0 {
		notes = append(notes, "Also answers as "+strings.Join(d.Aliases, ", ")+".")
	}
	if len(notes) > 0 {
		t = append(t, "NOTES:")
		for _, n := range notes {
			t = append(t, fill(n, docLimit-6, docIndent[:6]+"* ", docIndent))
		}
		t = append(t, "", "")
	}
	return strings.Join(t, "\n")
}

// List is `ansible-doc -l`: every module's name and short description,
// the description cut to fit 79 columns.
func List(docs []*Doc) string {
	width := 0
	for _, d := range docs {
		width = max(width, len(d.Name))
	}
	limit := docColumns - width - 5
	var b strings.Builder
	for _, d := range docs {
		desc := d.ShortDescription()
		if len(desc) > limit {
			desc = desc[:limit] + "..."
		}
		// padded to the limit, trailing spaces and all, as ansible-doc does
		fmt.Fprintf(&b, "%-*s %-*s\n", width, d.Name, limit, desc)
	}
	return b.String()
}

// JSON is `ansible-doc -j`: by name, a "doc" in the shape of a module's
// DOCUMENTATION (options with description lists, type, required, default,
// choices, aliases, elements).
func JSON(docs []*Doc) ([]byte, error) {
	out := map[string]any{}
	for _, d := range docs {
		opts := map[string]any{}
		for _, o := range documented(d.Options) {
			typ, elements := typeElements(o.Type)
			m := map[string]any{"description": []string{o.Description}, "type": typ}
			if o.Required {
				m["required"] = true
			}
			if o.Default != nil {
				m["default"] = *o.Default
			}
			if len(o.Choices) > 0 {
				m["choices"] = o.Choices
			}
			if len(o.Aliases) > 0 {
				m["aliases"] = o.Aliases
			}
			if elements != "" {
				m["elements"] = elements
			}
			opts[o.Name] = m
		}
		support := "none"
		if d.CheckMode {
			support = "full"
		}
		coll, mod := "", d.Name
		if i := strings.LastIndexByte(d.Name, '.'); i >= 0 {
			coll, mod = d.Name[:i], d.Name[i+1:]
		}
		doc := map[string]any{"module": mod, "collection": coll, "filename": d.Package,
			"short_description": d.ShortDescription(), "description": []string{d.Description},
			"attributes": map[string]any{"check_mode": map[string]any{"support": support}}}
		if len(opts) > 0 {
			doc["options"] = opts
		}
		out[d.Name] = map[string]any{"doc": doc, "examples": nil, "metadata": nil, "return": nil}
	}
	return json.MarshalIndent(out, "", "    ")
}
