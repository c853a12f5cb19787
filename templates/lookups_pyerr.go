package templates

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/fjord-run/fjord/value"
)

// pyError is a Python exception's message, for a lookup that reports one
// as ansible's plugin does.
type pyError struct{ msg string }

func (e *pyError) Error() string { return e.msg }

func pyErrorf(format string, args ...any) error { return &pyError{fmt.Sprintf(format, args...)} }

// pyOSError is the message of Python's OSError for a file.
func pyOSError(err error, path string) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return pyErrorf("[Errno 2] No such file or directory: %s", value.Repr(path))
	case errors.Is(err, fs.ErrPermission):
		return pyErrorf("[Errno 13] Permission denied: %s", value.Repr(path))
	}
	return err
}
