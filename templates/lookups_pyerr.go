package templates

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"

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

// decodeText is bytes.decode(encoding) for the encodings fjord knows:
// UTF-8 and the Latin ones read byte for byte.
func decodeText(b []byte, encoding string) (string, error) {
	e := strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(encoding))
	switch e {
	case "utf8", "u8", "utf":
		if !utf8.Valid(b) {
			return "", pyErrorf("'utf-8' codec can't decode bytes")
		}
		return string(b), nil
	case "latin1", "iso88591", "iso885915", "l1", "latin", "cp1252", "ascii":
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r), nil
	}
	return "", pyErrorf("unknown encoding: %s", encoding)
}
