// Package hosthelper is fjord's helper process on a managed host: a small
// static binary (cmd/fjord-host-helper) started over a connection, serving
// the file requests of connection.Stat, StatRead, ReadFile and Put
// without a process per request. Its answers are the bytes, exit codes
// and messages the shell scripts those functions otherwise run would
// give, so the controller parses both the same way.
//
// The protocol is frames on stdin and stdout: a 4-byte big-endian length,
// then a kind byte and the payload. Fields inside a payload are each a
// uvarint length and the bytes. The helper starts by writing Hello as a
// frame once it has read Sync; then for each request frame it answers zero or more Stdout
// frames and one Done frame (exit code, stderr). A Put request is
// followed by Data frames and an End frame. End of stdin ends the helper,
// removing any temporary file it was writing.
//
// The serving side (serve.go, stat.go, put.go, attrs.go, lsattr.go) is
// built for Linux alone: the helper runs only on Linux hosts and reads
// Linux's stat fields and file-flag ioctls. This file, the protocol and
// all a controller needs, builds on every OS fjord runs on.
package hosthelper

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Frame kinds.
const (
	KindHello  = 'h' // helper → fjord: Hello, then the helper's pid
	KindStat   = 'S' // path, follow, checksum algorithm ("" none), read content ("1")
	KindRead   = 'C' // path: the file's bytes, as cat prints them
	KindPut    = 'P' // PutRequest's fields, then Data frames and End
	KindAttrs  = 'A' // path, owner, group, octal mode, make missing directories ("1"), stat after ("1")
	KindWhich  = 'W' // names: connection.DiscoveryScript's output for them
	KindData   = 'd' // part of a Put's content
	KindEnd    = 'e' // end of a Put's content
	KindStdout = 'o' // helper → fjord: part of the answer's stdout
	KindDone   = 'r' // helper → fjord: exit code, stderr
)

// Sync starts fjord's input to the helper: what comes before it is not
// the helper's (a become password that sudo, holding a cached
// credential, did not read) and is skipped.
const Sync = "\nfjord-host-helper-sync\n"

// Hello is the first frame's text: the protocol's name and version.
const Hello = "fjord-host-helper/1"

// maxFrame bounds a frame a reader accepts: a corrupt length must not
// make it allocate gigabytes.
const maxFrame = 4 << 20

// ChunkSize is how much content one Data or Stdout frame carries.
const ChunkSize = 256 << 10

// WriteFrame writes one frame of kind with the given fields.
func WriteFrame(w io.Writer, kind byte, fields ...[]byte) error {
	n := 1
	for _, f := range fields {
		n += binary.MaxVarintLen64 + len(f)
	}
	buf := make([]byte, 4, 4+n)
	buf = append(buf, kind)
	for _, f := range fields {
		buf = binary.AppendUvarint(buf, uint64(len(f)))
		buf = append(buf, f...)
	}
	binary.BigEndian.PutUint32(buf, uint32(len(buf)-4))
	_, err := w.Write(buf)
	return err
}

// ReadFrame reads one frame and splits its fields.
func ReadFrame(r *bufio.Reader) (kind byte, fields [][]byte, err error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n < 1 || n > maxFrame {
		return 0, nil, fmt.Errorf("host helper: bad frame length %d", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	kind, rest := buf[0], buf[1:]
	for len(rest) > 0 {
		l, k := binary.Uvarint(rest)
		if k <= 0 || uint64(len(rest)-k) < l {
			return 0, nil, errors.New("host helper: bad frame field")
		}
		fields = append(fields, rest[k:k+int(l)])
		rest = rest[k+int(l):]
	}
	return kind, fields, nil
}

// PutRequest is a Put's fields: what connection.PutOptions the helper
// serves, and what the content must be (size and sha1 hex).
type PutRequest struct {
	Dest         string
	Mode         string // octal, or "" to keep dst's
	Owner, Group string // names or ids, "" to keep dst's
	Follow       bool
	MakeDirs     bool
	Size         int64
	Sum          string
}

// Fields encodes p for a Put frame.
func (p *PutRequest) Fields() [][]byte {
	return [][]byte{[]byte(p.Dest), []byte(p.Mode), []byte(p.Owner), []byte(p.Group),
		flag(p.Follow), flag(p.MakeDirs), []byte(strconv.FormatInt(p.Size, 10)), []byte(p.Sum)}
}

func flag(b bool) []byte {
	if b {
		return []byte("1")
	}
	return []byte("0")
}

// Flag is a boolean field.
func Flag(b bool) []byte { return flag(b) }
