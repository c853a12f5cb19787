package modules

import (
	"context"
	"encoding/base64"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/dryrun"
)

func init() {
	Register(Info{
		ID: "ansible.posix.authorized_key", Aliases: []string{"authorized_key"},
		New: func() Module { return &AuthorizedKey{} }, CheckMode: true,
	})
}

// AuthorizedKey adds or removes SSH public keys in a user's
// authorized_keys file.
type AuthorizedKey struct {
	// User is the account whose authorized_keys file is managed.
	User string `arg:"user,required"`
	// Key is one or more public keys, one a line; blank lines and lines
	// starting with # are ignored.
	Key string `arg:"key,required"`
	// Path is the authorized_keys file; default ~user/.ssh/authorized_keys.
	Path string `arg:"path"`
	// ManageDir creates the .ssh directory and fixes its owner and mode.
	ManageDir bool `arg:"manage_dir,default=true"`
	// State says whether the key is in the file.
	State string `arg:"state,default=present,choices=absent|present"`
	// KeyOptions are the ssh options put before the key.
	KeyOptions *string `arg:"key_options"`
	// Exclusive removes every other key from the file.
	Exclusive bool `arg:"exclusive"`
	// ValidateCerts checks TLS certificates when key is a URL.
	ValidateCerts bool `arg:"validate_certs,default=true"`
	// Comment replaces the key's comment.
	Comment *string `arg:"comment"`
	// Follow follows a symlinked authorized_keys file.
	Follow bool `arg:"follow"`
}

// sshKeyTypes are the key types a line's type field may name.
var sshKeyTypes = map[string]bool{
	"ssh-dss": true, "ssh-rsa": true, "ssh-ed25519": true, "ssh-ed448": true,
	"ecdsa-sha2-nistp256": true, "ecdsa-sha2-nistp384": true, "ecdsa-sha2-nistp521": true,
	"sk-ecdsa-sha2-nistp256@openssh.com": true, "sk-ssh-ed25519@openssh.com": true,
	"ssh-rsa-cert-v01@openssh.com": true, "ssh-dss-cert-v01@openssh.com": true,
	"ssh-ed25519-cert-v01@openssh.com": true, "ssh-ed448-cert-v01@openssh.com": true,
	"ecdsa-sha2-nistp256-cert-v01@openssh.com": true, "ecdsa-sha2-nistp384-cert-v01@openssh.com": true,
	"ecdsa-sha2-nistp521-cert-v01@openssh.com":    true,
	"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com": true, "sk-ssh-ed25519-cert-v01@openssh.com": true,
}

// sshOption is one key option: "no-pty" (hasValue false) or
// command="..." (Value keeps its quotes).
type sshOption struct {
	Name, Value string
	HasValue    bool
}

// authKey is one line of an authorized_keys file. A line that is not a
// key (comment, blank, garbage) has typ "" and is kept as raw.
type authKey struct {
	blob, typ, comment string
	options            []sshOption
	raw                string
	rank               int
}

// parseSSHOptions splits "a,b=c,command=\"x,y\"" at commas outside
// double quotes.
func parseSSHOptions(s string) []sshOption {
	var out []sshOption
	var cur strings.Builder
	quoted := false
	flush := func() {
		item := strings.TrimSpace(cur.String())
		cur.Reset()
		if item == "" {
			return
		}
		if k, v, ok := strings.Cut(item, "="); ok {
			out = append(out, sshOption{Name: k, Value: v, HasValue: true})
		} else {
			out = append(out, sshOption{Name: item})
		}
	}
	for _, c := range s {
		switch {
		case c == '"':
			quoted = !quoted
			cur.WriteRune(c)
		case c == ',' && !quoted:
			flush()
		default:
			cur.WriteRune(c)
		}
	}
	flush()
	return out
}

func sameOptions(a, b []sshOption) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]sshOption{}
	for _, o := range a {
		m[o.Name] = o
	}
	for _, o := range b {
		if x, ok := m[o.Name]; !ok || x != o {
			return false
		}
	}
	return true
}

// parseAuthKey reads one line: [options] type blob [comment]. ok is false
// when the line holds no key type.
func parseAuthKey(line string, rank int) (authKey, bool) {
	k := authKey{raw: line, rank: rank}
	fields := strings.Fields(strings.ReplaceAll(line, `\#`, "#"))
	if len(fields) > 0 && fields[0] == "#" || len(fields) == 0 {
		return k, false
	}
	ti := -1
	for i, f := range fields {
		if sshKeyTypes[f] {
			ti = i
			break
		}
	}
	if ti < 0 || ti+1 >= len(fields) {
		return k, false
	}
	if ti > 0 {
		k.options = parseSSHOptions(strings.Join(fields[:ti], " "))
	}
	k.typ, k.blob = fields[ti], fields[ti+1]
	k.comment = strings.Join(fields[ti+2:], " ")
	return k, true
}

