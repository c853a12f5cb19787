package modules

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.apt_repository", Aliases: []string{"apt_repository"},
		New: func() Module { return &AptRepository{} }, CheckMode: true,
	})
}

// AptRepository adds or removes one-line APT sources. All of
// /etc/apt/sources.list and sources.list.d/*.list are read in one round
// trip; a source counts as present when a line of any file says the same
// thing (type, options, URI, suite, components, compared field by field).
// A new source goes to sources.list.d/<filename>.list, named as Ansible
// names it; a file of sources.list.d left without sources is removed.
type AptRepository struct {
	// Repo is the sources.list line of the repository.
	Repo string `arg:"repo,required"`
	// State says whether the repository is listed.
	State string `arg:"state,default=present,choices=absent|present"`
	// Mode is the source file's permissions.
	Mode any `arg:"mode"`
	// UpdateCache runs apt-get update after a change.
	UpdateCache bool `arg:"update_cache,default=true,aliases=update-cache"`
	// UpdateCacheRetries is how many times a failed update is tried again.
	UpdateCacheRetries int `arg:"update_cache_retries,default=5"`
	// UpdateCacheRetryMaxDelay caps, in seconds, the wait between update retries.
	UpdateCacheRetryMaxDelay int `arg:"update_cache_retry_max_delay,default=12"`
	// ValidateCerts checks TLS certificates when fetching (a PPA's key).
	ValidateCerts bool `arg:"validate_certs,default=true"`
	// Filename is the source file's name under sources.list.d, without .list.
	Filename string `arg:"filename"`
	// Codename overrides the distribution's codename for PPAs.
	Codename string `arg:"codename"`
	// InstallPythonApt is Ansible's python3-apt install; fjord needs no python and ignores it.
	InstallPythonApt bool `arg:"install_python_apt,default=true"`

	src  *aptSource
	root string // prefix of /etc/apt, for tests
}

// aptSource is one parsed sources.list line.
type aptSource struct {
	enabled bool
	kind    string // deb, deb-src
	options string // without brackets, "" if none
	uri     string
	rest    []string // suite and components
}

func (s *aptSource) canonical() string {
	parts := []string{s.kind}
	if s.options != "" {
		parts = append(parts, "["+s.options+"]")
	}
	parts = append(parts, s.uri)
	return strings.Join(append(parts, s.rest...), " ")
}

func (s *aptSource) same(o *aptSource) bool {
	return s.kind == o.kind && s.options == o.options &&
		strings.TrimSuffix(s.uri, "/") == strings.TrimSuffix(o.uri, "/") &&
		strings.Join(s.rest, " ") == strings.Join(o.rest, " ")
}

// parseAptSource reads a line; nil when it is no source (blank, comment
// text, a malformed line).
func parseAptSource(line string) *aptSource {
	s := strings.TrimSpace(line)
	src := &aptSource{enabled: true}
	if strings.HasPrefix(s, "#") {
		src.enabled = false
		s = strings.TrimSpace(strings.TrimLeft(s, "#"))
	}
	if i := strings.Index(s, "#"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	kind, rest, ok := strings.Cut(s, " ")
	if !ok || (kind != "deb" && kind != "deb-src") {
		return nil
	}
	src.kind = kind
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]")
		if end < 0 {
			return nil
		}
		src.options = strings.Join(strings.Fields(rest[1:end]), " ")
		rest = strings.TrimSpace(rest[end+1:])
	}
	f := strings.Fields(rest)
	if len(f) < 2 {
		return nil
	}
	src.uri, src.rest = f[0], f[1:]
	return src
}

var nonAlnum = regexp.MustCompile(`[^a-zA-Z0-9]`)

// aptRepoFilename is the file Ansible picks for a line: the URI without
// scheme, options or credentials, non-alphanumerics as "_".
func aptRepoFilename(s *aptSource) string {
	u := s.uri
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.Index(u, "@"); i >= 0 {
		u = u[i+1:]
	}
	return strings.Join(strings.Fields(nonAlnum.ReplaceAllString(u, " ")), "_")
}

// Validate implements Validator.
func (m *AptRepository) Validate() error {
	if strings.HasPrefix(strings.TrimSpace(m.Repo), "ppa:") {
		return errors.New("apt_repository: ppa: repositories are not supported by fjord yet; give the deb line")
	}
	m.src = parseAptSource(m.Repo)
	if m.src == nil || !m.src.enabled {
		return fmt.Errorf("Invalid repository string: %s", m.Repo)
	}
	return nil
}

const aptSourcesDir = "/etc/apt/sources.list.d"

