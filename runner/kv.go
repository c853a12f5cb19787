package runner

import (
	"strings"

	"github.com/fjord-run/fjord/value"
)

// parseKV parses "a=1 b='x y'" as Ansible's parse_kv does; the words that
// are not k=v come back joined as rest (the free-form part).
func parseKV(s string) ([][2]string, string, error) {
	kv, err := value.ParseKV(s)
	if err != nil {
		return nil, "", err
	}
	kv, rest := takeRaw(kv)
	return kv, rest, nil
}

// splitFreeForm takes the options a free-form module knows out of s
// (parse_kv with check_raw) and leaves the rest of the string as written.
func splitFreeForm(s string, opts map[string]bool) (string, [][2]string, error) {
	kv, err := value.ParseKVRaw(s, opts)
	if err != nil {
		return "", nil, err
	}
	kv, raw := takeRaw(kv)
	return strings.TrimSpace(raw), kv, nil
}

// takeRaw separates _raw_params from the options.
func takeRaw(kv [][2]string) ([][2]string, string) {
	if n := len(kv); n > 0 && kv[n-1][0] == "_raw_params" {
		return kv[:n-1], kv[n-1][1]
	}
	return kv, ""
}
