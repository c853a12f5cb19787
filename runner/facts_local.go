package runner

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

// defaultFactPath is setup's fact_path default.
const defaultFactPath = "/etc/ansible/facts.d"

// localFactsScript lists fact_path's *.fact files for ansible's local
// facts: per file "@@F PATH", then "M -" when it cannot be stat'ed,
// else "M MODE" (hex) followed by either "R RC OUTLEN ERRLEN" and the
// script's output and error (an executable file), or "C LEN" and the
// file's content.
func localFactsScript(factPath string) string {
	return `fp=` + connection.Quote(factPath) + `
if [ -d "$fp" ]; then
t=$(mktemp -d) || exit 1
for f in "$fp"/*.fact; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  printf '@@F %s\n' "$f"
  m=$(stat -L -c %f -- "$f" 2>/dev/null) || { echo 'M -'; continue; }
  echo "M $m"
  if [ $((0x$m & 64)) -ne 0 ]; then
    "$f" >"$t/o" 2>"$t/e"; rc=$?
    echo "R $rc $(wc -c <"$t/o") $(wc -c <"$t/e")"; cat "$t/o" "$t/e"
  else
    cat -- "$f" >"$t/o" 2>/dev/null
    echo "C $(wc -c <"$t/o")"; cat "$t/o"
  fi
done
rm -rf "$t"
fi
`
}

// parseLocalFacts reads localFactsScript's output into the local fact,
// with the warnings ansible's local collector gives.
func parseLocalFacts(out []byte) (*value.Map, []string) {
	local := value.NewMap(4)
	var warns []string
	type entry struct {
		name string
		fact any
	}
	var entries []entry
	b := out
	for len(b) > 0 {
		if !bytes.HasPrefix(b, []byte("@@F ")) {
			break
		}
		line, rest, _ := bytes.Cut(b[4:], []byte("\n"))
		fn := string(line)
		base := strings.ReplaceAll(fn[strings.LastIndexByte(fn, '/')+1:], ".fact", "")
		var fact any
		fact, b = readLocalFact(fn, rest, &warns)
		entries = append(entries, entry{base, fact})
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	for _, e := range entries {
		local.Set(e.name, e.fact)
	}
	return local, warns
}

// readLocalFact reads one file's record and returns its fact and the
// rest of the output.
func readLocalFact(fn string, b []byte, warns *[]string) (any, []byte) {
	fail := func(msg string, rest []byte) (any, []byte) {
		*warns = append(*warns, msg)
		return msg, rest
	}
	line, b, _ := bytes.Cut(b, []byte("\n"))
	if string(line) == "M -" {
		return fail(fmt.Sprintf("Could not stat fact (%s): [Errno 2] No such file or directory: '%s'", fn, fn), b)
	}
	line, b, _ = bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	take := func(s string) []byte {
		n, _ := strconv.Atoi(s)
		if n > len(b) || n < 0 {
			n = len(b)
		}
		v := b[:n]
		b = b[n:]
		return v
	}
	var content []byte
	switch {
	case len(f) == 4 && f[0] == "R":
		o, e := take(f[2]), take(f[3])
		if f[1] != "0" {
			return fail(fmt.Sprintf("Failure executing fact script (%s), rc: %s, err: %s", fn, f[1], e), b)
		}
		content = o
	case len(f) == 2 && f[0] == "C":
		content = take(f[1])
	default:
		return fail(fmt.Sprintf("Could not execute fact script (%s)", fn), b)
	}
	if !utf8Valid(content) {
		return fail(fmt.Sprintf(`error loading fact - output of running "%s" was not utf-8`, fn), b)
	}
	if v, err := value.FromJSON(content); err == nil {
		return v, b
	}
	ini, err := parseFactINI(string(content))
	if err != nil {
		return fail("error loading facts as JSON or ini - please check content: "+fn, b)
	}
	return ini, b
}

func utf8Valid(b []byte) bool { return strings.ToValidUTF8(string(b), "\uFFFD") == string(b) }

// parseFactINI reads an ini fact as Python's ConfigParser: [section]
// headers, key=value or key: value options (keys lowercased), no option
// before the first section, [DEFAULT] options in every section.
func parseFactINI(s string) (*value.Map, error) {
	out := value.NewMap(2)
	defaults := value.NewMap(0)
	var cur *value.Map
	var lastKey string
	for _, raw := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(raw)
		if t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		if raw[0] == ' ' || raw[0] == '\t' {
			if cur == nil || lastKey == "" {
				return nil, fmt.Errorf("continuation without option")
			}
			v, _ := cur.Get(lastKey)
			cur.Set(lastKey, v.(string)+"\n"+t)
			continue
		}
		if t[0] == '[' && strings.HasSuffix(t, "]") {
			name := t[1 : len(t)-1]
			if name == "DEFAULT" {
				cur = defaults
			} else {
				if _, dup := out.Get(name); dup {
					return nil, fmt.Errorf("duplicate section %s", name)
				}
				cur = value.NewMap(4)
				out.Set(name, cur)
			}
			lastKey = ""
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("missing section header")
		}
		i := strings.IndexAny(t, "=:")
		if i <= 0 {
			return nil, fmt.Errorf("parsing error")
		}
		k := strings.ToLower(strings.TrimSpace(t[:i]))
		if _, dup := cur.Get(k); dup {
			return nil, fmt.Errorf("duplicate option %s", k)
		}
		cur.Set(k, strings.TrimSpace(t[i+1:]))
		lastKey = k
	}
	out.Range(func(_ string, sec any) bool {
		m := sec.(*value.Map)
		defaults.Range(func(k string, v any) bool {
			if _, ok := m.Get(k); !ok {
				m.Set(k, v)
			}
			return true
		})
		return true
	})
	return out, nil
}

