package galaxy

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ListRoles prints the roles under each of paths as ansible-galaxy role
// list does; with name, only that role. It returns the warnings to show
// and an error when no path was usable.
func ListRoles(w io.Writer, paths []string, name string) (warnings []string, err error) {
	found, pathFound := false, false
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			warnings = append(warnings, fmt.Sprintf("- the configured path %s does not exist.", p))
			continue
		}
		pathFound = true
		if name != "" {
			dir := filepath.Join(p, name)
			if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
				found = true
				fmt.Fprintf(w, "# %s\n", absPath(p))
				fmt.Fprintf(w, "- %s, %s\n", name, roleVersion(dir))
				break
			}
			warnings = append(warnings, fmt.Sprintf("- the role %s was not found", name))
			continue
		}
		fmt.Fprintf(w, "# %s\n", absPath(p))
		ents, _ := os.ReadDir(p)
		for _, e := range ents {
			dir := filepath.Join(p, e.Name())
			if roleMetadata(dir) != nil {
				fmt.Fprintf(w, "- %s, %s\n", e.Name(), roleVersion(dir))
			}
		}
	}
	if found {
		warnings = nil
	}
	if !pathFound {
		return warnings, fmt.Errorf("- None of the provided paths were usable. Please specify a valid path with --roles-path")
	}
	return warnings, nil
}

func roleVersion(dir string) string {
	if info := installInfo(dir); info != nil {
		if v := str(info["version"]); v != "" {
			return v
		}
	}
	return "(unknown version)"
}

// ListCollections prints the collections under each of paths as
// ansible-galaxy collection list does, in format human, json or yaml;
// with name (NS.NAME), only that one. Missing paths among defaults are
// passed over silently.
func ListCollections(w io.Writer, paths, defaults []string, name, format string) (warnings []string, err error) {
	if name != "" && !validFQCN(name) {
		return nil, fmt.Errorf("Invalid collection name '%s', name must be in the format <namespace>.<collection>.", name)
	}
	isDefault := map[string]bool{}
	for _, d := range defaults {
		isDefault[d] = true
	}
	byPath := ordered{}
	pathFound, found := false, false
	for _, p := range paths {
		fi, err := os.Stat(p)
		switch {
		case err != nil && isDefault[p]:
			continue
		case err != nil:
			warnings = append(warnings, fmt.Sprintf("- the configured path %s does not exist.", absPath(p)))
			continue
		case !fi.IsDir():
			warnings = append(warnings, fmt.Sprintf("- the configured path %s, exists, but it is not a directory.", absPath(p)))
			continue
		}
		pathFound = true
		dir := CollectionsDir(absPath(p))
		colls, _ := installedCollections(dir)
		if name != "" {
			v, ok := colls[name]
			if !ok {
				warnings = append(warnings, fmt.Sprintf("- unable to find %s in collection paths", name))
				continue
			}
			found = true
			colls = map[string]string{name: v}
		}
		if len(colls) == 0 {
			continue
		}
		names := make([]string, 0, len(colls))
		for n := range colls {
			names = append(names, n)
		}
		sort.Strings(names)
		if format == "json" || format == "yaml" {
			o := ordered{}
			for _, n := range names {
				o = append(o, kv{n, ordered{{"version", colls[n]}}})
			}
			byPath = append(byPath, kv{dir, o})
			continue
		}
		nw, vw := 10, 7
		for _, n := range names {
			nw, vw = max(nw, len(n)), max(vw, len(colls[n]))
		}
		fmt.Fprintf(w, "\n# %s\n%-*s %-*s\n%s %s\n", dir, nw, "Collection", vw, "Version", strings.Repeat("-", nw), strings.Repeat("-", vw))
		for _, n := range names {
			fmt.Fprintf(w, "%-*s %-*s\n", nw, n, vw, colls[n])
		}
	}
	if found {
		warnings = nil
	}
	if !pathFound {
		return warnings, fmt.Errorf("- None of the provided paths were usable. Please specify a valid path with --collections-path")
	}
	switch format {
	case "json":
		b, _ := json.Marshal(byPath)
		fmt.Fprintln(w, strings.ReplaceAll(strings.ReplaceAll(string(b), `":`, `": `), `,"`, `, "`))
	case "yaml":
		for _, e := range byPath {
			fmt.Fprintf(w, "%s:\n", yamlScalar(e.k))
			for _, c := range e.v.(ordered) {
				fmt.Fprintf(w, "  %s:\n    version: %s\n", yamlScalar(c.k), yamlScalar(c.v.(ordered)[0].v.(string)))
			}
		}
		if len(byPath) == 0 {
			fmt.Fprintln(w, "{}")
		}
	}
	return warnings, nil
}
