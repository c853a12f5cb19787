package dryrun

// Accounts, crontabs and kernel parameters a check run predicts. The
// group and user modules record what groupadd, useradd and usermod would
// leave, so that a user whose group an earlier task would create is not
// refused ("Group x does not exist"), a second task about an account the
// run would create compares with what the first would leave, and
// authorized_key and cron find the account's home and (empty) crontab.

// A Group is a group as a check run predicts it.
type Group struct {
	Name string
	// GID is the group's id when the task gave it; "" when only the
	// real run will know.
	GID string
}

// A User is an account as a check run predicts it.
type User struct {
	Name string
	// Group is the primary group's name.
	Group string
	// Groups are the supplementary groups, by name.
	Groups  []string
	Home    string
	Shell   string
	Comment string
	// Password is the hash the account would have ("" when not known).
	Password string
	// New says the host has no such account: the run would create it,
	// so it has no crontab, files or id yet.
	New bool
}

// PutGroup records that a task would leave the group as g; nil: the
// group would be removed.
func (s *State) PutGroup(name string, g *Group) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g != nil {
		cp := *g
		g = &cp
	}
	s.groups[name] = g
}

// Group answers for a group the run predicts: ok false when the host
// must be asked, g nil when the group would be removed.
func (s *State) Group(name string) (g *Group, ok bool) {
	if s == nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok = s.groups[name]
	if g != nil {
		cp := *g
		g = &cp
	}
	return g, ok
}

// ForgetGroup drops the prediction for a group: a task changed it for
// real.
func (s *State) ForgetGroup(name string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.groups, name)
}

// PutUser records that a task would leave the account as u; nil: the
// account would be removed.
func (s *State) PutUser(name string, u *User) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u != nil {
		u = u.clone()
	}
	s.users[name] = u
}

// User answers for an account the run predicts: ok false when the host
// must be asked, u nil when the account would be removed.
func (s *State) User(name string) (u *User, ok bool) {
	if s == nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok = s.users[name]
	if u != nil {
		u = u.clone()
	}
	return u, ok
}

// ForgetUser drops the prediction for an account and its crontab: a
// task changed it for real.
func (s *State) ForgetUser(name string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.users, name)
	delete(s.crontabs, name)
}

func (u *User) clone() *User {
	cp := *u
	cp.Groups = append([]string(nil), u.Groups...)
	return &cp
}

// PutCrontab records the crontab a task would leave for user.
func (s *State) PutCrontab(user, text string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.crontabs[user] = text
}

// Crontab is user's predicted crontab; ok false when the host must be
// asked.
func (s *State) Crontab(user string) (text string, ok bool) {
	if s == nil {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	text, ok = s.crontabs[user]
	return text, ok
}

// ForgetCrontab drops user's predicted crontab: a task wrote it for
// real.
func (s *State) ForgetCrontab(user string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.crontabs, user)
}

// PutKernel records the running value a task would give a kernel
// parameter (sysctl -w, or sysctl -p of a file that sets it).
func (s *State) PutKernel(key, value string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kernel[key] = value
}

// Kernel is a kernel parameter's predicted running value; ok false when
// the host must be asked.
func (s *State) Kernel(key string) (value string, ok bool) {
	if s == nil {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	value, ok = s.kernel[key]
	return value, ok
}

// ForgetKernel drops a kernel parameter's predicted value: a task set
// it for real.
func (s *State) ForgetKernel(key string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.kernel, key)
}
