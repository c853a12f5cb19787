package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// flagSpec says, for every spelling of a command's flags, the canonical
// spelling and whether the flag takes a value.
type flagSpec map[string]struct {
	canon      string
	takesValue bool
}

func specOf(flags []cli.Flag) flagSpec {
	s := flagSpec{}
	for _, f := range flags {
		names := f.Names()
		tv := false
		if v, ok := f.(cli.DocGenerationFlag); ok {
			tv = v.TakesValue()
		}
		for _, n := range names {
			s[n] = struct {
				canon      string
				takesValue bool
			}{names[0], tv}
		}
	}
	return s
}

// reorderArgs rewrites a subcommand's arguments the way argparse reads
// them, into a form urfave/cli (Go's flag package) accepts:
//
//   - flags and positionals may be interleaved (`site.yml -i inv -C`);
//     urfave/cli stops at the first positional, so positionals move to the
//     end, after "--";
//   - short flags cluster (`-vvv`, `-bK`, `-CD`) and take attached values
//     (`-iinv`, `-e@vars.yml`, `-i=inv`);
//   - every spelling of a flag becomes its canonical one, because urfave/cli
//     rejects `-i a --inventory b` ("cannot use two forms of the same flag")
//     where ansible-playbook accepts it.
//
// Unknown flags are left as they are for urfave/cli to report.
func reorderArgs(args []string, spec flagSpec) []string {
	var flags, pos []string
	emit := func(name string) string {
		return "--" + spec[name].canon
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			fs, ok := spec[name]
			switch {
			case !ok:
				flags = append(flags, a)
			case hasVal:
				flags = append(flags, emit(name)+"="+val)
			case fs.takesValue && i+1 < len(args):
				flags = append(flags, emit(name), args[i+1])
				i++
			default:
				flags = append(flags, emit(name))
			}
		case len(a) > 1 && a[0] == '-':
			toks, needsValue, ok := expandShort(a, spec)
			if !ok {
				flags = append(flags, a)
				continue
			}
			flags = append(flags, toks...)
			if needsValue && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) > 0 {
		flags = append(append(flags, "--"), pos...)
	}
	return flags
}

// expandShort splits a cluster of single-letter flags: "-vvv" gives three
// "--verbose", "-e@f.yml" gives "--extra-vars @f.yml". needsValue reports
// that the last flag's value is the next argument. ok is false when a
// letter is not a known flag.
func expandShort(a string, spec flagSpec) (toks []string, needsValue, ok bool) {
	body := a[1:]
	for j := 0; j < len(body); j++ {
		c := body[j : j+1]
		fs, known := spec[c]
		if !known {
			return nil, false, false
		}
		toks = append(toks, "--"+fs.canon)
		if !fs.takesValue {
			continue
		}
		rest := body[j+1:]
		if j == 0 {
			rest = strings.TrimPrefix(rest, "=")
		}
		if rest == "" {
			return toks, true, true
		}
		return append(toks, rest), false, true
	}
	return toks, false, true
}
