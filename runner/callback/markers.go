package callback

import "io"

// dryRun is the DRY RUN banner of a --check run with check_mode_markers.
func (s *defaultSink) dryRun() {
	if s.o.Check && s.o.CheckModeMarkers {
		s.banner("DRY RUN")
	}
}

// checkMark follows a play or task name in check mode with
// check_mode_markers on.
func (s *defaultSink) checkMark(check bool) string {
	if check && s.o.CheckModeMarkers {
		return " [CHECK MODE]"
	}
	return ""
}

// failW is where failures go: stderr with display_failed_stderr.
func (s *defaultSink) failW() io.Writer {
	if s.o.FailedStderr {
		return s.errw
	}
	return s.w
}
