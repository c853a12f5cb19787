// Package dryrun keeps what a check run predicts about each host, so that
// a later task of the same run sees what earlier tasks would have done
// instead of the host as it is today.
//
// Ansible's --check runs every task against the unchanged host: a
// service started after a package install that was only simulated fails,
// and a template into a directory an earlier task would create fails
// too. fjord keeps a State per host for the run: files, directories and
// links written or removed (with the content where the module knew it),
// packages installed or removed, groups and users created, changed or
// removed (accounts.go), users' crontabs and kernel parameters (sysctl
// values). The file helpers of package connection ask a State (through
// Conn) before the host, so every module that reads files through them
// sees the predicted tree (a cron file, a sysctl file, a home directory
// useradd would create); modules that read other state (packages, units,
// accounts, crontabs, kernel values) ask the State themselves.
//
// Only check-mode tasks record predictions. A task that runs for real
// in a check run (check_mode: false) makes the host's own state the
// truth again for what it touched: its paths, account, crontab or
// kernel value are forgotten.
package dryrun

import (
	"context"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/fjord-run/fjord/connection"
)

// State is one host's predicted state during a check run. Its methods
// may be called on a nil State (no check run): they record nothing and
// know nothing.
type State struct {
	mu       sync.Mutex
	paths    map[string]*entry
	packages map[string]bool   // name → installed (true) or removed
	groups   map[string]*Group // nil: removed
	users    map[string]*User  // nil: removed
	crontabs map[string]string // user → predicted crontab
	kernel   map[string]string // sysctl key → predicted running value
	notes    []Note
	unknown  map[string]bool // registered variables the run cannot know
}

// New returns an empty State.
func New() *State {
	return &State{paths: map[string]*entry{}, packages: map[string]bool{}, groups: map[string]*Group{},
		users: map[string]*User{}, crontabs: map[string]string{}, kernel: map[string]string{}}
}

type entry struct {
	typ     string // "file", "directory", "link", "" (removed)
	content []byte
	known   bool // content is the content, not a guess
	mode    uint32
	owner   string
	group   string
	target  string // a link's
	new     bool   // see File.New
}

// A File is what a task would leave at a path.
type File struct {
	Type    string // "file", "directory", "link"; "" for removed
	Content []byte // a file's content, when Known
	Known   bool
	Mode    uint32 // 0: the host's default
	Owner   string
	Group   string
	Target  string // a link's target
	// New says the path did not exist before (a directory the run
	// would create holds only what the run predicts in it).
	New bool
}

func clean(p string) string { return path.Clean("/" + p) }

// Put records that a task would leave f at p.
func (s *State) Put(p string, f File) {
	if s == nil || !strings.HasPrefix(p, "/") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p = clean(p)
	if f.Known && f.Content == nil {
		f.Content = []byte{}
	}
	if f.Type == "" {
		// what was below is gone with it
		for q := range s.paths {
			if strings.HasPrefix(q, p+"/") {
				delete(s.paths, q)
			}
		}
	}
	s.paths[p] = &entry{typ: f.Type, content: f.Content, known: f.Known, mode: f.Mode, owner: f.Owner, group: f.Group,
		target: f.Target, new: f.New}
}

// Forget drops what was predicted at p and below it: a task ran there
// for real.
func (s *State) Forget(p string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p = clean(p)
	for q := range s.paths {
		if q == p || strings.HasPrefix(q, p+"/") {
			delete(s.paths, q)
		}
	}
}

// Stat answers for p when the run predicts it: ok is false when the host
// must be asked. A path below a directory the run would create, or below
// one it would remove, does not exist unless predicted itself.
func (s *State) Stat(p string) (fi *connection.FileInfo, content []byte, ok bool) {
	if s == nil || !strings.HasPrefix(p, "/") {
		return nil, nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p = clean(p)
	if e, ok := s.paths[p]; ok {
		return e.info(p), e.content, true
	}
	for d := path.Dir(p); ; d = path.Dir(d) {
		if e, ok := s.paths[d]; ok {
			if e.typ != "directory" || e.new {
				return &connection.FileInfo{Path: p}, nil, true
			}
			return nil, nil, false
		}
		if d == "/" {
			return nil, nil, false
		}
	}
}

func (e *entry) info(p string) *connection.FileInfo {
	fi := &connection.FileInfo{Path: p, Exists: e.typ != "", Type: e.typ, Mode: e.mode, Owner: e.owner, Group: e.group,
		LinkTarget: e.target, Readable: true, Writeable: true}
	switch e.typ {
	case "":
		fi.Exists = false
	case "file":
		fi.RawType = "regular file"
		fi.Size = int64(len(e.content))
		if e.known {
			fi.Checksum = connection.Checksum(e.content)
		}
		if fi.Mode == 0 {
			fi.Mode = 0o644
		}
	case "directory":
		fi.RawType = "directory"
		if fi.Mode == 0 {
			fi.Mode = 0o755
		}
	case "link":
		fi.RawType = "symbolic link"
		fi.Mode = 0o777
	}
	return fi
}

// Package records a package the run would install (true) or remove.
func (s *State) Package(name string, installed bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.packages[name] = installed
}

// Installed lists the packages the run would install, sorted.
func (s *State) Installed() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for n, in := range s.packages {
		if in {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Conn is a host's connection in a check run: the file helpers of
// package connection ask its State before the host.
type Conn struct {
	connection.Conn
	S *State
}

// SimStat implements connection.Simulated.
func (c *Conn) SimStat(p string) (*connection.FileInfo, []byte, bool) { return c.S.Stat(p) }

// Helper implements connection.HelperConn with the host's helper, when
// its connection has one.
func (c *Conn) Helper(ctx context.Context, b *connection.Become) *connection.Helper {
	if hc, ok := c.Conn.(connection.HelperConn); ok {
		return hc.Helper(ctx, b)
	}
	return nil
}