// argList reads a list argument as ansible's type='list': a list, or a
// string split at commas.
func argList(args *value.Map, k string) []string {
	v, ok := args.Get(k)
	if !ok || v == nil {
		return nil
	}
	var out []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			out = append(out, value.String(e))
		}
	default:
		for _, e := range strings.Split(value.String(v), ",") {
			out = append(out, strings.TrimSpace(e))
		}
	}
	return out
}

// gatherSubsets are the names gather_subset takes besides all and min,
// as ansible-core 2.14's collectors declare them.
var gatherSubsets = strings.Fields(`all_ipv4_addresses all_ipv6_addresses apparmor architecture caps chroot
cmdline date_time default_ipv4 default_ipv6 devices distribution distribution_major_version
distribution_release distribution_version dns effective_group_ids effective_user_id env facter
fibre_channel_wwn fips hardware interfaces is_chroot iscsi kernel kernel_version loadavg local lsb
machine machine_id mounts network nvme ohai os_family pkg_mgr platform processor processor_cores
processor_count python python_version real_user_id selinux service_mgr ssh_host_key_dsa_public
ssh_host_key_ecdsa_public ssh_host_key_ed25519_public ssh_host_key_rsa_public ssh_host_pub_keys
ssh_pub_keys system system_capabilities system_capabilities_enforced user user_dir user_gecos
user_gid user_id user_shell user_uid virtual virtualization_role virtualization_tech_guest
virtualization_tech_host virtualization_type`)

// checkGatherSubset is ansible's check of gather_subset: each name,
// with or without "!", is all, min or a collector's.
func checkGatherSubset(subsets []string) string {
	for _, s := range subsets {
		// ansible ignores an unknown name to exclude
		if s == "all" || s == "min" || strings.HasPrefix(s, "!") {
			continue
		}
		i := sort.SearchStrings(gatherSubsets, s)
		if i < len(gatherSubsets) && gatherSubsets[i] == s {
			continue
		}
		return fmt.Sprintf("Bad subset '%s' given to Ansible. gather_subset options allowed: all, %s", s, strings.Join(gatherSubsets, ", "))
	}
	return ""
}

// filterFacts keeps the facts whose ansible_ name matches one of the
// fnmatch patterns, as setup's filter.
func filterFacts(f *value.Map, patterns []string) *value.Map {
	out := value.NewMap(f.Len())
	f.Range(func(k string, v any) bool {
		for _, p := range patterns {
			if ok, _ := path.Match(p, "ansible_"+k); ok {
				out.Set(k, v)
				break
			}
		}
		return true
	})
	return out
}
