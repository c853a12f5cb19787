//go:build linux

package hosthelper

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Main is the helper's entry point (cmd/fjord-host-helper): it serves
// requests on stdin and stdout until stdin ends, and returns the exit
// code.
//
// With the argument --private (how fjord starts it on a host) it first
// checks that its own file is the user's and writable by no one else,
// which is what lets fjord trust a copy it finds in remote_tmp.
func Main() int {
	if len(os.Args) > 1 && os.Args[1] == "--private" {
		if err := checkPrivate(); err != nil {
			fmt.Fprintln(os.Stderr, "fjord host helper:", err)
			return 1
		}
	}
	// A signal (the connection's session closed, a kill) removes the
	// temporary file of a write in progress before the helper exits, as
	// the shell path's traps do; a broken stdout ends it the same way
	// instead of killing it outright (Go's default for fd 1).
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGPIPE)
	go func() {
		s := <-sigs
		cleanup()
		code := 128
		if n, ok := s.(syscall.Signal); ok {
			code += int(n)
		}
		os.Exit(code)
	}()
	err := Serve(os.Stdin, os.Stdout)
	cleanup()
	if err != io.EOF {
		fmt.Fprintln(os.Stderr, "fjord host helper:", err)
		return 1
	}
	return 0
}

// pending holds the temporary files writes have made and not yet
// renamed: a signal removes them all (Main), a write that stops removes
// its own. It is a set because fjord's local connection runs Serve in its
// own process, one per host, beside each other.
var pending struct {
	sync.Mutex
	paths map[string]bool
}

func addPending(p string) {
	pending.Lock()
	if pending.paths == nil {
		pending.paths = map[string]bool{}
	}
	pending.paths[p] = true
	pending.Unlock()
}

// donePending forgets p (renamed into place); dropPending removes it
// unless it was.
func donePending(p string) {
	pending.Lock()
	delete(pending.paths, p)
	pending.Unlock()
}

func dropPending(p string) {
	pending.Lock()
	if pending.paths[p] {
		os.Remove(p)
		delete(pending.paths, p)
	}
	pending.Unlock()
}

func cleanup() {
	pending.Lock()
	for p := range pending.paths {
		os.Remove(p)
	}
	pending.paths = nil
	pending.Unlock()
}

// Serve answers requests from in on out until in ends (io.EOF, its
// return then) or breaks.
func Serve(in io.Reader, out io.Writer) error {
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriterSize(out, 64<<10)
	s := &server{r: r, w: w, umask: currentUmask()}
	if err := skipTo(r, Sync); err != nil {
		return err
	}
	if err := WriteFrame(w, KindHello, []byte(Hello), []byte(strconv.Itoa(os.Getpid()))); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for {
		kind, f, err := ReadFrame(r)
		if err != nil {
			return err
		}
		var a answer
		switch kind {
		case KindStat:
			if len(f) < 4 || len(f)%2 != 0 {
				return fmt.Errorf("bad stat request")
			}
			a = s.stat(string(f[0]), string(f[1]) == "1", string(f[2]), string(f[3]) == "1")
			for i := 4; i < len(f); i += 2 {
				probe(&a, string(f[i]), strings.Split(string(f[i+1]), "\x00"))
			}
		case KindRead:
			if len(f) != 1 {
				return fmt.Errorf("bad read request")
			}
			a = s.read(string(f[0]))
		case KindAttrs:
			if len(f) != 6 {
				return fmt.Errorf("bad attrs request")
			}
			a = s.attrs(string(f[0]), string(f[1]), string(f[2]), string(f[3]), string(f[4]) == "1", string(f[5]) == "1")
		case KindWhich:
			a = which(f)
		case KindPut:
			p, err := parsePut(f)
			if err != nil {
				return err
			}
			if a, err = s.put(p); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown request %q", kind)
		}
		if err := s.reply(a); err != nil {
			return err
		}
	}
}

type server struct {
	r     *bufio.Reader
	w     *bufio.Writer
	umask uint32
	buf   []byte // a read's chunks, allocated on the first
}

// answer is what the shell script for a request would have given.
type answer struct {
	rc     int
	stdout bytes.Buffer
	stderr bytes.Buffer
	// file, when set, is streamed after stdout (a read's content).
	file *os.File
}

