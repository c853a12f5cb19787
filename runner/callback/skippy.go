package callback

import "io"

// skippySink is ansible.posix.skippy: the default output without the
// skipped results (the task banners stay). ansible warns that it is
// deprecated, for the default callback's display_skipped_hosts.
type skippySink struct {
	*defaultSink
}

// NewSkippy returns ansible.posix.skippy (ANSIBLE_STDOUT_CALLBACK=skippy),
// printing its deprecation on loading as ansible does.
func NewSkippy(w io.Writer, o Options) Sink {
	s := &skippySink{NewDefault(w, o).(*defaultSink)}
	s.deprecated(deprecationText("ansible.posix.skippy has been deprecated. See the plugin documentation for more details.",
		"", "2022-06-01", "ansible.posix"))
	return s
}

func (s *skippySink) HostResult(r *HostResult) {
	if r.Status != Skipped {
		s.defaultSink.HostResult(r)
	}
}

// nullSink is community.general.null: no output of its own; warnings
// and the engine's verbose messages, which ansible prints outside the
// callback, still show.
type nullSink struct {
	Nop
	d *defaultSink
}

// NewNull returns community.general.null (ANSIBLE_STDOUT_CALLBACK=null).
func NewNull(w io.Writer, o Options) Sink {
	return &nullSink{d: NewDefault(w, o).(*defaultSink)}
}

func (s *nullSink) Warn(msg string)               { s.d.Warn(msg) }
func (s *nullSink) Verbose(level int, msg string) { s.d.Verbose(level, msg) }
func (s *nullSink) Close() error                  { return s.d.Close() }
