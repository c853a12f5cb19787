package callback

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/fjord-run/fjord/value"
)

// treeSink is ansible's tree callback (ansible -t DIR) beside the stdout
// one: each host's last result, as JSON, in DIR/HOST.
type treeSink struct {
	Sink
	dir    string
	o      Options
	warner *Warner
}

// WithTree adds the tree callback writing under dir to s; o.Warner
// reports a file it cannot write.
func WithTree(s Sink, dir string, o Options) Sink {
	return &treeSink{Sink: s, dir: dir, o: o, warner: o.Warner}
}

func (t *treeSink) HostResult(r *HostResult) {
	t.Sink.HostResult(r)
	if r.IsItem || r.Status == Skipped {
		return
	}
	text := dumpResult(cleanResult(r), t.o.Verbosity, 0)
	if err := os.MkdirAll(t.dir, 0o777); err != nil {
		t.warn("Unable to access or create the configured directory (" + t.dir + "): " + errText(err))
	}
	if err := os.WriteFile(filepath.Join(t.dir, r.Host), []byte(text), 0o666); err != nil {
		t.warn("Unable to write to " + r.Host + "'s file: " + errText(err))
	}
}

// The stdout callback's optional parts pass through the tree.

func (t *treeSink) Async(ev AsyncEvent, r *HostResult) {
	if as, ok := t.Sink.(AsyncSink); ok {
		as.Async(ev, r)
	}
}

func (t *treeSink) CustomStats(custom *value.Map) {
	if cs, ok := t.Sink.(CustomStatsSink); ok {
		cs.CustomStats(custom)
	}
}

func (t *treeSink) DryRun(hosts []DryRunHost) {
	if d, ok := t.Sink.(DryRunSink); ok {
		d.DryRun(hosts)
	}
}

func (t *treeSink) warn(msg string) {
	if t.warner != nil {
		_ = t.warner.Warn(msg)
	}
}

// errText is an error as Python prints an OSError: "[Errno 13]
// Permission denied: 'path'".
func errText(err error) string {
	var pe *os.PathError
	var errno syscall.Errno
	if !errors.As(err, &pe) || !errors.As(pe.Err, &errno) {
		return err.Error()
	}
	msg := errno.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return fmt.Sprintf("[Errno %d] %s: '%s'", int(errno), msg, pe.Path)
}
