package ssh

import (
	"fmt"
	"strings"
)

// cmdline is what an ssh(1) command line in ansible_ssh_common_args,
// ansible_ssh_extra_args or ansible_ssh_args says.
type cmdline struct {
	opts       *settings // -o, -J, -i, -p, -l; these win over the config file
	configFile string    // -F
}

// flags of ssh(1) that take an argument and mean nothing here.
const ignoredArgFlags = "bcDEeILmOQRSWwB"

// parseArgs reads ssh(1) options from shell-quoted argument strings.
func parseArgs(args ...string) (*cmdline, error) {
	cl := &cmdline{opts: newSettings()}
	for _, a := range args {
		words, err := splitWords(a)
		if err != nil {
			return nil, err
		}
		for i := 0; i < len(words); i++ {
			w := words[i]
			if len(w) < 2 || w[0] != '-' {
				continue
			}
			flag := w[1]
			val := w[2:]
			takes := strings.IndexByte("oJiplF"+ignoredArgFlags, flag) >= 0
			if takes && val == "" {
				if i+1 >= len(words) {
					return nil, fmt.Errorf("ssh option -%c needs an argument", flag)
				}
				i++
				val = words[i]
			}
			switch flag {
			case 'o':
				k, v, ok := strings.Cut(val, "=")
				if !ok {
					k, v, _ = strings.Cut(strings.TrimSpace(val), " ")
				}
				vs, err := splitWords(strings.TrimSpace(v))
				if err != nil {
					return nil, err
				}
				cl.opts.set(strings.TrimSpace(k), vs)
			case 'J':
				cl.opts.set("proxyjump", []string{val})
			case 'i':
				cl.opts.set("identityfile", []string{val})
			case 'p':
				cl.opts.set("port", []string{val})
			case 'l':
				cl.opts.set("user", []string{val})
			case 'F':
				cl.configFile = val
			}
		}
	}
	return cl, nil
}

// falsy reports whether s is a false value as Ansible's boolean() reads it.
func falsy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "n", "no", "off", "0", "false", "f", "0.0":
		return true
	}
	return false
}
