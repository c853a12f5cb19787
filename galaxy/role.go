package galaxy

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Installer installs roles and collections; its fields are
// ansible-galaxy's options.
type Installer struct {
	Out  io.Writer
	Warn func(string)
	// Force replaces what is installed already.
	Force bool
	// ForceDeps also replaces collections installed already that a
	// collection asked for depends on.
	ForceDeps bool
	// NoDeps installs only what was asked for.
	NoDeps bool
	// IgnoreErrors goes on with the next role or collection after one
	// fails.
	IgnoreErrors bool
	// AllowPre lets Galaxy pre-releases satisfy a requirement.
	AllowPre bool
	// Servers are the Galaxy servers asked for a collection, in order.
	Servers []Server
	HTTP    *http.Client
	// TmpDir holds clones and downloads; empty means the system's.
	TmpDir string
	// Now gives install dates; nil means time.Now.
	Now func() time.Time
}

func (in *Installer) printf(format string, a ...any) { fmt.Fprintf(in.Out, format+"\n", a...) }

func (in *Installer) warn(format string, a ...any) {
	if in.Warn != nil {
		in.Warn(fmt.Sprintf(format, a...))
	}
}

func (in *Installer) client() *http.Client {
	if in.HTTP != nil {
		return in.HTTP
	}
	// ansible-galaxy's default server timeout
	return &http.Client{Timeout: 60 * time.Second}
}

// ErrIgnorable is what a failed role install returns: the role was
// reported, and --ignore-errors would have gone on.
var ErrIgnorable = errors.New("- you can use --ignore-errors to skip failed roles and finish processing the list.")

const installInfoFile = "meta/.galaxy_install_info"

var metaMains = []string{"meta/main.yml", "meta/main.yaml", "meta/main"}

// installInfo is meta/.galaxy_install_info; nil when there is none.
func installInfo(dir string) map[string]any {
	data, err := os.ReadFile(filepath.Join(dir, installInfoFile))
	if err != nil {
		return nil
	}
	var m map[string]any
	if yaml.Unmarshal(data, &m) != nil || m == nil {
		return nil
	}
	return m
}

func roleMetadata(dir string) map[string]any {
	for _, m := range metaMains {
		data, err := os.ReadFile(filepath.Join(dir, m))
		if err != nil {
			continue
		}
		var meta map[string]any
		if yaml.Unmarshal(data, &meta) == nil && meta != nil {
			return meta
		}
	}
	return nil
}

// InstallRoles installs reqs into rolesPath, and their dependencies
// (meta/main.yml dependencies and meta/requirements.yml) unless NoDeps.
func (in *Installer) InstallRoles(ctx context.Context, rolesPath string, reqs []RoleReq) error {
	queue := append([]RoleReq(nil), reqs...)
	for i := 0; i < len(queue); i++ {
		role := queue[i]
		dir := filepath.Join(rolesPath, role.Name)
		if info := installInfo(dir); info != nil {
			have := str(info["version"])
			if have != role.Version || in.Force {
				if !in.Force {
					in.warn("- %s (%s) is already installed - use --force to change version to %s", role.Name, have, orUnspecified(role.Version))
					continue
				}
				in.printf("- changing role %s from %s to %s", role.Name, have, orUnspecified(role.Version))
				if err := os.RemoveAll(dir); err != nil {
					return err
				}
			} else {
				in.printf("- %s is already installed, skipping.", role)
				continue
			}
		}
		meta, err := in.installRole(ctx, rolesPath, role)
		if err != nil {
			in.warn("- %s was NOT installed successfully: %v ", role.Name, err)
			if in.IgnoreErrors {
				continue
			}
			return ErrIgnorable
		}
		if in.NoDeps {
			continue
		}
		if meta == nil {
			in.warn("Meta file %s is empty. Skipping dependencies.", dir)
			continue
		}
		for _, dep := range roleDependencies(meta, dir) {
			if !strings.Contains(dep.Name, ".") && !strings.Contains(dep.Src, ".") && dep.Scm == "" {
				// a role the playbook finds next to it, not one to install
				continue
			}
			depDir := filepath.Join(rolesPath, dep.Name)
			if info := installInfo(depDir); info != nil {
				if have := str(info["version"]); have != dep.Version {
					in.warn("- dependency %s (%s) from role %s differs from already installed version (%s), skipping", dep, dep.Version, role.Name, have)
				} else {
					in.printf("- dependency %s is already installed, skipping.", dep.Name)
				}
				continue
			}
			pending := false
			for _, q := range queue {
				pending = pending || q.Name == dep.Name
			}
			if pending {
				in.printf("- dependency %s already pending installation.", dep.Name)
				continue
			}
			in.printf("- adding dependency: %s", dep)
			queue = append(queue, dep)
		}
	}
	return nil
}

func orUnspecified(v string) string {
	if v == "" {
		return "unspecified"
	}
	return v
}

// roleDependencies are the roles a role's meta/main.yml and
// meta/requirements.yml ask for.
func roleDependencies(meta map[string]any, dir string) []RoleReq {
	var entries []any
	if deps, ok := meta["dependencies"].([]any); ok {
		entries = append(entries, deps...)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "meta", "requirements.yml")); err == nil {
		var reqs []any
		if yaml.Unmarshal(data, &reqs) == nil {
			entries = append(entries, reqs...)
		}
	}
	var out []RoleReq
	for _, e := range entries {
		if r, err := roleEntry(e); err == nil {
			out = append(out, r)
		}
	}
	return out
}

