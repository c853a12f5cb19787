package galaxy

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// readManifest returns MANIFEST.json's collection_info.
func readManifest(file string) (ordered, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return manifestInfo(data, file)
}

func manifestInfo(data []byte, file string) (ordered, error) {
	var m struct {
		Info json.RawMessage `json:"collection_info"`
	}
	if err := json.Unmarshal(data, &m); err != nil || m.Info == nil {
		return nil, fmt.Errorf("collection tar file member MANIFEST.json does not contain a valid json string: %s", file)
	}
	// JSON is YAML: the YAML reader keeps the keys' order.
	var n yaml.Node
	if err := yaml.Unmarshal(m.Info, &n); err != nil {
		return nil, err
	}
	info, ok := yamlToJSON(&n).(ordered)
	if !ok {
		return nil, fmt.Errorf("%s: collection_info is not an object", file)
	}
	return info, nil
}

func sha256Bytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// writeSourceInfo records where a collection from a Galaxy server came
// from, in NS.NAME-VERSION.info/GALAXY.yml next to the namespaces, as
// ansible-galaxy does.
func writeSourceInfo(out string, c *candidate) error {
	dir := filepath.Join(out, c.fqcn+"-"+c.version+".info")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	ns, name, _ := strings.Cut(c.fqcn, ".")
	sigs := "[]"
	if len(c.info.Signatures) > 0 {
		b, _ := yaml.Marshal(c.info.Signatures)
		sigs = "\n" + string(b)
		sigs = strings.TrimSuffix(sigs, "\n")
	}
	text := fmt.Sprintf("download_url: %s\nformat_version: 1.0.0\nname: %s\nnamespace: %s\nserver: %s\nsignatures: %s\nversion: %s\nversion_url: %s\n",
		yamlScalar(c.info.DownloadURL), yamlScalar(name), yamlScalar(ns), yamlScalar(c.api.root), sigs, yamlScalar(c.version), yamlScalar(c.info.Href))
	return os.WriteFile(filepath.Join(dir, "GALAXY.yml"), []byte(text), 0o644)
}

// artifactCandidate reads a collection artifact's MANIFEST.json.
func artifactCandidate(file, typ string) (*candidate, error) {
	entries, err := readTar(file)
	if err != nil {
		return nil, fmt.Errorf("collection artifact at '%s' is not a valid tar file: %w", file, err)
	}
	for _, e := range entries {
		if e.hdr.Name == "MANIFEST.json" {
			info, err := manifestInfo(e.data, file)
			if err != nil {
				return nil, err
			}
			return &candidate{
				fqcn:    str(info.get("namespace")) + "." + str(info.get("name")),
				version: str(info.get("version")),
				typ:     typ, archive: file, deps: depsOf(info.get("dependencies")),
			}, nil
		}
	}
	return nil, fmt.Errorf("collection at '%s' does not contain the required file MANIFEST.json", file)
}

func installArtifact(file, dst string) error {
	entries, err := readTar(file)
	if err != nil {
		return err
	}
	byName := map[string]tarEntry{}
	for _, e := range entries {
		byName[strings.TrimSuffix(e.hdr.Name, "/")] = e
	}
	for _, n := range []string{"MANIFEST.json", "FILES.json"} {
		e, ok := byName[n]
		if !ok {
			return fmt.Errorf("Collection tar at '%s' does not contain the expected file '%s'.", file, n)
		}
		if err := writeMember(e, dst, n, ""); err != nil {
			return err
		}
	}
	var files struct {
		Files []struct {
			Name   string `json:"name"`
			Ftype  string `json:"ftype"`
			SHA256 string `json:"chksum_sha256"`
		} `json:"files"`
	}
	if err := json.Unmarshal(byName["FILES.json"].data, &files); err != nil {
		return fmt.Errorf("%s: FILES.json: %w", file, err)
	}
	for _, f := range files.Files {
		if f.Name == "." {
			continue
		}
		e, ok := byName[strings.TrimSuffix(f.Name, "/")]
		if !ok {
			return fmt.Errorf("Unable to extract '%s' from collection", f.Name)
		}
		if f.Ftype == "dir" && e.hdr.Typeflag != tar.TypeSymlink {
			if err := os.MkdirAll(filepath.Join(dst, f.Name), 0o755); err != nil {
				return err
			}
			continue
		}
		if err := writeMember(e, dst, f.Name, f.SHA256); err != nil {
			return fmt.Errorf("%w inside collection at '%s'", err, file)
		}
	}
	return nil
}

func writeMember(e tarEntry, dst, name, want string) error {
	target := filepath.Join(dst, filepath.FromSlash(name))
	if !within(dst, target) {
		return fmt.Errorf("Cannot extract tar entry '%s' as it will be placed outside the collection directory", name)
	}
	if want != "" && e.hdr.Typeflag != tar.TypeSymlink {
		if got := sha256Bytes(e.data); got != want {
			return fmt.Errorf("Checksum mismatch for '%s'", name)
		}
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	if e.hdr.Typeflag == tar.TypeSymlink {
		link := e.hdr.Linkname
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(target), link)
		}
		if !within(dst, link) {
			return fmt.Errorf("Cannot extract symlink '%s' in collection: path points to location outside of collection '%s'", name, e.hdr.Linkname)
		}
		return os.Symlink(e.hdr.Linkname, target)
	}
	mode := os.FileMode(0o644)
	if e.hdr.Mode&0o100 != 0 {
		mode |= 0o111
	}
	if err := os.WriteFile(target, e.data, mode); err != nil {
		return err
	}
	return os.Chmod(target, mode)
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, filepath.Clean(p))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}
