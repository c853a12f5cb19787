package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fjord-run/fjord/runner"
	"github.com/fjord-run/fjord/value"
)

// parseExtraVars turns each -e value into one map, in command-line order,
// following Ansible's load_extra_vars: "@file" loads a YAML or JSON file
// (relative to dir), a value starting with "{" or "[" is YAML (JSON is
// YAML), anything else is "k=v" pairs; whatever it is must be a mapping.
func parseExtraVars(opts []string, dir string) ([]*value.Map, error) {
	var out []*value.Map
	for _, opt := range opts {
		if opt == "" {
			continue
		}
		m, err := parseExtraVar(opt, dir)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func parseExtraVar(opt, dir string) (*value.Map, error) {
	var data any
	switch {
	case opt[0] == '@':
		path := expandHome(opt[1:])
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		opt = "@" + path
		if st, err := os.Stat(path); err != nil {
			return nil, &failure{fmt.Errorf("Unable to retrieve file contents\nCould not find or access '%s' on the Ansible Controller.\n"+
				"If you are using a module and expect the file to exist on the remote, see the remote_src option", path), runner.ExitError}
		} else if st.IsDir() {
			return nil, &failure{fmt.Errorf("an error occurred while trying to read the file '%s': is a directory", path), runner.ExitParseError}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, &failure{fmt.Errorf("an error occurred while trying to read the file '%s': %w", path, err), runner.ExitParseError}
		}
		if data, err = loadData(b); err != nil {
			var ye *value.YAMLError
			if errors.As(err, &ye) {
				// file:line:col, as every other YAML error reads
				err = fmt.Errorf("%s:%w", path, ye)
			}
			return nil, &failure{fmt.Errorf("failed to load extra vars from '%s': %w", path, err), runner.ExitParseError}
		}
	case opt[0] == '/' || opt[0] == '.':
		return nil, optionErrorf("Please prepend extra_vars filename '%s' with '@'", opt)
	case opt[0] == '{' || opt[0] == '[':
		var err error
		if data, err = loadData([]byte(opt)); err != nil {
			return nil, &failure{fmt.Errorf("invalid extra vars '%s': %w", opt, err), runner.ExitParseError}
		}
	default:
		kv, err := value.ParseKV(opt)
		if err != nil {
			return nil, &failure{fmt.Errorf("invalid extra vars '%s': %w", opt, err), runner.ExitParseError}
		}
		if len(kv) == 1 && kv[0][0] == "_raw_params" {
			// No "k=v" at all: a block-style YAML mapping ("a: 1") is
			// read as one; Ansible would file it under _raw_params,
			// which no playbook can use.
			if d, err := loadData([]byte(opt)); err == nil {
				if m, ok := d.(*value.Map); ok {
					return m, nil
				}
			}
		}
		m := value.NewMap(len(kv))
		for _, p := range kv {
			m.Set(p[0], p[1])
		}
		return m, nil
	}
	m, ok := data.(*value.Map)
	if !ok {
		return nil, optionErrorf("Invalid extra vars data supplied. '%s' could not be made into a dictionary", opt)
	}
	return m, nil
}

// loadData reads JSON, else YAML (one document), as Ansible's loader does.
func loadData(b []byte) (any, error) {
	if v, err := value.FromJSON(b); err == nil {
		return v, nil
	}
	dec := value.NewDecoder(b)
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("YAML: %w", err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, errors.New("YAML: expected a single document")
	}
	return value.FromNode(&doc)
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}
