package modules

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.known_hosts", Aliases: []string{"known_hosts"},
		New: func() Module { return &KnownHosts{} }, CheckMode: true,
	})
}

// KnownHosts adds or removes a host's keys in a known_hosts file. The
// host's ssh-keygen -F finds entries (hashed ones too), as Ansible's
// module does.
type KnownHosts struct {
	// Name is the host, as written in the known_hosts file.
	Name string `arg:"name,required,aliases=host"`
	// Key is the known_hosts line for the host, host name included.
	Key string `arg:"key"`
	// Path is the known_hosts file.
	Path string `arg:"path,default=~/.ssh/known_hosts"`
	// HashHost hashes the host name in the written line.
	HashHost bool `arg:"hash_host"`
	// State says whether the host's key is in the file.
	State string `arg:"state,default=present,choices=absent|present"`
}

var foundLineRe = regexp.MustCompile(`found: line (\d+)`)

var commaNamesRe = regexp.MustCompile(`\S+(\s+)?,(\s+)?`)

// Validate implements Validator.
func (m *KnownHosts) Validate() error {
	m.Name = strings.ToLower(m.Name)
	if m.Key == "" && m.State != "absent" {
		return errors.New("No key specified when adding a host")
	}
	if m.Key != "" && commaNamesRe.MatchString(m.Name) {
		return errors.New("Comma separated list of names is not supported. Please pass a single name to lookup in the known_hosts file.")
	}
	return nil
}

// knownKey is a known_hosts line's fields, less any comment.
type knownKey struct{ marker, host, typ, key string }

func parseKnownKey(line string) (knownKey, bool) {
	f := strings.Fields(line)
	if len(f) > 0 && strings.HasPrefix(f[0], "@") {
		if len(f) < 4 {
			return knownKey{}, false
		}
		return knownKey{f[0], f[1], f[2], f[3]}, true
	}
	if len(f) < 3 {
		return knownKey{}, false
	}
	return knownKey{"", f[0], f[1], f[2]}, true
}

// hashKnownHost replaces key's host field with |1|salt|hmac, the form
// ssh's HashKnownHosts writes.
func hashKnownHost(host, key string) (string, error) {
	salt := make([]byte, 20)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	h := hmac.New(sha1.New, salt)
	h.Write([]byte(host))
	parts := strings.Fields(key)
	i := 0
	if len(parts) > 0 && strings.HasPrefix(parts[0], "@") {
		i = 1
	}
	if i >= len(parts) {
		return "", errors.New("invalid key")
	}
	parts[i] = "|1|" + base64.StdEncoding.EncodeToString(salt) + "|" + base64.StdEncoding.EncodeToString(h.Sum(nil))
	return strings.Join(parts, " "), nil
}

// Run implements Module.
func (m *KnownHosts) Run(ctx context.Context, env *Env) (*Result, error) {
	return Execute(ctx, env, m)
}

// knownHostsWrite is the script that writes the planned file, and its
// input.
type knownHostsWrite struct {
	script string
	stdin  *string
}

