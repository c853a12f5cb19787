package modules

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

func init() {
	Register(Info{
		ID: "ansible.posix.mount", Aliases: []string{"mount"},
		New: func() Module { return &Mount{} }, CheckMode: true,
	})
}

// Mount keeps an fstab entry and, for mounted, unmounted, remounted and
// absent, the mount itself (mount(8), umount(8) on the host).
type Mount struct {
	// Path is the mount point.
	Path string `arg:"path,required,aliases=name,path"`
	// Src is the device, label or remote share to mount.
	Src string `arg:"src"`
	// Fstype is the filesystem type.
	Fstype string `arg:"fstype"`
	// Opts are the mount options.
	Opts string `arg:"opts"`
	// Dump is fstab's dump field.
	Dump *string `arg:"dump"`
	// Passno is fstab's fsck pass field.
	Passno *string `arg:"passno"`
	// State is whether the entry is in fstab and whether it is mounted.
	State string `arg:"state,required,choices=absent|absent_from_fstab|mounted|present|unmounted|remounted|ephemeral"`
	// Fstab is the file used instead of /etc/fstab.
	Fstab string `arg:"fstab"`
	// Boot mounts at boot; false adds noauto.
	Boot bool `arg:"boot,default=true"`
	// Backup keeps a timestamped copy of the old fstab.
	Backup bool `arg:"backup"`
	// OptsNoLog is accepted; fjord logs no module arguments anyway.
	OptsNoLog bool `arg:"opts_no_log"`
}

// Validate implements Validator.
func (m *Mount) Validate() error {
	switch m.State {
	case "mounted", "present", "ephemeral":
		var missing []string
		if m.Src == "" {
			missing = append(missing, "src")
		}
		if m.Fstype == "" {
			missing = append(missing, "fstype")
		}
		if len(missing) > 0 {
			return fmt.Errorf("state is %s but all of the following are missing: %s", m.State, strings.Join(missing, ", "))
		}
	}
	if m.State == "ephemeral" && m.Fstab != "" {
		return errors.New("parameters are mutually exclusive: fstab|state=ephemeral")
	}
	if m.Path != "/" {
		m.Path = strings.TrimRight(m.Path, "/")
	}
	return nil
}