func (k *authKey) String() string {
	if k.typ == "" {
		if strings.HasSuffix(k.raw, "\n") {
			return k.raw
		}
		return k.raw + "\n"
	}
	var b strings.Builder
	for i, o := range k.options {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(o.Name)
		if o.HasValue {
			b.WriteString("=" + o.Value)
		}
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	// Ansible writes the separator even without a comment; so does
	// this, so that files stay byte for byte the same under either tool.
	b.WriteString(k.typ + " " + k.blob + " " + k.comment)
	return b.String() + "\n"
}

// Run implements Module.
func (m *AuthorizedKey) Run(ctx context.Context, env *Env) (*Result, error) {
	u := connection.Quote(m.User)
	var b strings.Builder
	fromURL := strings.HasPrefix(m.Key, "http")
	if fromURL {
		// The host fetches the keys, as Ansible's module does there.
		k, w := "", ""
		if !m.ValidateCerts {
			k, w = "-k ", "--no-check-certificate "
		}
		fmt.Fprintf(&b, "if command -v curl >/dev/null; then k=$(curl -fsSL %[1]s-- %[3]s); else k=$(wget -q %[2]s-O- -- %[3]s); fi || { echo @@urlfail; exit 0; }\n",
			k, w, connection.Quote(m.Key))
		b.WriteString("printf '@@key %s\\n' \"$(printf '%s' \"$k\" | base64 -w0)\"\n")
	}
	fmt.Fprintf(&b, "e=$(getent passwd -- %s) || { echo @@nouser; exit 0; }\n", u)
	b.WriteString("home=$(printf '%s\\n' \"$e\" | cut -d: -f6)\n")
	if m.Path != "" {
		fmt.Fprintf(&b, "f=%s\n", hostPath(m.Path))
	} else {
		b.WriteString("f=\"$home/.ssh/authorized_keys\"\n")
	}
	if m.Follow {
		b.WriteString("f=$(readlink -m -- \"$f\")\n")
	}
	b.WriteString("printf '@@file %s\\n' \"$f\"\necho @@content\n[ -f \"$f\" ] && cat -- \"$f\"\ntrue\n")
	res, err := hostRun(ctx, env, b.String(), nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	out := string(res.Stdout)
	if strings.HasPrefix(out, "@@urlfail") {
		return Failf("Error getting key from: %s", m.Key), nil
	}
	given := m.Key
	if fromURL {
		line, rest, _ := strings.Cut(out, "\n")
		data, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(line, "@@key "))
		if err != nil {
			return Failf("Error getting key from: %s", m.Key), nil
		}
		given, out = string(data), rest
	}
	pu, predicted := predictedUser(env, m.User)
	if strings.HasPrefix(out, "@@nouser") && pu == nil || predicted && pu == nil {
		return Failf("Failed to lookup user %s: getpwnam(): name not found: '%s'", m.User, m.User), nil
	}
	head, content, _ := strings.Cut(out, "@@content\n")
	keyfile := strings.TrimSuffix(strings.TrimPrefix(head, "@@file "), "\n")
	if predicted {
		// an account earlier tasks of the check run would create or
		// change: its home is the predicted one
		if keyfile, err = m.predictedKeyfile(ctx, env, pu.Home); err != nil {
			return nil, err
		}
	}
	if env.Check && env.Sim != nil {
		if _, _, ok := env.Sim.Stat(keyfile); ok || predicted {
			fi, b, err := connection.StatRead(ctx, env.Conn, keyfile, connection.StatOptions{Follow: true, Become: env.Become})
			if err != nil {
				return nil, err
			}
			content = ""
			if fi.Exists {
				content = string(b)
			}
		}
	}

	existing := map[string]*authKey{}
	lines := splitLines([]byte(content))
	for i, l := range lines {
		k, ok := parseAuthKey(l, i)
		if !ok {
			existing["\x00"+l+fmt.Sprint(i)] = &k
			continue
		}
		existing[k.blob] = &k
	}
	maxRank := len(lines)
	var want []string
	write := false
	for i, l := range splitPyLines(given) {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k, ok := parseAuthKey(l, i)
		if !ok {
			return Failf("invalid key specified: %s", l), nil
		}
		if m.KeyOptions != nil {
			k.options = parseSSHOptions(*m.KeyOptions)
		}
		if m.Comment != nil {
			k.comment = *m.Comment
		}
		old, found := existing[k.blob]
		same := found && old.typ == k.typ && old.comment == k.comment && sameOptions(old.options, k.options)
		if m.State == "absent" {
			if found {
				delete(existing, k.blob)
				write = true
			}
			continue
		}
		want = append(want, k.blob)
		if !same {
			// New and changed keys go after every existing line, in
			// the order given.
			k.rank = maxRank + i
			existing[k.blob] = &k
			write = true
		}
	}
	if m.State == "present" && m.Exclusive {
		keep := map[string]bool{}
		for _, w := range want {
			keep[w] = true
		}
		for id := range existing {
			if !keep[id] {
				delete(existing, id)
				write = true
			}
		}
	}
	r := &Result{Changed: write}
	if predicted {
		r.Set("predicted", true).Set("msg", "for the account as earlier tasks of this check run would leave it")
	}
	r.Set("user", m.User).Set("key", m.Key).Set("keyfile", keyfile).Set("state", m.State).
		Set("manage_dir", m.ManageDir).Set("exclusive", m.Exclusive).Set("follow", m.Follow).
		Set("validate_certs", m.ValidateCerts)
	setOpt := func(k string, v *string) {
		if v == nil {
			r.Set(k, nil)
		} else {
			r.Set(k, *v)
		}
	}
	setOpt("key_options", m.KeyOptions)
	setOpt("comment", m.Comment)
	if m.Path != "" {
		r.Set("path", m.Path)
	} else {
		r.Set("path", nil)
	}
	if !write {
		return r, nil
	}
	keys := make([]*authKey, 0, len(existing))
	for _, k := range existing {
		keys = append(keys, k)
	}
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].rank < keys[j].rank })
	var nb strings.Builder
	for _, k := range keys {
		nb.WriteString(k.String())
	}
	after := nb.String()
	if env.Diff {
		r.Diff = []Diff{{BeforeHeader: keyfile, AfterHeader: keyfile, Before: content, After: after}}
	}
	if err := m.predict(ctx, env, keyfile, after, pu); err != nil {
		return nil, err
	}
	if env.Check {
		return r, nil
	}
	// The directory (when managed) is the user's and 0700, the file the
	// user's and 0600, as sshd's StrictModes wants.
	b.Reset()
	fmt.Fprintf(&b, "f=%s; d=$(dirname -- \"$f\")\n", connection.Quote(keyfile))
	if m.ManageDir {
		b.WriteString("mkdir -p -m 0700 -- \"$d\" || exit 1\n")
		fmt.Fprintf(&b, "chown -- %s: \"$d\" && chmod 0700 \"$d\" || exit 1\n", u)
	} else {
		b.WriteString("mkdir -p -- \"$d\" || exit 1\n")
	}
	b.WriteString(connection.RecvScript(connection.UploadOf(after), 1))
	fmt.Fprintf(&b, `chown -- %s: "$t" 2>/dev/null
chmod 0600 "$t" || exit 1
mv -f -- "$t" "$f" || exit 1
trap - EXIT
`, u)
	res, err = env.Conn.Exec(ctx, &connection.Cmd{Command: b.String(), Stdin: strings.NewReader(after), Env: env.Environment, Become: env.Become})
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	return r, nil
}

