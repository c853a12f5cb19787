package modules

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/dryrun"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.cron", Aliases: []string{"cron"},
		New: func() Module { return &Cron{} }, CheckMode: true,
	})
}

// Cron manages named jobs and environment variables in a user's crontab
// (through crontab(1)) or in a cron file such as /etc/cron.d/NAME. Jobs
// carry a "#Ansible: NAME" comment line, as Ansible writes them, so the
// same crontab can be managed by either tool.
type Cron struct {
	// Name is the job's or variable's name, kept as a comment in the crontab.
	Name string `arg:"name,required"`
	// User is the crontab's owner.
	User string `arg:"user"`
	// Job is the command to run.
	Job *string `arg:"job,aliases=value"`
	// CronFile is a file under /etc/cron.d used instead of the user's crontab.
	CronFile string `arg:"cron_file"`
	// State says whether the job or variable is present.
	State string `arg:"state,default=present,choices=absent|present"`
	// Backup keeps the old crontab in a temporary file.
	Backup bool `arg:"backup"`
	// Minute is the job's minute field.
	Minute string `arg:"minute,default=*"`
	// Hour is the job's hour field.
	Hour string `arg:"hour,default=*"`
	// Day is the job's day of month field.
	Day string `arg:"day,default=*,aliases=dom"`
	// Month is the job's month field.
	Month string `arg:"month,default=*"`
	// Weekday is the job's day of week field.
	Weekday string `arg:"weekday,default=*,aliases=dow"`
	// SpecialTime is an @ schedule used instead of the five fields.
	SpecialTime string `arg:"special_time,choices=annually|daily|hourly|monthly|reboot|weekly|yearly"`
	// Disabled comments the job out.
	Disabled bool `arg:"disabled"`
	// Env manages an environment variable (name=job) instead of a job.
	Env bool `arg:"env"`
	// InsertAfter puts a new variable after this variable.
	InsertAfter string `arg:"insertafter"`
	// InsertBefore puts a new variable before this variable.
	InsertBefore string `arg:"insertbefore"`
}

const cronMarker = "#Ansible: "

var cronFileNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Validate implements Validator.
func (m *Cron) Validate() error {
	present := m.State == "present"
	switch {
	case m.InsertAfter != "" && m.InsertBefore != "":
		return errors.New("parameters are mutually exclusive: insertafter|insertbefore")
	case m.SpecialTime != "" && (m.Minute != "*" || m.Hour != "*" || m.Day != "*" || m.Month != "*" || m.Weekday != "*"):
		return errors.New("You must specify time and date fields or special time.")
	case m.CronFile != "" && present && m.User == "":
		return errors.New("To use cron_file=... parameter you must specify user=... as well")
	case m.Job == nil && present:
		return errors.New("You must specify 'job' to install a new cron job or variable")
	case (m.InsertAfter != "" || m.InsertBefore != "") && !m.Env && present:
		return errors.New("Insertafter and insertbefore parameters are valid only with env=yes")
	case m.Env && strings.Contains(m.Name, " "):
		return errors.New("Invalid name for environment variable")
	}
	return nil
}

func (m *Cron) file() string {
	if m.CronFile == "" || path.IsAbs(m.CronFile) {
		return m.CronFile
	}
	return path.Join("/etc/cron.d", m.CronFile)
}

// crontabCmd runs crontab for the user: -u only names another user, since
// an unprivileged crontab refuses -u even for oneself.
func (m *Cron) crontabCmd(args string) string {
	if m.User == "" {
		return "crontab " + args
	}
	u := connection.Quote(m.User)
	return fmt.Sprintf(`if [ "$(id -un)" = %s ]; then crontab %s; else crontab -u %s %s; fi`, u, args, u, args)
}

