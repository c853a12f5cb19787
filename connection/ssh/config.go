package ssh

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// sshConfig is the part of an ssh_config(5) file this package uses: Host
// blocks (Match blocks are skipped) and their keyword/argument lines, in
// file order, Include expanded.
type sshConfig struct {
	blocks []configBlock
}

type configBlock struct {
	patterns []string // nil: the lines before the first Host, which apply to all
	skip     bool     // a Match block: not understood, never applies
	lines    []configLine
}

type configLine struct {
	key  string // lower case
	args []string
}

// settings is one host's resolved options: the first value obtained for a
// keyword wins, as in ssh_config(5); IdentityFile accumulates.
type settings struct {
	values     map[string]string
	identities []string
}

func newSettings() *settings { return &settings{values: map[string]string{}} }

func (s *settings) get(key string) string { return s.values[strings.ToLower(key)] }

// set records a value unless the keyword already has one.
func (s *settings) set(key string, args []string) {
	key = strings.ToLower(key)
	if len(args) == 0 {
		return
	}
	if key == "identityfile" {
		s.identities = append(s.identities, args[0])
		return
	}
	if _, ok := s.values[key]; !ok {
		s.values[key] = strings.Join(args, " ")
	}
}

// readConfigFile parses an ssh_config file; a missing file is an empty
// config.
func readConfigFile(name string) (*sshConfig, error) {
	c := &sshConfig{}
	if err := c.readFile(name, 0); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	return c, nil
}

func (c *sshConfig) readFile(name string, depth int) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return c.read(f, name, depth)
}

func (c *sshConfig) read(r io.Reader, name string, depth int) error {
	if depth > 8 {
		return fmt.Errorf("%s: Include nested too deeply", name)
	}
	if len(c.blocks) == 0 {
		c.blocks = append(c.blocks, configBlock{})
	}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		key, args, err := splitConfigLine(sc.Text())
		if err != nil {
			return fmt.Errorf("%s:%d: %v", name, n, err)
		}
		switch key {
		case "":
			continue
		case "host":
			c.blocks = append(c.blocks, configBlock{patterns: args})
		case "match":
			all := len(args) == 1 && strings.EqualFold(args[0], "all")
			if all {
				c.blocks = append(c.blocks, configBlock{patterns: []string{"*"}})
			} else {
				c.blocks = append(c.blocks, configBlock{skip: true})
			}
		case "include":
			// An Include inside a Host block applies only there; files
			// read here append blocks of their own, so scope the included
			// lines by re-opening the current block's patterns after.
			cur := c.blocks[len(c.blocks)-1]
			for _, pat := range args {
				pat = expandTilde(pat)
				if !filepath.IsAbs(pat) {
					pat = filepath.Join(filepath.Dir(name), pat)
				}
				files, _ := filepath.Glob(pat)
				for _, f := range files {
					sub := &sshConfig{blocks: []configBlock{{patterns: cur.patterns, skip: cur.skip}}}
					if err := sub.readFile(f, depth+1); err != nil && !os.IsNotExist(err) {
						return err
					}
					c.blocks = append(c.blocks, sub.blocks...)
				}
			}
			c.blocks = append(c.blocks, configBlock{patterns: cur.patterns, skip: cur.skip})
		default:
			b := &c.blocks[len(c.blocks)-1]
			b.lines = append(b.lines, configLine{key: key, args: args})
		}
	}
	return sc.Err()
}

// splitConfigLine splits "Keyword args" or "Keyword=args"; key is lower
// case, "" for a blank or comment line.
func splitConfigLine(line string) (string, []string, error) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return "", nil, nil
	}
	i := strings.IndexAny(line, " \t=")
	if i < 0 {
		return strings.ToLower(line), nil, nil
	}
	key := strings.ToLower(line[:i])
	rest := strings.TrimLeft(line[i:], " \t")
	if strings.HasPrefix(rest, "=") {
		rest = strings.TrimLeft(rest[1:], " \t")
	}
	args, err := splitWords(rest)
	if err != nil {
		return "", nil, err
	}
	// A trailing comment after the arguments.
	for j, a := range args {
		if strings.HasPrefix(a, "#") {
			args = args[:j]
			break
		}
	}
	return key, args, nil
}

// splitWords splits s into words as a POSIX shell would, honouring single
// and double quotes and backslashes, without any expansion.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case ch == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated quote in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case ch == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated quote in %q", s)
			}
			inWord = true
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// apply adds to s every line of every block that matches host.
func (c *sshConfig) apply(host string, s *settings) {
	if c == nil {
		return
	}
	for _, b := range c.blocks {
		if b.skip || (b.patterns != nil && !matchHost(b.patterns, host)) {
			continue
		}
		for _, l := range b.lines {
			s.set(l.key, l.args)
		}
	}
}

// matchHost reports whether host matches a Host line's pattern list: at
// least one positive pattern matches and no negated one does. Patterns
// may themselves be comma-separated lists.
func matchHost(patterns []string, host string) bool {
	host = strings.ToLower(host)
	matched := false
	for _, field := range patterns {
		for _, p := range strings.Split(field, ",") {
			if p == "" {
				continue
			}
			neg := strings.HasPrefix(p, "!")
			if neg {
				p = p[1:]
			}
			if ok, _ := path.Match(strings.ToLower(p), host); ok || p == "*" {
				if neg {
					return false
				}
				matched = true
			}
		}
	}
	return matched
}

// expandTokens replaces ssh_config's % tokens and a leading ~.
func expandTokens(s, host, port, user, home string) string {
	s = expandTilde(s)
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'h':
			b.WriteString(host)
		case 'p':
			b.WriteString(port)
		case 'r':
			b.WriteString(user)
		case 'u':
			b.WriteString(localUser())
		case 'd':
			b.WriteString(home)
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func expandTilde(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return home + p[1:]
		}
	}
	return p
}
