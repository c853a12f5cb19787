package connection

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Mode is a file mode as a task gives it: octal, symbolic, or "preserve".
type Mode struct {
	Set      bool   // a mode was given
	Octal    bool   // Bits holds an absolute mode
	Bits     uint32 // when Octal
	Symbolic string // "u=rw,g+r": relative to the current mode
	Preserve bool   // copy/template: keep the source file's mode
}

var errModeForm = errors.New("mode must be in octal or symbolic form")

// ParseMode reads a task's mode argument. An int is taken as the mode's
// value as is, the way Ansible takes it: YAML 0644 is already 420, while
// an unquoted 644 means decimal 644 (01204). Strings are octal when they
// parse as octal ("644", "0644"), else symbolic.
func ParseMode(v any) (Mode, error) {
	switch v := v.(type) {
	case nil:
		return Mode{}, nil
	case int:
		if v < 0 || v > 07777 {
			return Mode{}, fmt.Errorf("bad symbolic permission for mode: %d", v)
		}
		return Mode{Set: true, Octal: true, Bits: uint32(v)}, nil
	case float64:
		if v == float64(int(v)) {
			return ParseMode(int(v))
		}
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return Mode{}, nil
		}
		if s == "preserve" {
			return Mode{Set: true, Preserve: true}, nil
		}
		if n, err := strconv.ParseUint(s, 8, 32); err == nil {
			if n > 07777 {
				return Mode{}, errModeForm
			}
			return Mode{Set: true, Octal: true, Bits: uint32(n)}, nil
		}
		if _, err := applySymbolic(s, 0644, false, 022); err != nil {
			return Mode{}, err
		}
		return Mode{Set: true, Symbolic: s}, nil
	}
	return Mode{}, errModeForm
}

// Apply returns the mode a file with mode cur gets: an absolute mode as
// is, a symbolic one relative to cur; umask matters only for symbolic
// clauses that name no user ("+x"), as with chmod.
func (m Mode) Apply(cur uint32, isDir bool, umask uint32) uint32 {
	switch {
	case m.Octal:
		return m.Bits
	case m.Symbolic != "":
		n, _ := applySymbolic(m.Symbolic, cur, isDir, umask)
		return n
	}
	return cur
}

func checkChmodMode(s string) error {
	if _, err := strconv.ParseUint(s, 8, 32); err == nil {
		return nil
	}
	_, err := applySymbolic(s, 0, false, 022)
	return err
}

func applySymbolic(s string, cur uint32, isDir bool, umask uint32) (uint32, error) {
	mode := cur & 07777
	for _, clause := range strings.Split(s, ",") {
		i := strings.IndexAny(clause, "+-=")
		if i < 0 {
			return 0, fmt.Errorf("bad symbolic permission for mode: %s", s)
		}
		users := clause[:i]
		if strings.Trim(users, "ugoa") != "" {
			return 0, fmt.Errorf("bad symbolic permission for mode: %s", s)
		}
		useUmask := users == ""
		if users == "" || strings.Contains(users, "a") {
			users = "ugo"
		}
		rest := clause[i:]
		prev := mode
		for rest != "" {
			op := rest[0]
			rest = rest[1:]
			j := strings.IndexAny(rest, "+-=")
			if j < 0 {
				j = len(rest)
			}
			perms := rest[:j]
			rest = rest[j:]
			if strings.Trim(perms, "rwxXstugo") != "" {
				return 0, fmt.Errorf("bad symbolic permission for mode: %s", s)
			}
			for _, u := range users {
				bits := permBits(u, perms, prev, isDir)
				if useUmask {
					bits &^= umask
				}
				var mask uint32
				switch u {
				case 'u':
					mask = 04700
				case 'g':
					mask = 02070
				case 'o':
					mask = 01007
				}
				switch op {
				case '=':
					mode = mode&^mask | bits
				case '+':
					mode |= bits
				case '-':
					mode &^= bits
				}
			}
		}
	}
	return mode, nil
}

// permBits turns perms for one user class into mode bits; "u", "g", "o"
// in perms copy that class's bits from prev.
func permBits(u rune, perms string, prev uint32, isDir bool) uint32 {
	shift := map[rune]uint{'u': 6, 'g': 3, 'o': 0}[u]
	var rwx uint32
	var special uint32
	for _, p := range perms {
		switch p {
		case 'r':
			rwx |= 4
		case 'w':
			rwx |= 2
		case 'x':
			rwx |= 1
		case 'X':
			if isDir || prev&0111 != 0 {
				rwx |= 1
			}
		case 's':
			switch u {
			case 'u':
				special |= 04000
			case 'g':
				special |= 02000
			}
		case 't':
			if u == 'o' {
				special |= 01000
			}
		case 'u':
			rwx |= prev >> 6 & 7
		case 'g':
			rwx |= prev >> 3 & 7
		case 'o':
			rwx |= prev & 7
		}
	}
	return rwx<<shift | special
}