// Run implements Module.
func (m *Cron) Run(ctx context.Context, env *Env) (*Result, error) {
	file := m.file()
	var script string
	if file != "" {
		script = fmt.Sprintf("f=%s\nif [ -e \"$f\" ]; then echo @@exists; cat -- \"$f\" || exit 1; fi\n", connection.Quote(file))
	} else {
		script = "out=$(" + m.crontabCmd("-l") + " 2>&1; echo \"@@rc $?\")\n" +
			"case $out in *'@@rc 0') echo @@exists; printf '%s' \"${out%@@rc 0}\";; *'no crontab for'*) ;; *) printf '%s\\n' \"${out%@@rc *}\" >&2; exit 1;; esac\n"
	}
	exists, existing, known, err := m.predicted(ctx, env, file)
	if err != nil {
		return nil, err
	}
	if !known {
		res, err := hostRun(ctx, env, script, nil)
		if err != nil {
			return nil, err
		}
		if res.RC != 0 {
			return cmdFailed(res, ""), nil
		}
		out := string(res.Stdout)
		exists = strings.HasPrefix(out, "@@exists\n")
		existing = strings.TrimPrefix(out, "@@exists\n")
	}
	ct := parseCrontab(existing)
	header := "crontab"
	switch {
	case file != "":
		header = file
	case m.User != "":
		header = fmt.Sprintf("crontab for user %q", m.User)
	}
	r := &Result{}
	if known && file == "" {
		r.Set("predicted", true).Set("msg", "the crontab as earlier tasks of this check run would leave it")
	}
	var warnings []any
	if file != "" && !cronFileNameRe.MatchString(path.Base(file)) {
		warnings = append(warnings, fmt.Sprintf("Filename portion of cron_file (%q) should consist solely of upper- and lower-case letters, digits, underscores, and hyphens", path.Base(file)))
	}
	if m.Job != nil && !m.Env && strings.ContainsAny(strings.Trim(*m.Job, "\r\n"), "\r\n") {
		warnings = append(warnings, "Job should not contain line breaks")
	}
	if len(warnings) > 0 {
		r.Set("warnings", warnings)
	}
	done := func() (*Result, error) {
		if file != "" {
			r.Set("cron_file", m.CronFile)
		}
		return r, nil
	}
	before := ct.render()
	changed := false
	if m.Env {
		decl := ""
		if m.Job != nil {
			decl = m.Name + `="` + *m.Job + `"`
		}
		i := ct.findEnv(m.Name)
		switch {
		case m.State == "present" && i < 0:
			if err := ct.addEnv(decl, m.InsertAfter, m.InsertBefore); err != nil {
				return Failf("%s", err), nil
			}
			changed = true
		case m.State == "present" && ct.lines[i] != decl:
			ct.lines[i] = decl
			changed = true
		case m.State == "absent" && i >= 0:
			ct.lines = append(ct.lines[:i], ct.lines[i+1:]...)
			changed = true
		}
	} else if m.State == "present" {
		job := m.render(file != "")
		i, legacy := ct.findJob(m.Name, job)
		switch {
		case i < 0:
			ct.lines = append(ct.lines, cronMarker+m.Name, job)
			changed = true
		case legacy || ct.lines[i+1] != job:
			ct.updateJob(m.Name, job)
			changed = true
		}
	} else if i, _ := ct.findJob(m.Name, ""); i >= 0 {
		ct.updateJob(m.Name, "")
		changed = true
		if file != "" && ct.empty() {
			// A cron file left without jobs is removed.
			r.Changed = true
			if env.Diff {
				r.Diff = []Diff{{BeforeHeader: header, Before: before, AfterHeader: "/dev/null"}}
			}
			r.Set("state", "absent")
			predictFile(env, file, dryrun.File{})
			if !env.Check {
				res, err := hostRun(ctx, env, "rm -f -- "+connection.Quote(file), nil)
				if err != nil {
					return nil, err
				}
				if res.RC != 0 {
					return cmdFailed(res, ""), nil
				}
			}
			return done()
		}
	}
	// An existing crontab without a final newline is rewritten with one.
	if !changed && existing != "" && !strings.HasSuffix(existing, "\n") && !strings.HasSuffix(existing, "\r") {
		changed = true
	}
	r.Changed = changed
	r.Set("jobs", ct.jobNames()).Set("envs", ct.envNames())
	if !changed {
		return done()
	}
	after := ct.render()
	if env.Diff {
		r.Diff = []Diff{{BeforeHeader: header, Before: existing, AfterHeader: header, After: after}}
	}
	m.predict(env, file, exists, after)
	if env.Check {
		return done()
	}
	var b strings.Builder
	if m.Backup {
		fmt.Fprintf(&b, "bk=$(mktemp /tmp/crontabXXXXXXXX) || exit 1\nprintf '%%s' %s > \"$bk\" || exit 1\necho \"@@backup $bk\"\n", connection.Quote(before))
	}
	if file != "" {
		b.WriteString(cronFileWrite(file, exists, after))
	} else {
		// crontab - would install whatever part of stdin arrived; the
		// table goes through a verified temporary file instead.
		b.WriteString("f=crontab; d=${TMPDIR:-/tmp}\n" + connection.RecvScript(connection.UploadOf(after), 1))
		b.WriteString(m.crontabCmd(`"$t"`) + " || exit 1\n")
	}
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: b.String(), Stdin: strings.NewReader(after), Env: env.Environment, Become: env.Become})
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if bk, ok := strings.CutPrefix(l, "@@backup "); ok {
			r.Set("backup_file", bk)
		}
	}
	return done()
}