// predictedKeyfile is the authorized_keys file of an account a check
// run predicts, whose home is home.
func (m *AuthorizedKey) predictedKeyfile(ctx context.Context, env *Env, home string) (string, error) {
	p := m.Path
	switch {
	case p == "":
		p = path.Join(home, ".ssh", "authorized_keys")
	case !path.IsAbs(p):
		// ~ is the connecting user's home, as in the host's script
		res, err := hostRun(ctx, env, "printf '%s' "+hostPath(p), nil)
		if err != nil {
			return "", err
		}
		p = string(res.Stdout)
	}
	return p, nil
}

// predict records the keyfile a check-mode task would write (and, with
// manage_dir, the directory it would create); pu is the account when
// the run predicts it.
func (m *AuthorizedKey) predict(ctx context.Context, env *Env, keyfile, after string, pu *dryrun.User) error {
	if env.Sim == nil {
		return nil
	}
	group := ""
	if pu != nil {
		group = pu.Group
	}
	if d := path.Dir(keyfile); env.Check && m.ManageDir {
		fi, err := connection.Stat(ctx, env.Conn, d, connection.StatOptions{Become: env.Become})
		if err != nil {
			return err
		}
		if !fi.Exists {
			predictFile(env, d, dryrun.File{Type: "directory", New: true, Mode: 0o700, Owner: m.User, Group: group})
		}
	}
	predictFile(env, keyfile, dryrun.File{Type: "file", Content: []byte(after), Known: true, Mode: 0o600, Owner: m.User, Group: group})
	return nil
}

var _ Module = (*AuthorizedKey)(nil)