// Plan implements Planner: one round trip finds the host's entries and
// reads the file.
func (m *KnownHosts) Plan(ctx context.Context, env *Env) (*Plan, error) {
	key := m.Key
	if key != "" && m.HashHost {
		var err error
		if key, err = hashKnownHost(m.Name, key); err != nil {
			return &Plan{Result: Failf("%s", err)}, nil
		}
	}
	if key != "" && !strings.HasSuffix(key, "\n") {
		key += "\n"
	}
	host := connection.Quote(m.Name)
	var b strings.Builder
	fmt.Fprintf(&b, "f=%s\nprintf '@@path %%s\\n' \"$f\"\n", hostPath(m.Path))
	b.WriteString("command -v ssh-keygen >/dev/null || { echo 'Failed to find required executable \"ssh-keygen\" in paths' >&2; exit 1; }\n")
	b.WriteString("e=$(mktemp) || exit 1\ntrap 'rm -f -- \"$e\" \"$k\"' EXIT\n")
	if key != "" {
		// The key must name the host, as ssh-keygen -F reads it.
		fmt.Fprintf(&b, "k=$(mktemp) || exit 1\nprintf '%%s' %s > \"$k\"\n", connection.Quote(key))
		fmt.Fprintf(&b, "echo @@sanity\nssh-keygen -F %s -f \"$k\" 2>/dev/null\n", host)
	}
	fmt.Fprintf(&b, "if [ -e \"$f\" ]; then echo @@search; ssh-keygen -F %s -f \"$f\" 2>\"$e\"; echo \"@@rc $?\"; echo @@stderr; cat \"$e\"; fi\n", host)
	b.WriteString("if [ -f \"$f\" ]; then echo @@content; cat -- \"$f\"; fi\ntrue\n")
	res, err := hostRun(ctx, env, b.String(), nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return &Plan{Result: cmdFailed(res, "")}, nil
	}
	out := string(res.Stdout)
	head, content, exists := strings.Cut(out, "@@content\n")
	sec := Sections(head)
	var path string
	for _, l := range strings.Split(head, "\n") {
		if p, ok := strings.CutPrefix(l, "@@path "); ok {
			path = p
		}
	}
	if key != "" && strings.TrimSpace(sec["sanity"]) == "" {
		return &Plan{Result: Failf("Host parameter does not match hashed host field in supplied key")}, nil
	}
	r := &Result{}
	p := &Plan{Result: r}
	r.Set("name", m.Name).Set("key", m.Key).Set("path", m.Path).Set("hash_host", m.HashHost).Set("state", m.State)

	// Search: is the host there, and is a key of the same type there?
	found, replace, foundLine := false, false, 0
	var allLines []int // every line of the host, when no key is given
	if _, searched := sec["search"]; searched {
		stdout, stderr := sec["search"], sec["stderr"]
		rc := -1
		for k := range sec {
			if n, ok := strings.CutPrefix(k, "rc "); ok {
				rc, _ = strconv.Atoi(n)
			}
		}
		switch {
		case stdout == "" && stderr == "" && (rc == 0 || rc == 1):
		case rc != 0:
			return &Plan{Result: Failf("ssh-keygen failed (rc=%d, stdout='%s',stderr='%s')", rc, stdout, stderr)}, nil
		case key == "":
			found = true
			for _, g := range foundLineRe.FindAllStringSubmatch(stdout, -1) {
				n, _ := strconv.Atoi(g[1])
				allLines = append(allLines, n)
			}
		default:
			found, replace = true, true
			want, _ := parseKnownKey(key)
			line := 0
			for _, l := range strings.Split(stdout, "\n") {
				if l == "" {
					continue
				}
				if l[0] == '#' {
					if g := foundLineRe.FindStringSubmatch(l); g != nil {
						line, _ = strconv.Atoi(g[1])
					}
					continue
				}
				have, ok := parseKnownKey(l)
				if !ok {
					continue
				}
				w := want
				if strings.HasPrefix(w.host, "|1|") && strings.HasPrefix(have.host, "|1|") {
					// An already hashed entry keeps its hash.
					w.host = have.host
				}
				if w == have {
					replace, foundLine = false, line
					break
				}
				if w.typ == have.typ {
					foundLine = line
					break
				}
			}
		}
	}
	before := content
	lines := splitLines([]byte(content))
	after := lines
	if (replace || m.State == "absent") && foundLine >= 1 && foundLine <= len(lines) {
		after = append(append([]string{}, lines[:foundLine-1]...), lines[foundLine:]...)
	}
	if len(allLines) > 0 {
		drop := map[int]bool{}
		for _, n := range allLines {
			drop[n] = true
		}
		after = nil
		for i, l := range lines {
			if !drop[i+1] {
				after = append(after, l)
			}
		}
	}
	if m.State == "present" && (replace || foundLine == 0) {
		after = append(after, key)
	}
	d := Diff{BeforeHeader: path, AfterHeader: path, Before: before, After: strings.Join(after, "")}
	if !exists {
		d.BeforeHeader = "/dev/null"
	}
	p.Diff = []Diff{d}
	p.ReturnDiff = true
	if m.State == "absent" && foundLine == 0 && key != "" {
		return p, nil
	}
	p.Changed = replace || found != (m.State == "present")
	if !p.Changed {
		return p, nil
	}
	var script string
	var stdin *string
	if found && key == "" && m.State == "absent" {
		// Every entry of the host goes, hashed or not; ssh-keygen keeps
		// the old file as path.old.
		script = fmt.Sprintf("ssh-keygen -R %s -f %s >/dev/null\n", host, connection.Quote(path))
	} else {
		text := strings.Join(after, "")
		stdin = &text
		script = fmt.Sprintf(`f=%s; d=$(dirname -- "$f")
[ -d "$d" ] || mkdir -p -m 0700 -- "$d" || exit 1
`, connection.Quote(path)) + connection.RecvScript(connection.UploadOf(strings.Join(after, "")), 1) + fmt.Sprintf(`if [ -e "$f" ]; then chmod --reference="$f" "$t"; chown --reference="$f" "$t" 2>/dev/null; else chmod "$(printf %%o $((0666 & ~$(umask))))" "$t"; fi
mv -f -- "$t" "$f" || exit 1
trap - EXIT
`)
	}
	p.Detail = &knownHostsWrite{script: script, stdin: stdin}
	return p, nil
}

// Apply implements Planner.
func (m *KnownHosts) Apply(ctx context.Context, env *Env, p *Plan) (*Result, error) {
	w := p.Detail.(*knownHostsWrite)
	cmd := &connection.Cmd{Command: w.script, Env: env.Environment, Become: env.Become}
	if w.stdin != nil {
		cmd.Stdin = strings.NewReader(*w.stdin)
	}
	res, err := env.Conn.Exec(ctx, cmd)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	return p.Result, nil
}

var _ Module = (*KnownHosts)(nil)
var _ Validator = (*KnownHosts)(nil)
var _ Planner = (*KnownHosts)(nil)
