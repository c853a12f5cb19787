package external

import (
	"bytes"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

// jsonArgs is json.dumps(args), as ansible writes a WANT_JSON or binary
// module's args file and a payload's arguments.
func jsonArgs(args *value.Map) []byte {
	b, err := value.AppendPyJSON(nil, args, value.PyJSONOptions{Indent: -1, EnsureASCII: true, Default: value.StringDefault})
	if err != nil {
		return []byte("{}")
	}
	return b
}

// kvArgs is an old-style module's args file: `k=v ` for each argument,
// v as Python's str() prints it, quoted as shlex.quote does.
func kvArgs(args *value.Map) []byte {
	var b strings.Builder
	args.Range(func(k string, v any) bool {
		s, ok := v.(string)
		if !ok {
			s = value.Repr(v)
			if v == nil {
				s = "None"
			}
		}
		b.WriteString(k + "=" + connection.Quote(s) + " ")
		return true
	})
	return []byte(b.String())
}

// jsonArgsModule fills a module's <<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>
// marker (and the older version, args and selinux markers) with its
// arguments.
func jsonArgsModule(data []byte, args *value.Map) []byte {
	js := jsonArgs(args)
	version, _ := release(AnsibleRoot())
	data = bytes.ReplaceAll(data, []byte(replacerVersion), []byte(value.Repr(version)))
	data = bytes.ReplaceAll(data, []byte(replacerComplex), []byte(value.Repr(string(js))))
	data = bytes.ReplaceAll(data, []byte(replacerSelinux), []byte("fuse,nfs,vboxsf,ramfs,9p,vfat"))
	return bytes.ReplaceAll(data, []byte(replacerJSONArgs), js)
}
