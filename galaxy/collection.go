package galaxy

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// candidate is one collection at one version, from where it will be
// installed.
type candidate struct {
	fqcn, version string
	typ           string // galaxy, git, url, file, dir
	// srcDir is a source tree (git, dir); archive a collection artifact
	// (url, file, galaxy once downloaded).
	srcDir, archive string
	meta            ordered // galaxy.yml, normalized (srcDir only)
	deps            map[string]string
	// galaxy only
	api  *api
	info *versionInfo
}

func (c *candidate) String() string { return c.fqcn + ":" + c.version }

// CollectionsDir is where collections under path go: path itself when
// it ends in ansible_collections, else path/ansible_collections.
func CollectionsDir(path string) string {
	if filepath.Base(path) == "ansible_collections" {
		return path
	}
	return filepath.Join(path, "ansible_collections")
}

// InstallCollections installs reqs, and what they depend on unless
// NoDeps, under path (see CollectionsDir).
func (in *Installer) InstallCollections(ctx context.Context, path string, reqs []CollectionReq) error {
	out := CollectionsDir(path)
	tmp, err := os.MkdirTemp(in.TmpDir, "fjord-galaxy-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	existing, err := installedCollections(out)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	r := &resolver{in: in, tmp: tmp, apis: map[string]*api{}, existing: existing, constraints: map[string][]string{}, why: map[string][]string{}, sources: map[string][]Server{}, out: out, chosen: map[string]*candidate{}}
	// Concrete sources are fetched first: their names and versions are
	// only known from what they hold.
	unsatisfied := 0
	var direct []*candidate
	for _, req := range reqs {
		if req.Type == "galaxy" {
			if v, ok := existing[req.Name]; in.Force || !ok || !meetsRequirement(v, req.Version) {
				unsatisfied++
			}
			continue
		}
		cs, err := r.concrete(ctx, req)
		if err != nil {
			return err
		}
		// ansible-galaxy installs a collection from a git repository, a
		// URL, a file or a directory again each time it is asked to.
		unsatisfied += len(cs)
		direct = append(direct, cs...)
	}
	if unsatisfied == 0 {
		in.printf("Nothing to do. All requested collections are already installed. If you want to reinstall them, consider using `--force`.")
		return nil
	}
	requested := map[string]bool{}
	for _, c := range direct {
		requested[c.fqcn] = true
	}
	for _, req := range reqs {
		if req.Type == "galaxy" {
			requested[req.Name] = true
		}
	}
	in.printf("Process install dependency map")
	for _, c := range direct {
		if err := r.add(ctx, c.fqcn, c.version, c, requested[c.fqcn], nil); err != nil {
			return err
		}
	}
	for _, req := range reqs {
		if req.Type == "galaxy" {
			if err := r.addGalaxy(ctx, req, true); err != nil {
				return err
			}
		}
	}
	if err := r.resolveDeps(ctx); err != nil {
		return err
	}
	in.printf("Starting collection install process")
	for _, fqcn := range r.order {
		c := r.chosen[fqcn]
		if c.typ == "installed" {
			in.printf("'%s' is already installed, skipping.", c)
			continue
		}
		if err := in.installCandidate(ctx, c, out, tmp); err != nil {
			if in.IgnoreErrors {
				in.warn("Failed to install collection %s but skipping due to --ignore-errors being set. Error: %v", c, err)
				continue
			}
			return err
		}
	}
	return nil
}

// concrete fetches a git, url, file or dir collection and reads what it
// is; a tree holding several collections gives each.
func (r *resolver) concrete(ctx context.Context, req CollectionReq) ([]*candidate, error) {
	switch req.Type {
	case "git":
		dir, err := r.clone(ctx, req)
		if err != nil {
			return nil, err
		}
		return sourceCandidates(dir, "git")
	case "dir", "subdirs":
		return sourceCandidates(req.Name, "dir")
	case "url":
		f, err := os.CreateTemp(r.tmp, "artifact-*.tar.gz")
		if err != nil {
			return nil, err
		}
		f.Close()
		r.in.printf("Downloading %s to %s", req.Name, r.tmp)
		if err := download(ctx, r.in.client(), req.Name, f.Name()); err != nil {
			return nil, err
		}
		c, err := artifactCandidate(f.Name(), "url")
		if err != nil {
			return nil, err
		}
		return []*candidate{c}, nil
	case "file":
		c, err := artifactCandidate(req.Name, "file")
		if err != nil {
			return nil, err
		}
		return []*candidate{c}, nil
	}
	return nil, fmt.Errorf("the collection requirement entry type %q is not supported", req.Type)
}

// clone checks out a git collection source: "[git+]URL[#subdir][,version]".
func (r *resolver) clone(ctx context.Context, req CollectionReq) (string, error) {
	src, version := req.Name, req.Version
	if s, v, ok := strings.Cut(src, ","); ok {
		src, version = s, v
	} else if version == "*" || version == "" {
		version = "HEAD"
	}
	src = strings.TrimPrefix(src, "git+")
	fragment := ""
	if i := strings.LastIndex(src, "#"); i >= 0 {
		src, fragment = src[:i], strings.Trim(src[i+1:], "/")
	}
	dir, err := os.MkdirTemp(r.tmp, "git-")
	if err != nil {
		return "", err
	}
	args := []string{"clone", "--quiet"}
	if version == "HEAD" {
		args = append(args, "--depth=1")
	}
	if err := runGit(ctx, r.tmp, append(args, src, dir)...); err != nil {
		return "", fmt.Errorf("Failed to clone a Git repository from `%s`: %w", src, err)
	}
	if err := runGit(ctx, dir, "checkout", "--quiet", version); err != nil {
		return "", fmt.Errorf("Failed to switch a cloned Git repo `%s` to the requested revision `%s`: %w", src, version, err)
	}
	return filepath.Join(dir, filepath.FromSlash(fragment)), nil
}

// sourceCandidates reads a collection source tree, or a tree of them
// (NS/NAME/galaxy.yml or NAME/galaxy.yml).
func sourceCandidates(dir, typ string) ([]*candidate, error) {
	if c, err := sourceCandidate(dir, typ); err == nil || !errors.Is(err, os.ErrNotExist) {
		if err != nil {
			return nil, err
		}
		return []*candidate{c}, nil
	}
	var out []*candidate
	for _, pattern := range []string{"*/*/galaxy.yml", "*/*/MANIFEST.json", "*/galaxy.yml", "*/MANIFEST.json"} {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			c, err := sourceCandidate(filepath.Dir(m), typ)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return nil, fmt.Errorf("collection at '%s' does not have a MANIFEST.json file, nor has it galaxy.yml: cannot detect version", dir)
}

func sourceCandidate(dir, typ string) (*candidate, error) {
	var meta ordered
	var err error
	for _, f := range []string{"galaxy.yml", "galaxy.yaml"} {
		if meta, err = readGalaxyYML(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			break
		}
	}
	if errors.Is(err, os.ErrNotExist) {
		// an installed collection: its MANIFEST.json says what it is,
		// and nothing in it is left out
		info, err2 := readManifest(filepath.Join(dir, "MANIFEST.json"))
		if err2 != nil {
			return nil, err2
		}
		meta = info.set("build_ignore", []any{})
	} else if err != nil {
		return nil, err
	}
	c := &candidate{typ: typ, srcDir: dir, meta: meta, version: str(meta.get("version"))}
	c.fqcn = str(meta.get("namespace")) + "." + str(meta.get("name"))
	c.deps = depsOf(meta.get("dependencies"))
	return c, nil
}

func depsOf(v any) map[string]string {
	out := map[string]string{}
	if o, ok := v.(ordered); ok {
		for _, e := range o {
			out[e.k] = str(e.v)
		}
	}
	return out
}

// installedCollections maps NS.NAME to the version of each collection
// under dir (NS/NAME).
func installedCollections(dir string) (map[string]string, error) {
	out := map[string]string{}
	nss, err := os.ReadDir(dir)
	if err != nil {
		return out, err
	}
	for _, ns := range nss {
		if !ns.IsDir() {
			continue
		}
		colls, _ := os.ReadDir(filepath.Join(dir, ns.Name()))
		for _, c := range colls {
			if c.IsDir() {
				out[ns.Name()+"."+c.Name()] = installedVersion(filepath.Join(dir, ns.Name(), c.Name()))
			}
		}
	}
	return out, nil
}

// installedVersion is an installed collection's version from its
// MANIFEST.json or galaxy.yml; "*" when neither says.
func installedVersion(dir string) string {
	if info, err := readManifest(filepath.Join(dir, "MANIFEST.json")); err == nil {
		if v := str(info.get("version")); v != "" {
			return v
		}
	}
	if meta, err := readGalaxyYML(filepath.Join(dir, "galaxy.yml")); err == nil {
		return str(meta.get("version"))
	}
	return "*"
}

func (in *Installer) installCandidate(ctx context.Context, c *candidate, out, tmp string) error {
	ns, name, _ := strings.Cut(c.fqcn, ".")
	dst := filepath.Join(out, ns, name)
	if c.typ == "galaxy" {
		f := filepath.Join(tmp, path.Base(strings.TrimSuffix(mustPath(c.info.DownloadURL), "/")))
		in.printf("Downloading %s to %s", c.info.DownloadURL, tmp)
		if err := download(ctx, in.client(), c.info.DownloadURL, f); err != nil {
			return err
		}
		if sum, err := sha256File(f); err != nil {
			return err
		} else if c.info.Artifact.SHA256 != "" && sum != c.info.Artifact.SHA256 {
			return fmt.Errorf("Mismatch artifact hash with downloaded file")
		}
		c.archive = f
	}
	in.printf("Installing '%s' to '%s'", c, dst)
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if c.srcDir != "" {
		files, err := buildFilesManifest(c.srcDir, ns, name, strList(c.meta.get("build_ignore")), in.warn)
		if err != nil {
			return err
		}
		if err := installFromSource(c.srcDir, dst, buildManifest(c.meta), files); err != nil {
			return err
		}
		in.printf("Created collection for %s at %s", c, dst)
	} else {
		if err := installArtifact(c.archive, dst); err != nil {
			os.RemoveAll(dst)
			if nsDir := filepath.Dir(dst); isEmptyDir(nsDir) {
				os.Remove(nsDir)
			}
			return err
		}
		if c.typ == "galaxy" {
			if err := writeSourceInfo(out, c); err != nil {
				return err
			}
		}
	}
	in.printf("%s was installed successfully", c)
	return nil
}

func mustPath(address string) string {
	if u, err := url.Parse(address); err == nil {
		return u.Path
	}
	return address
}

func isEmptyDir(dir string) bool {
	ents, err := os.ReadDir(dir)
	return err == nil && len(ents) == 0
}

func strList(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, e := range l {
		out = append(out, str(e))
	}
	return out
}

// installArtifact extracts a collection artifact: MANIFEST.json,
// FILES.json and what FILES.json lists, checking each file's sha256.
// writeMember writes one member of an artifact below dst, refusing
// anything that would land (or link) outside it.
