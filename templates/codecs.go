package templates

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
)

// Python's codecs that the b64 filters' encoding argument names: UTF-8,
// UTF-16 and UTF-32 (with BOM unless an endianness is given), Latin-1 and
// ASCII.

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func pyCodec(name string) string {
	n := strings.NewReplacer("_", "-", " ", "-").Replace(strings.ToLower(name))
	switch n {
	case "utf8", "utf-8", "u8":
		return "utf-8"
	case "utf-16", "utf16":
		return "utf-16"
	case "utf-16-le", "utf-16le", "utf16le":
		return "utf-16-le"
	case "utf-16-be", "utf-16be", "utf16be":
		return "utf-16-be"
	case "utf-32", "utf32":
		return "utf-32"
	case "utf-32-le", "utf-32le":
		return "utf-32-le"
	case "utf-32-be", "utf-32be":
		return "utf-32-be"
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1":
		return "latin-1"
	case "ascii", "us-ascii":
		return "ascii"
	}
	return ""
}

func encodeText(s, encoding string) ([]byte, error) {
	var order byteOrder = binary.LittleEndian
	switch c := pyCodec(encoding); c {
	case "utf-8":
		return []byte(s), nil
	case "utf-16", "utf-16-le", "utf-16-be":
		var out []byte
		if c == "utf-16-be" {
			order = binary.BigEndian
		}
		units := utf16.Encode([]rune(s))
		if c == "utf-16" {
			units = append([]uint16{0xfeff}, units...)
		}
		for _, u := range units {
			out = order.AppendUint16(out, u)
		}
		return out, nil
	case "utf-32", "utf-32-le", "utf-32-be":
		var out []byte
		if c == "utf-32-be" {
			order = binary.BigEndian
		}
		if c == "utf-32" {
			out = order.AppendUint32(out, 0xfeff)
		}
		for _, r := range s {
			out = order.AppendUint32(out, uint32(r))
		}
		return out, nil
	case "latin-1", "ascii":
		limit := rune(0xff)
		if c == "ascii" {
			limit = 0x7f
		}
		out := make([]byte, 0, len(s))
		for i, r := range s {
			if r > limit {
				return nil, fmt.Errorf("'%s' codec can't encode character %s in position %d: ordinal not in range(%d)", pyCodecName(c), pyCharEscape(r), i, limit+1)
			}
			out = append(out, byte(r))
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown encoding: %s", encoding)
}

func decodeText(b []byte, encoding string) (string, error) {
	var order byteOrder = binary.LittleEndian
	switch c := pyCodec(encoding); c {
	case "utf-8":
		return string(b), nil
	case "utf-16", "utf-16-le", "utf-16-be":
		if c == "utf-16-be" {
			order = binary.BigEndian
		}
		if c == "utf-16" && len(b) >= 2 {
			if b[0] == 0xfe && b[1] == 0xff {
				order, b = binary.BigEndian, b[2:]
			} else if b[0] == 0xff && b[1] == 0xfe {
				b = b[2:]
			}
		}
		if len(b)%2 != 0 {
			return "", fmt.Errorf("'utf-16-le' codec can't decode byte 0x%02x in position %d: truncated data", b[len(b)-1], len(b)-1)
		}
		units := make([]uint16, len(b)/2)
		for i := range units {
			units[i] = order.Uint16(b[2*i:])
		}
		return string(utf16.Decode(units)), nil
	case "utf-32", "utf-32-le", "utf-32-be":
		if c == "utf-32-be" {
			order = binary.BigEndian
		}
		var sb strings.Builder
		for i := 0; i+4 <= len(b); i += 4 {
			r := rune(order.Uint32(b[i:]))
			if i == 0 && c == "utf-32" && r == 0xfeff {
				continue
			}
			sb.WriteRune(r)
		}
		return sb.String(), nil
	case "latin-1", "ascii":
		var sb strings.Builder
		for _, x := range b {
			sb.WriteRune(rune(x))
		}
		return sb.String(), nil
	}
	return "", fmt.Errorf("unknown encoding: %s", encoding)
}

func pyCodecName(c string) string {
	if c == "latin-1" {
		return "latin-1"
	}
	return c
}

func pyCharEscape(r rune) string {
	switch {
	case r <= 0xff:
		return fmt.Sprintf("'\\x%02x'", r)
	case r <= 0xffff:
		return fmt.Sprintf("'\\u%04x'", r)
	}
	return fmt.Sprintf("'\\U%08x'", r)
}