// Run implements Module.
func (m *AptRepository) Run(ctx context.Context, env *Env) (*Result, error) {
	name := m.Filename
	if name == "" {
		name = aptRepoFilename(m.src)
	}
	main := m.root + "/etc/apt/sources.list"
	dir := m.root + aptSourcesDir
	target := path.Join(dir, strings.TrimSuffix(name, ".list")+".list")
	res, err := hostRun(ctx, env, `for f in `+connection.Quote(main)+` `+connection.Quote(dir)+`/*.list; do
	[ -f "$f" ] || continue
	echo "@@$f"
	cat -- "$f" || exit 1
	[ -z "$(tail -c 1 -- "$f")" ] || echo
done
`, nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	files := Sections(string(res.Stdout))
	before := map[string]string{}
	for k, v := range files {
		before[k] = v
	}
	want := m.src
	var added, removed []any
	if m.State == "present" {
		found := false
		var disabledIn string
		for _, f := range sortedKeys(files) {
			for _, l := range strings.Split(files[f], "\n") {
				if s := parseAptSource(l); s != nil && s.same(want) {
					if s.enabled {
						found = true
					} else if disabledIn == "" {
						disabledIn = f
					}
				}
			}
		}
		switch {
		case found:
		case disabledIn != "":
			// Enable the commented-out line where it is.
			ls := strings.Split(files[disabledIn], "\n")
			for i, l := range ls {
				if s := parseAptSource(l); s != nil && !s.enabled && s.same(want) {
					ls[i] = want.canonical()
					break
				}
			}
			files[disabledIn] = strings.Join(ls, "\n")
			added = append(added, disabledIn)
		default:
			files[target] += want.canonical() + "\n"
			added = append(added, target)
		}
	} else {
		for _, f := range sortedKeys(files) {
			var keep []string
			hit := false
			for _, l := range strings.Split(strings.TrimSuffix(files[f], "\n"), "\n") {
				if s := parseAptSource(l); s != nil && s.same(want) {
					hit = true
					continue
				}
				keep = append(keep, l)
			}
			if hit {
				removed = append(removed, f)
				files[f] = strings.Join(keep, "\n")
				if len(keep) > 0 {
					files[f] += "\n"
				}
			}
		}
	}
	r := &Result{}
	r.Set("repo", m.Repo).Set("state", m.State)
	if added == nil {
		added = []any{}
	}
	if removed == nil {
		removed = []any{}
	}
	r.Set("sources_added", added).Set("sources_removed", removed)
	changedFiles := []string{}
	for _, f := range sortedKeys(files) {
		if b, ok := before[f]; !ok || b != files[f] {
			changedFiles = append(changedFiles, f)
		}
	}
	if len(changedFiles) == 0 {
		return r, nil
	}
	r.Changed = true
	// A file of sources.list.d without any source left goes away.
	drop := map[string]bool{}
	for _, f := range changedFiles {
		if f == main {
			continue
		}
		has := false
		for _, l := range strings.Split(files[f], "\n") {
			if parseAptSource(l) != nil {
				has = true
			}
		}
		drop[f] = !has
	}
	if env.Diff {
		for _, f := range changedFiles {
			d := Diff{BeforeHeader: f, AfterHeader: f, Before: before[f], After: files[f]}
			if _, ok := before[f]; !ok {
				d.BeforeHeader = "/dev/null"
			}
			if drop[f] {
				d.AfterHeader, d.After = "/dev/null", ""
			}
			r.Diff = append(r.Diff, d)
		}
	}
	if env.Check {
		return r, nil
	}
	var rm []string
	for _, f := range changedFiles {
		if drop[f] {
			rm = append(rm, f)
			continue
		}
		po := connection.PutOptions{Become: env.Become}
		if _, existed := before[f]; !existed {
			po.Mode = "0644"
			if m.Mode != nil {
				md, err := connection.ParseMode(m.Mode)
				if err != nil {
					return Failf("%s", err), nil
				}
				po.Mode = fmt.Sprintf("%04o", md.Apply(0644, false, 022))
			}
		}
		if _, err := connection.Put(ctx, env.Conn, strings.NewReader(files[f]), f, po); err != nil {
			return nil, err
		}
	}
	var b strings.Builder
	if len(rm) > 0 {
		fmt.Fprintf(&b, "rm -f -- %s || exit 1\n", quoteAll(rm))
	}
	if m.UpdateCache {
		retries := max(m.UpdateCacheRetries, 1)
		fmt.Fprintf(&b, "i=0; until out=$(apt-get update -q 2>&1); do i=$((i+1)); if [ $i -ge %d ]; then echo \"$out\" >&2; exit 2; fi; d=$((1<<i)); [ $d -gt %d ] && d=%d; sleep $d; done\n",
			retries, m.UpdateCacheRetryMaxDelay, m.UpdateCacheRetryMaxDelay)
	}
	if b.Len() > 0 {
		res, err := hostRun(ctx, env, b.String(), aptEnv)
		if err != nil {
			return nil, err
		}
		if res.RC == 2 {
			return Failf("Failed to update apt cache: %s", strings.TrimSpace(string(res.Stderr))), nil
		}
		if res.RC != 0 {
			return cmdFailed(res, ""), nil
		}
	}
	return r, nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var _ Module = (*AptRepository)(nil)
var _ Validator = (*AptRepository)(nil)