// installRole fetches one role and extracts it into rolesPath/NAME,
// returning its meta/main.yml.
func (in *Installer) installRole(ctx context.Context, rolesPath string, role RoleReq) (map[string]any, error) {
	tmp, err := os.MkdirTemp(in.TmpDir, "fjord-galaxy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	archive, err := in.fetchRole(ctx, tmp, &role)
	if err != nil {
		return nil, err
	}
	entries, err := readTar(archive)
	if err != nil {
		return nil, errors.New("the downloaded file does not appear to be a valid tar archive.")
	}
	// The role's top is the parent of the shallowest meta/main.yml:
	// archives of a role may hold sub-roles with their own.
	var metaEntry *tarEntry
	parent := ""
	for i, e := range entries {
		for _, m := range metaMains {
			if !strings.Contains(e.hdr.Name, m) {
				continue
			}
			p := path.Dir(path.Dir(e.hdr.Name))
			if p == "." {
				p = ""
			}
			if metaEntry == nil || len(p) < len(parent) {
				metaEntry, parent = &entries[i], p
			}
		}
	}
	if metaEntry == nil {
		return nil, errors.New("this role does not appear to have a meta/main.yml file.")
	}
	var meta map[string]any
	if err := yaml.Unmarshal(metaEntry.data, &meta); err != nil {
		return nil, errors.New("this role does not appear to have a valid meta/main.yml file.")
	}
	dir := filepath.Join(rolesPath, role.Name)
	in.printf("- extracting %s to %s", role.Name, absPath(dir))
	if fi, err := os.Stat(dir); err == nil {
		switch {
		case !fi.IsDir():
			return nil, errors.New("the specified roles path exists and is not a directory.")
		case !in.Force:
			return nil, fmt.Errorf("the specified role %s appears to already exist. Use --force to replace it.", role.Name)
		case roleMetadata(dir) == nil:
			return nil, fmt.Errorf("%s doesn't appear to contain a role.\n  please remove this directory manually if you really want to put the role here.", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.hdr.Typeflag != tar.TypeReg && e.hdr.Typeflag != tar.TypeSymlink {
			continue
		}
		name := strings.Replace(e.hdr.Name, parent, "", 1)
		var parts []string
		for _, p := range strings.Split(name, "/") {
			// never outside the role, never through ~ or $ expansions
			if p != ".." && p != "" && !strings.HasPrefix(p, "~") && !strings.Contains(p, "$") {
				parts = append(parts, p)
			}
		}
		if len(parts) == 0 {
			continue
		}
		if err := extractEntry(e, filepath.Join(dir, filepath.Join(parts...))); err != nil {
			return nil, fmt.Errorf("Could not update files in %s: %w", dir, err)
		}
	}
	if err := in.writeInstallInfo(dir, role); err != nil {
		return nil, err
	}
	in.printf("- %s was installed successfully", role)
	return meta, nil
}

// fetchRole returns a tar archive of the role.
func (in *Installer) fetchRole(ctx context.Context, tmp string, role *RoleReq) (string, error) {
	switch {
	case role.Scm != "":
		if role.Scm != "git" {
			return "", fmt.Errorf("- scm %s is not currently supported", role.Scm)
		}
		if err := runGit(ctx, tmp, "clone", role.Src, role.Name); err != nil {
			return "", err
		}
		repo := filepath.Join(tmp, role.Name)
		rev := "HEAD"
		if role.Version != "" {
			if err := runGit(ctx, repo, "checkout", role.Version); err != nil {
				return "", err
			}
			rev = role.Version
		}
		out := filepath.Join(tmp, "role.tar")
		if err := runGit(ctx, repo, "archive", "--prefix="+role.Name+"/", "--output="+out, rev); err != nil {
			return "", err
		}
		return out, nil
	case isFile(role.Src):
		return role.Src, nil
	case strings.Contains(role.Src, "://"):
		out := filepath.Join(tmp, "role.tar.gz")
		in.printf("- downloading role from %s", role.Src)
		if err := download(ctx, in.client(), role.Src, out); err != nil {
			return "", fmt.Errorf("failed to download the file: %w", err)
		}
		return out, nil
	}
	return in.fetchGalaxyRole(ctx, tmp, role)
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// extractEntry writes a regular file or symlink from an archive.
func extractEntry(e tarEntry, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	_ = os.Remove(dst)
	if e.hdr.Typeflag == tar.TypeSymlink {
		return os.Symlink(e.hdr.Linkname, dst)
	}
	if err := os.WriteFile(dst, e.data, 0o600); err != nil {
		return err
	}
	if err := os.Chmod(dst, os.FileMode(e.hdr.Mode)&os.ModePerm); err != nil {
		return err
	}
	return os.Chtimes(dst, e.hdr.ModTime, e.hdr.ModTime)
}

// writeInstallInfo records the version and the date, as ansible-galaxy
// does (the date in C's %c format, UTC).
func (in *Installer) writeInstallInfo(dir string, role RoleReq) error {
	now := time.Now
	if in.Now != nil {
		now = in.Now
	}
	version := "null"
	if role.VersionSet {
		version = yamlScalar(role.Version)
	}
	text := fmt.Sprintf("install_date: %s\nversion: %s\n", yamlScalar(now().UTC().Format("Mon Jan _2 15:04:05 2006")), version)
	if err := os.MkdirAll(filepath.Join(dir, "meta"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, installInfoFile), []byte(text), 0o644)
}

// yamlScalar writes a string as PyYAML's safe dumper does: plain when
// it reads back as the same string, else single-quoted.
func yamlScalar(s string) string {
	out, err := yaml.Marshal(s)
	text := strings.TrimSuffix(string(out), "\n")
	if err == nil && text != "" && text[0] != '"' && text[0] != '\'' && !strings.Contains(text, "\n") {
		return text
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