func (s *server) reply(a answer) error {
	out := a.stdout.Bytes()
	for len(out) > 0 {
		n := min(len(out), ChunkSize)
		if err := WriteFrame(s.w, KindStdout, out[:n]); err != nil {
			return err
		}
		out = out[n:]
	}
	if a.file != nil {
		if s.buf == nil {
			s.buf = make([]byte, ChunkSize)
		}
		for {
			n, err := a.file.Read(s.buf)
			if n > 0 {
				if werr := WriteFrame(s.w, KindStdout, s.buf[:n]); werr != nil {
					a.file.Close()
					return werr
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				fmt.Fprintf(&a.stderr, "cat: %s: %s\n", a.file.Name(), errText(err))
				a.rc = 1
				break
			}
		}
		a.file.Close()
	}
	if err := WriteFrame(s.w, KindDone, []byte(strconv.Itoa(a.rc)), a.stderr.Bytes()); err != nil {
		return err
	}
	return s.w.Flush()
}

// read answers as "cat -- p" would.
func (s *server) read(p string) answer {
	var a answer
	f, err := os.Open(p)
	if err == nil {
		var st syscall.Stat_t
		if err = syscall.Fstat(int(f.Fd()), &st); err == nil && st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
			f.Close()
			err = syscall.EISDIR
		}
	}
	if err != nil {
		a.rc = 1
		fmt.Fprintf(&a.stderr, "cat: %s: %s\n", p, errText(err))
		return a
	}
	a.file = f
	return a
}

// errText is an error as coreutils prints it: strerror's text.
func errText(err error) string {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	s := err.Error()
	if len(s) > 0 && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// skipTo reads r up to and including tok.
func skipTo(r *bufio.Reader, tok string) error {
	seen := 0
	for seen < len(tok) {
		c, err := r.ReadByte()
		if err != nil {
			return err
		}
		switch {
		case c == tok[seen]:
			seen++
		case c == tok[0]:
			seen = 1
		default:
			seen = 0
		}
	}
	return nil
}

// probe runs argv, when its program is on PATH, after a "@@name" line
// in a's stdout: its output kept, stderr and status dropped, as
// connection.StatProbes' script does with "command -v" and "|| :".
func probe(a *answer, name string, argv []string) {
	fmt.Fprintf(&a.stdout, "@@%s\n", name)
	if a.rc != 0 || len(argv) == 0 {
		return
	}
	prog := lookPath(argv[0])
	if prog == "" {
		return
	}
	if len(argv) == 4 && argv[0] == "lsattr" && argv[1] == "-vd" && argv[2] == "--" {
		// stat's attributes: read as lsattr reads them, without starting
		// it (the host having lsattr is still what says whether to)
		lsattrVD(&a.stdout, argv[3])
		return
	}
	run(&a.stdout, prog, argv)
}

// which answers as connection.DiscoveryScript would for names: the
// system's name (uname), the path of each name found (command -v), and
// /etc/os-release, with a process for none of it.
func which(names [][]byte) answer {
	var a answer
	a.stdout.WriteString("PLATFORM\n")
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		for _, c := range u.Sysname {
			if c == 0 {
				break
			}
			a.stdout.WriteByte(byte(c))
		}
	}
	a.stdout.WriteString("\nFOUND\n")
	for _, n := range names {
		p := string(n)
		if strings.Contains(p, "/") {
			// POSIX sh (dash) prints a path that exists, whatever it is
			if _, err := os.Stat(p); err != nil {
				p = ""
			}
		} else {
			p = lookPath(p)
		}
		if p != "" {
			a.stdout.WriteString(p + "\n")
		}
	}
	a.stdout.WriteString("ENDFOUND\n")
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		a.stdout.Write(b)
	}
	return a
}

// lookPath finds name as "command -v" does for a program: the first
// executable regular file of that name in $PATH ("" for none; a name
// with a slash is itself). The helper does without os/exec, which
// would make it an eighth larger (all of it is uploaded to each host).
func lookPath(name string) string {
	if strings.Contains(name, "/") {
		if isExecutable(name) {
			return name
		}
		return ""
	}
	for _, dir := range strings.Split(os.Getenv("PATH"), ":") {
		if dir == "" {
			dir = "."
		}
		if p := dir + "/" + name; isExecutable(p) {
			return p
		}
	}
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// run runs prog with argv (argv[0] its name), stdin and stderr
// /dev/null, its stdout appended to out, and waits for it.
func run(out *bytes.Buffer, prog string, argv []string) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return
	}
	defer null.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		return
	}
	p, err := os.StartProcess(prog, argv, &os.ProcAttr{Files: []*os.File{null, pw, null}})
	pw.Close()
	if err != nil {
		pr.Close()
		return
	}
	out.ReadFrom(pr)
	pr.Close()
	p.Wait()
}

// checkPrivate says why the running executable is not the user's own
// file, writable only by its owner (nil when it is).
func checkPrivate() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s is not the user's own file", exe)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s is writable by others", exe)
	}
	return nil
}

// currentUmask is the process's umask. Linux reports it in
// /proc/self/status; setting it to read it back (the fallback) changes it
// for a moment for every thread, which only a process of its own (the
// helper on a host) can afford.
func currentUmask() uint32 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Umask:"); ok {
				if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return uint32(m)
				}
			}
		}
	}
	m := syscall.Umask(0)
	syscall.Umask(m)
	return uint32(m)
}
