package moddoc

import (
	"strings"

	"github.com/fjord-run/fjord/modules"
)

// Doc is what fjord knows about one native module: the registry's facts
// and the doc comments of its arguments struct and fields. docs/modules.md
// and `fjord doc` are both rendered from it.
type Doc struct {
	Name        string // canonical ID, ansible.builtin.copy
	Aliases     []string
	Package     string // Go package of the arguments struct
	Description string // the doc comment of the arguments struct
	CheckMode   bool
	FreeForm    string
	Cluster     bool
	Raw         bool // any arguments; the module checks them itself
	Options     []Option
}

// Option is one argument of a module.
type Option struct {
	Name        string
	Aliases     []string
	Type        string // Ansible's: str, bool, int, float, dict, raw, "list of str"
	Required    bool
	Default     *string // nil: none
	Choices     []string
	Description string
}

// ShortDescription is the description's first sentence.
func (d *Doc) ShortDescription() string {
	s := d.Description
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(s, ".")
}

// build is in's Doc with the doc comments in docs; a missing comment is
// left empty (Generate refuses it, `fjord doc` shows what it has).
func build(in *modules.Info, docs map[string]string) (*Doc, error) {
	t := reflectElem(in)
	d := &Doc{Name: in.ID, Aliases: in.Aliases, Package: t.PkgPath(), Description: docs[t.PkgPath()+"."+t.Name()],
		CheckMode: in.CheckMode, FreeForm: in.FreeForm, Cluster: in.Cluster, Raw: in.Raw}
	args, err := modules.Args(in)
	if err != nil {
		return nil, err
	}
	for _, a := range args {
		d.Options = append(d.Options, Option{Name: a.Name, Aliases: a.Aliases, Type: a.Type, Required: a.Required,
			Default: a.Default, Choices: a.Choices, Description: docs[a.Owner.PkgPath()+"."+a.Owner.Name()+"."+a.Field]})
	}
	return d, nil
}

// Lookup returns the Doc of the native module called name (any name the
// registry answers to), from the doc comments compiled into fjord.
func Lookup(name string) (*Doc, bool) {
	in, ok := modules.Lookup(name)
	if !ok || in.External != "" {
		return nil, false
	}
	d, err := build(in, comments)
	if err != nil {
		return nil, false
	}
	return d, true
}

// All returns the Doc of every native module, sorted by name.
func All() []*Doc {
	var out []*Doc
	for _, in := range modules.Infos() {
		if in.External != "" {
			continue
		}
		if d, err := build(in, comments); err == nil {
			out = append(out, d)
		}
	}
	return out
}