// predicted reads the crontab or cron file as a check run predicts it:
// a cron file through the run's predicted files, the crontab of an
// account the run would create as empty, one an earlier task would
// write as that. known is false when the host must be asked.
func (m *Cron) predicted(ctx context.Context, env *Env, file string) (exists bool, text string, known bool, err error) {
	if !env.Check || env.Sim == nil {
		return false, "", false, nil
	}
	if file != "" {
		if _, _, ok := env.Sim.Stat(file); !ok {
			return false, "", false, nil
		}
		fi, b, err := connection.StatRead(ctx, env.Conn, file, connection.StatOptions{Follow: true, Become: env.Become})
		if err != nil {
			return false, "", false, err
		}
		return fi.Exists, string(b), true, nil
	}
	if text, ok := env.Sim.Crontab(m.User); ok {
		return true, text, true, nil
	}
	if u, ok := predictedUser(env, m.User); !ok || u == nil || !u.New {
		return false, "", false, nil
	}
	// A new account has no crontab, provided crontab is there to make
	// one (or may come with a package the run installs).
	res, err := hostRun(ctx, env, "command -v crontab >/dev/null", nil)
	if err != nil {
		return false, "", false, err
	}
	if res.RC != 0 && len(env.Sim.Installed()) == 0 {
		return false, "", false, nil
	}
	return false, "", true, nil
}

// predict records what a changed task leaves: the cron file, or the
// account's crontab.
func (m *Cron) predict(env *Env, file string, exists bool, after string) {
	if env.Sim == nil {
		return
	}
	if file != "" {
		f := dryrun.File{Type: "file", Content: []byte(after), Known: true}
		if !exists {
			f.Mode = 0o644
		}
		predictFile(env, file, f)
		return
	}
	if env.Check {
		env.Sim.PutCrontab(m.User, after)
	} else {
		env.Sim.ForgetCrontab(m.User)
	}
}

// cronFileWrite replaces file atomically with stdin, which must be after; a new file is 0644,
// as Ansible's umask 022 makes it.
func cronFileWrite(file string, exists bool, after string) string {
	mode := "chmod 0644 \"$t\""
	if exists {
		mode = "chmod --reference=\"$f\" \"$t\"; chown --reference=\"$f\" \"$t\""
	}
	return fmt.Sprintf("f=%s; d=$(dirname -- \"$f\")\nmkdir -p -- \"$d\" || exit 1\n", connection.Quote(file)) +
		connection.RecvScript(connection.UploadOf(after), 1) +
		fmt.Sprintf("%s\nmv -f -- \"$t\" \"$f\" || exit 1\ntrap - EXIT\n", mode)
}