// escapeFstab escapes what would split an fstab field, as fstab(5)
// octal escapes do.
func escapeFstab(s string) string {
	return strings.NewReplacer(`\`, `\134`, " ", `\040`, "\t", `\011`, "\n", `\012`, "&", `\046`).Replace(s)
}

// options is opts with Linux's default and boot=false's noauto.
func (m *Mount) options() string {
	opts := m.Opts
	if opts == "" {
		opts = "defaults"
	}
	for _, o := range strings.Split(opts, ",") {
		if o == "noauto" {
			return opts
		}
	}
	if !m.Boot {
		opts += ",noauto"
	}
	return opts
}

// fields are the entry's fstab fields, escaped.
func (m *Mount) fields() (src, name, fstype, opts, dump, passno string) {
	dump, passno = "0", "0"
	if m.Dump != nil {
		dump = *m.Dump
	}
	if m.Passno != nil {
		passno = *m.Passno
	}
	return escapeFstab(m.Src), escapeFstab(m.Path), escapeFstab(m.Fstype), escapeFstab(m.options()), dump, passno
}

func (m *Mount) fstab() string {
	if m.Fstab == "" {
		return "/etc/fstab"
	}
	return m.Fstab
}

// setEntry makes the fstab hold the entry: lines for the path are
// updated in place, or the entry is appended.
func (m *Mount) setEntry(content string) (string, bool) {
	src, name, fstype, opts, dump, passno := m.fields()
	entry := strings.Join([]string{src, name, fstype, opts, dump, passno}, " ") + "\n"
	var out strings.Builder
	exists, changed := false, false
	for _, l := range splitLines([]byte(content)) {
		f := strings.Fields(l)
		if strings.HasPrefix(strings.TrimSpace(l), "#") || len(f) < 4 || len(f) > 6 || f[1] != name {
			out.WriteString(l)
			continue
		}
		exists = true
		// A line without dump and passno is rewritten with them, as
		// Ansible does.
		if len(f) < 6 || f[0] != src || f[2] != fstype || f[3] != opts || f[4] != dump || f[5] != passno {
			changed = true
			out.WriteString(entry)
			continue
		}
		out.WriteString(l)
	}
	if !exists {
		s := out.String()
		if s != "" && !strings.HasSuffix(s, "\n") {
			out.WriteString("\n")
		}
		out.WriteString(entry)
		changed = true
	}
	return out.String(), changed
}

// unsetEntry drops every fstab line for the path.
func (m *Mount) unsetEntry(content string) (string, bool) {
	name := escapeFstab(m.Path)
	var out strings.Builder
	changed := false
	for _, l := range splitLines([]byte(content)) {
		f := strings.Fields(l)
		if !strings.HasPrefix(strings.TrimSpace(l), "#") && len(f) >= 2 && f[1] == name {
			changed = true
			continue
		}
		out.WriteString(l)
	}
	return out.String(), changed
}

// Run implements Module.
func (m *Mount) Run(ctx context.Context, env *Env) (*Result, error) {
	return Execute(ctx, env, m)
}

// mountChange is the script that applies a mount plan, and the new
// fstab it uploads (nil when the fstab stays).
type mountChange struct {
	script string
	fstab  *string
}

// Plan implements Planner: one round trip reads whether the path is
// mounted and the fstab (creating a missing one, as Ansible does even in
// check mode); the plan's script writes the fstab, keeping a copy to
// restore if mounting fails, then mounts or unmounts.
func (m *Mount) Plan(ctx context.Context, env *Env) (*Plan, error) {
	fstab := m.fstab()
	p := connection.Quote(m.Path)
	script := fmt.Sprintf("if mountpoint -q -- %s 2>/dev/null; then echo @@mounted; fi\n", p)
	if m.State == "ephemeral" {
		// What is mounted there, and what src names (a path or a TAG=).
		script += fmt.Sprintf(`echo "@@have $(findmnt -n -o SOURCE --mountpoint %s 2>/dev/null | head -n1)"
s=%s
case $s in *=*) r=$(findfs "$s" 2>/dev/null);; /*) r=$(readlink -f -- "$s");; *) r=;; esac
echo "@@want $r"
`, p, connection.Quote(m.Src))
	}
	if m.State != "ephemeral" {
		// Ansible creates a missing fstab first, check mode or not.
		script += fmt.Sprintf("f=%s\nif [ ! -e \"$f\" ]; then mkdir -p -- \"$(dirname -- \"$f\")\" && : >> \"$f\" || exit 1; fi\n", connection.Quote(fstab))
	}
	if m.State != "ephemeral" && m.State != "unmounted" && m.State != "remounted" {
		script += "echo @@fstab\ncat -- \"$f\"\ntrue\n"
	}
	res, err := hostRun(ctx, env, script, nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return &Plan{Result: cmdFailed(res, "")}, nil
	}
	out := string(res.Stdout)
	head, before, _ := strings.Cut(out, "@@fstab\n")
	mounted := strings.Contains(head, "@@mounted\n")

	_, _, _, _, dump, passno := m.fields()
	r := &Result{}
	pl := &Plan{Result: r}
	r.Set("name", m.Path).Set("src", m.Src).Set("fstype", m.Fstype).Set("opts", m.options()).
		Set("dump", dump).Set("passno", passno).Set("fstab", fstab).Set("boot", m.Boot).Set("backup", m.Backup)

	after, fstabChanged := before, false
	switch m.State {
	case "absent", "absent_from_fstab":
		after, fstabChanged = m.unsetEntry(before)
	case "mounted", "present":
		after, fstabChanged = m.setEntry(before)
	}
	if fstabChanged {
		pl.Diff = []Diff{{BeforeHeader: fstab, AfterHeader: fstab, Before: before, After: after}}
	}

	var b strings.Builder
	mountCmd := "mount"
	if m.Fstab != "" && fstab != "/etc/fstab" {
		mountCmd += " -T " + connection.Quote(fstab)
	}
	writeFstab := func() {
		fmt.Fprintf(&b, "f=%s; d=$(dirname -- \"$f\")\nmkdir -p -- \"$d\" || exit 1\n", connection.Quote(fstab))
		if m.Backup {
			b.WriteString("if [ -e \"$f\" ]; then bk=\"$f.$$.$(date +%Y-%m-%d@%H:%M:%S)~\"; cp -p -- \"$f\" \"$bk\" || exit 1; echo \"@@backup $bk\"; fi\n")
		}
		b.WriteString(`old=
if [ -e "$f" ]; then old=$(mktemp "$d/.fjord_old.XXXXXXXX") || exit 1; cp -p -- "$f" "$old" || exit 1; fi
`)
		b.WriteString(connection.RecvScript(connection.UploadOf(after), 1))
		b.WriteString(`if [ -e "$f" ]; then chmod --reference="$f" "$t"; chown --reference="$f" "$t"; else chmod 0644 "$t"; fi
mv -f -- "$t" "$f" || exit 1
trap - EXIT
`)
	}
	restore := `{ if [ -n "$old" ]; then mv -f -- "$old" "$f"; fi; }`
	dropOld := "[ -z \"$old\" ] || rm -f -- \"$old\"\n"
	switch m.State {
	case "present", "absent_from_fstab":
		pl.Changed = fstabChanged
		if fstabChanged {
			writeFstab()
			b.WriteString(dropOld)
		}
	case "absent":
		pl.Changed = fstabChanged
		if fstabChanged {
			writeFstab()
			b.WriteString(dropOld)
			if mounted {
				fmt.Fprintf(&b, "umount -- %s || { echo \"Error unmounting %s\" >&2; exit 1; }\n", p, m.Path)
			}
			fmt.Fprintf(&b, "if [ -e %[1]s ]; then rmdir -- %[1]s || { echo \"Error rmdir %[2]s\" >&2; exit 1; }; fi\n", p, m.Path)
		}
	case "unmounted":
		if mounted {
			pl.Changed = true
			fmt.Fprintf(&b, "umount -- %s || exit 1\n", p)
		}
	case "remounted":
		pl.Changed = true
		fmt.Fprintf(&b, "%[1]s -o remount %[2]s 2>/dev/null || { umount -- %[2]s; %[1]s %[2]s; } || exit 1\n", mountCmd, p)
	case "mounted":
		if mounted && !fstabChanged {
			break
		}
		fmt.Fprintf(&b, "made=; if [ ! -e %[1]s ]; then made=1; mkdir -p -- %[1]s || exit 1; fi\n", p)
		if fstabChanged {
			writeFstab()
		} else {
			b.WriteString("old=\n")
		}
		switch {
		case mounted && fstabChanged:
			pl.Changed = true
			fmt.Fprintf(&b, "out=$({ %[1]s -o remount %[2]s || { umount -- %[2]s && %[1]s %[2]s; }; } 2>&1) || {\n", mountCmd, p)
		case !mounted:
			pl.Changed = true
			fmt.Fprintf(&b, "out=$(%s %s 2>&1) || {\n", mountCmd, p)
		}
		if pl.Changed {
			// A broken fstab entry may stop the next boot: undo it.
			fmt.Fprintf(&b, "%s; [ -z \"$made\" ] || rmdir -- %s; printf 'Error mounting %%s: %%s\\n' %s \"$out\" >&2; exit 1; }\n", restore, p, connection.Quote(m.Path))
		}
		if fstabChanged {
			b.WriteString(dropOld)
		}
	case "ephemeral":
		// Always a change, as in Ansible: mounted, or remounted with opts.
		pl.Changed = true
		o := m.Opts
		if o == "" {
			o = "defaults"
		}
		if mounted {
			have, want := "", ""
			for _, l := range strings.Split(head, "\n") {
				if v, ok := strings.CutPrefix(l, "@@have "); ok {
					have = v
				}
				if v, ok := strings.CutPrefix(l, "@@want "); ok {
					want = v
				}
			}
			if have != m.Src && (want == "" || have != want) {
				return &Plan{Result: Failf("Ephemeral mount point is already mounted with a different source than the specified one. Failing in order to prevent an unwanted unmount or override operation. Try to specify a different mount point, or unmount the current one.")}, nil
			}
			fmt.Fprintf(&b, "mount -o %s -- %s || exit 1\n", connection.Quote("remount,"+o), p)
		} else {
			fmt.Fprintf(&b, "mkdir -p -- %[1]s && mount -t %[2]s -o %[3]s -- %[4]s %[1]s || exit 1\n", p,
				connection.Quote(m.Fstype), connection.Quote(o), connection.Quote(m.Src))
		}
	}
	c := &mountChange{script: b.String()}
	if fstabChanged {
		c.fstab = &after
	}
	pl.Detail = c
	return pl, nil
}

// Apply implements Planner.
func (m *Mount) Apply(ctx context.Context, env *Env, pl *Plan) (*Result, error) {
	c := pl.Detail.(*mountChange)
	cmd := &connection.Cmd{Command: c.script, Env: env.Environment, Become: env.Become}
	if c.fstab != nil {
		cmd.Stdin = strings.NewReader(*c.fstab)
	}
	res, err := env.Conn.Exec(ctx, cmd)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if bk, ok := strings.CutPrefix(l, "@@backup "); ok {
			pl.Result.Set("backup_file", bk)
		}
	}
	return pl.Result, nil
}

var _ Module = (*Mount)(nil)
var _ Validator = (*Mount)(nil)
var _ Planner = (*Mount)(nil)
