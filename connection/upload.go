package connection

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// Upload is what a host must find in a temporary file before fjord lets
// anything use it: data that travels on stdin can arrive short (a dropped
// connection, a killed fjord or sshd ends stdin early, and cat then exits
// 0), and a short file renamed over a target is data loss.
type Upload struct {
	Size int64
	Sum  string // sha1 hex
}

// Measure learns r's size and sha1 and returns a reader that yields the
// same bytes again. A seekable r (a file, bytes or strings reader) is read
// twice, so a large file is never held in memory; any other reader is
// read into memory once.
func Measure(r io.Reader) (io.Reader, Upload, error) {
	if r == nil {
		return strings.NewReader(""), Upload{Sum: Checksum(nil)}, nil
	}
	if s, ok := r.(io.ReadSeeker); ok {
		start, err := s.Seek(0, io.SeekCurrent)
		if err == nil {
			h := sha1.New()
			n, err := io.Copy(h, s)
			if err != nil {
				return nil, Upload{}, err
			}
			if _, err := s.Seek(start, io.SeekStart); err != nil {
				return nil, Upload{}, err
			}
			return s, Upload{Size: n, Sum: hex.EncodeToString(h.Sum(nil))}, nil
		}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, Upload{}, err
	}
	return bytes.NewReader(data), UploadOf(data), nil
}

// UploadOf is the Upload of data held in memory.
func UploadOf[T string | []byte](data T) Upload {
	return Upload{Size: int64(len(data)), Sum: Checksum([]byte(data))}
}

// TempPrefix starts the name of every temporary file fjord makes beside a
// target; the writing shell's pid follows, so that a later write can tell
// a temp whose writer died (fjord or its connection killed) from one being
// written now.
const TempPrefix = ".fjord_tmp."

// TempScript is shell source that makes "$t", a temporary file of fjord's
// own name in the existing directory "$d", and removes it on every exit of
// the script that the shell sees (an error, HUP, INT, TERM, or a broken
// pipe to a connection that went away). It first removes the temps in
// "$d" whose writer's shell is gone, which is all a SIGKILLed writer
// leaves behind; where /proc is missing no temp is swept. It exits with
// code when mktemp fails. A caller that renames "$t" into place clears the
// EXIT trap afterwards. The traps come before the file: a TERM between
// its creation and the trap (a cancel right as the script starts) would
// leave it; a file already at the random name is not the script's and
// is not removed.
func TempScript(code int) string {
	return sweepScript + fmt.Sprintf(`t="$d/%[1]s$$.%[3]s"
trap 'rm -f -- "$t"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; trap 'exit 143' TERM
set -C; command : > "$t" 2>/dev/null || { trap - EXIT; echo "cannot create a temporary file in $d" >&2; exit %[2]d; }; set +C
`, TempPrefix, code, tempSuffix())
}

// sweepScript removes the temporary files in "$d" whose writer's shell
// is gone (TempScript; Put after a cancel).
var sweepScript = fmt.Sprintf(`if [ -d /proc/self ]; then for s in "$d"/%[1]s*; do
	[ -f "$s" ] || continue
	p=${s##*/%[1]s}; p=${p%%%%.*}
	case $p in ''|*[!0-9]*) continue;; esac
	[ -d "/proc/$p" ] || rm -f -- "$s"
done; fi
`, TempPrefix)

// tempSuffix names a temporary file in place of mktemp (a process on the
// host): random and unguessable, so that the exclusive create (noclobber)
// cannot meet a file or link someone put there.
func tempSuffix() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b[:])
}

// VerifyScript is shell source that exits with code, "$t" removed by
// TempScript's trap, unless "$t" holds exactly u's bytes; what it says
// names "$f", the file the upload was for. One sha1sum on the happy path;
// a short file is also reported by its size.
func VerifyScript(u Upload, code int) string {
	return fmt.Sprintf(`c=$(sha1sum < "$t") || exit %[3]d
if [ "${c%%%% *}" != %[2]s ]; then
	n=$(stat -c %%s -- "$t")
	echo "upload to $f did not arrive whole ($n of %[1]d bytes, or not the bytes sent); $f was left as it was" >&2
	exit %[3]d
fi
`, u.Size, u.Sum, code)
}

// RecvScript is shell source that receives an upload on stdin into "$t"
// (see TempScript) beside "$f" in directory "$d" and verifies it; it
// exits with code on any failure, "$t" removed. The caller moves "$t"
// into place.
func RecvScript(u Upload, code int) string {
	return TempScript(code) + fmt.Sprintf("cat > \"$t\" || exit %d\n", code) + VerifyScript(u, code)
}