// render is the job line: five time fields (or @special), the user for a
// cron file, the command; commented out when disabled.
func (m *Cron) render(withUser bool) string {
	job := strings.Trim(*m.Job, "\r\n")
	var f []string
	if m.SpecialTime != "" {
		f = append(f, "@"+m.SpecialTime)
	} else {
		f = append(f, m.Minute, m.Hour, m.Day, m.Month, m.Weekday)
	}
	if withUser {
		f = append(f, m.User)
	}
	line := strings.Join(append(f, job), " ")
	if m.Disabled {
		line = "#" + line
	}
	return line
}

// crontab is a crontab's lines, without the header some crontab -l
// implementations print.
type crontab struct{ lines []string }

var cronHeaderRe = regexp.MustCompile(`^# (DO NOT EDIT THIS FILE - edit the master and reinstall\.|\(/tmp/.*installed on.*\)|\(.*version.*\))`)

func parseCrontab(s string) *crontab {
	ct := &crontab{}
	for i, l := range splitPyLines(s) {
		if i < 3 && cronHeaderRe.MatchString(l) {
			continue
		}
		ct.lines = append(ct.lines, l)
	}
	return ct
}

func (c *crontab) render() string {
	s := strings.Join(c.lines, "\n")
	if s != "" {
		s = strings.TrimRight(s, "\r\n") + "\n"
	}
	return s
}

// findJob returns the index of name's marker line (its job is the next
// line), or -1. A line equal to job without a marker is adopted: a marker
// is inserted before it and legacy is true.
func (c *crontab) findJob(name, job string) (int, bool) {
	for i, l := range c.lines {
		if l == cronMarker+name && i+1 < len(c.lines) {
			return i, false
		}
	}
	if job == "" {
		return -1, false
	}
	for i, l := range c.lines {
		if l != job {
			continue
		}
		if i == 0 || !strings.HasPrefix(c.lines[i-1], cronMarker) {
			c.lines = append(c.lines[:i], append([]string{cronMarker + name}, c.lines[i:]...)...)
			return i, true
		}
		if c.lines[i-1] == cronMarker {
			c.lines[i-1] = cronMarker + name
			return i - 1, true
		}
	}
	return -1, false
}

// updateJob replaces the job after every marker for name, or with job ""
// removes marker and job.
func (c *crontab) updateJob(name, job string) {
	var out []string
	for i := 0; i < len(c.lines); i++ {
		l := c.lines[i]
		if l != cronMarker+name || i+1 == len(c.lines) {
			out = append(out, l)
			continue
		}
		if job != "" {
			out = append(out, l, job)
		}
		i++
	}
	c.lines = out
}

func (c *crontab) findEnv(name string) int {
	for i, l := range c.lines {
		if strings.HasPrefix(l, name+"=") {
			return i
		}
	}
	return -1
}

func (c *crontab) addEnv(decl, after, before string) error {
	at := 0
	if other := after + before; other != "" {
		i := c.findEnv(other)
		if i < 0 {
			return fmt.Errorf("Variable named '%s' not found.", other)
		}
		at = i
		if after != "" {
			at++
		}
	}
	c.lines = append(c.lines[:at], append([]string{decl}, c.lines[at:]...)...)
	return nil
}

func (c *crontab) empty() bool {
	for _, l := range c.lines {
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return true
}

func (c *crontab) jobNames() []any {
	out := []any{}
	for _, l := range c.lines {
		if n, ok := strings.CutPrefix(l, cronMarker); ok {
			out = append(out, n)
		}
	}
	return out
}

var cronEnvRe = regexp.MustCompile(`^\S+=`)

func (c *crontab) envNames() []any {
	out := []any{}
	for _, l := range c.lines {
		if cronEnvRe.MatchString(l) {
			n, _, _ := strings.Cut(l, "=")
			out = append(out, n)
		}
	}
	return out
}

var _ Module = (*Cron)(nil)
var _ Validator = (*Cron)(nil)
