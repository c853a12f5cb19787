package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/internal/testgate"
)

// galaxyFixture is what a galaxy install test installs from: git
// repositories, tarballs and a Galaxy server on loopback.
type galaxyFixture struct {
	dir    string
	server *httptest.Server
	// requests are the paths the Galaxy server was asked for.
	requests []string
}

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func gitRepo(t *testing.T, dir string, files map[string]string, tag string) {
	t.Helper()
	writeTree(t, dir, files)
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		{"-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "initial"},
		{"tag", tag},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}

// tarGz packs files (name -> text) under prefix into a .tar.gz.
func tarGz(t *testing.T, files map[string]string, prefix string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if strings.HasSuffix(n, "/") {
			if err := tw.WriteHeader(&tar.Header{Name: prefix + n, Mode: 0o755, Typeflag: tar.TypeDir}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Name: prefix + n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// collectionArtifact builds a collection artifact as ansible-galaxy
// collection build lays it out: MANIFEST.json, FILES.json, the files.
func collectionArtifact(t *testing.T, ns, name, version string, deps map[string]string, files map[string]string) []byte {
	t.Helper()
	type entry struct {
		Name       string  `json:"name"`
		Ftype      string  `json:"ftype"`
		ChksumType *string `json:"chksum_type"`
		Chksum     *string `json:"chksum_sha256"`
		Format     int     `json:"format"`
	}
	entries := []entry{{Name: ".", Ftype: "dir", Format: 1}}
	dirs := map[string]bool{}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
		for d := filepath.Dir(n); d != "."; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		names = append(names, d+"/")
	}
	sort.Strings(names)
	all := map[string]string{}
	for _, n := range names {
		if strings.HasSuffix(n, "/") {
			entries = append(entries, entry{Name: strings.TrimSuffix(n, "/"), Ftype: "dir", Format: 1})
			all[n] = ""
			continue
		}
		typ, sum := "sha256", sha([]byte(files[n]))
		entries = append(entries, entry{Name: n, Ftype: "file", ChksumType: &typ, Chksum: &sum, Format: 1})
		all[n] = files[n]
	}
	filesJSON, _ := json.MarshalIndent(map[string]any{"files": entries, "format": 1}, "", " ")
	manifest, _ := json.MarshalIndent(map[string]any{
		"collection_info": map[string]any{
			"namespace": ns, "name": name, "version": version, "authors": []string{"t"}, "readme": "README.md",
			"tags": []string{}, "description": nil, "license": []string{"MIT"}, "license_file": nil,
			"dependencies": deps, "repository": nil, "documentation": nil, "homepage": nil, "issues": nil,
		},
		"file_manifest_file": map[string]any{"name": "FILES.json", "ftype": "file", "chksum_type": "sha256", "chksum_sha256": sha(filesJSON), "format": 1},
		"format":             1,
	}, "", " ")
	all["FILES.json"] = string(filesJSON)
	all["MANIFEST.json"] = string(manifest)
	return tarGz(t, all, "")
}

// newGalaxyFixture makes a git role, a role tarball served over HTTP, a
// git collection depending on a Galaxy one, and a Galaxy v3 server with
// two versions of srvns.srvcoll (which depends on srvns.dep).
func newGalaxyFixture(t *testing.T) *galaxyFixture {
	t.Helper()
	testgate.Tool(t, "git", "apt-get install -y git")
	f := &galaxyFixture{dir: t.TempDir()}
	gitRepo(t, filepath.Join(f.dir, "src", "roledep"), map[string]string{
		"meta/main.yml":  "galaxy_info:\n  author: t\ndependencies: []\n",
		"tasks/main.yml": "- debug:\n    msg: hello from roledep\n",
	}, "v0.1")
	gitRepo(t, filepath.Join(f.dir, "src", "rolegit"), map[string]string{
		"meta/main.yml": "galaxy_info:\n  author: t\n  description: git role\ndependencies:\n" +
			"  - src: git+file://" + f.dir + "/src/roledep\n    version: v0.1\n",
		"tasks/main.yml": "- debug:\n    msg: hello from rolegit\n",
		"README.md":      "rolegit\n",
	}, "v1.0")
	gitRepo(t, filepath.Join(f.dir, "src", "collgit"), map[string]string{
		"galaxy.yml": "namespace: gitns\nname: gitcoll\nversion: 1.0.0\nreadme: README.md\nauthors:\n- t\n" +
			"dependencies:\n  srvns.srvcoll: '>=1.0.0'\nbuild_ignore:\n- '*.bak'\n",
		"README.md":                  "gitcoll\n",
		"notes.bak":                  "left out\n",
		"roles/hello/tasks/main.yml": "- debug:\n    msg: hello from gitns.gitcoll\n",
		"plugins/README.md":          "plugins\n",
	}, "1.0.0")
	roleTar := tarGz(t, map[string]string{
		"meta/main.yml":     "galaxy_info:\n  author: t\ndependencies: []\n",
		"tasks/main.yml":    "- debug:\n    msg: hello from roletar\n",
		"defaults/main.yml": "roletar_x: 1\n",
	}, "roletar-1.2/")
	if err := os.WriteFile(filepath.Join(f.dir, "src", "roletar.tar.gz"), roleTar, 0o644); err != nil {
		t.Fatal(err)
	}
	artifacts := map[string][]byte{
		"srvns-srvcoll-1.0.0.tar.gz": collectionArtifact(t, "srvns", "srvcoll", "1.0.0", map[string]string{}, map[string]string{
			"README.md": "old\n", "roles/greet/tasks/main.yml": "- debug:\n    msg: old srvcoll\n"}),
		"srvns-srvcoll-1.1.0.tar.gz": collectionArtifact(t, "srvns", "srvcoll", "1.1.0", map[string]string{"srvns.dep": "1.0.0"}, map[string]string{
			"README.md": "srvcoll\n", "roles/greet/tasks/main.yml": "- debug:\n    msg: hello from srvns.srvcoll\n",
			"plugins/modules/README.md": "none\n"}),
		"srvns-dep-1.0.0.tar.gz": collectionArtifact(t, "srvns", "dep", "1.0.0", map[string]string{}, map[string]string{"README.md": "dep\n"}),
	}
	if err := os.WriteFile(filepath.Join(f.dir, "src", "srvns-dep-1.0.0.tar.gz"), artifacts["srvns-dep-1.0.0.tar.gz"], 0o644); err != nil {
		t.Fatal(err)
	}
	versions := map[string][]string{"srvns/srvcoll": {"1.0.0", "1.1.0", "2.0.0-beta1"}, "srvns/dep": {"1.0.0"}}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		f.requests = append(f.requests, r.URL.Path)
		if r.URL.Path == "/api/" {
			fmt.Fprint(w, `{"available_versions": {"v1": "v1/", "v3": "v3/", "pulp-v3": "pulp/api/v3/"}}`)
			return
		}
		// the v1 role API: one role, acme.web, in two versions
		if r.URL.Path == "/api/v1/roles/" {
			results := "[]"
			if q := r.URL.Query(); q.Get("owner__username") == "acme" && q.Get("name") == "web" {
				results = `[{"id": 7, "name": "web", "github_user": "acme", "github_repo": "ansible-role-web", "github_branch": "main"}]`
			}
			fmt.Fprintf(w, `{"count": 1, "next_link": null, "results": %s}`, results)
			return
		}
		if r.URL.Path == "/api/v1/roles/7/versions/" {
			fmt.Fprintf(w, `{"next_link": null, "results": [{"name": "1.0.0", "download_url": "http://%[1]s/roles/roletar-1.2.tar.gz"}, `+
				`{"name": "1.10.0", "download_url": "http://%[1]s/roles/roletar-1.2.tar.gz"}, {"name": "1.9.0"}]}`, r.Host)
			return
		}
		if m := regexp.MustCompile(`^/api/v3/collections/(\w+)/(\w+)/$`).FindStringSubmatch(r.URL.Path); m != nil {
			if _, ok := versions[m[1]+"/"+m[2]]; !ok {
				http.NotFound(w, r)
				return
			}
			// ansible-galaxy asks when the collection changed, to know
			// whether its cache of the versions is still good
			fmt.Fprintf(w, `{"namespace": %q, "name": %q, "href": %q, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z"}`,
				m[1], m[2], r.URL.Path)
			return
		}
		m := regexp.MustCompile(`^/api/v3/collections/(\w+)/(\w+)/versions/(?:([^/]+)/)?$`).FindStringSubmatch(r.URL.Path)
		if m == nil {
			http.NotFound(w, r)
			return
		}
		key := m[1] + "/" + m[2]
		vs, ok := versions[key]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if m[3] == "" {
			// one version per page, to follow links.next
			offset := 0
			fmt.Sscan(r.URL.Query().Get("offset"), &offset)
			next := any(nil)
			if offset+1 < len(vs) {
				next = fmt.Sprintf("/api/v3/collections/%s/versions/?limit=1&offset=%d", key, offset+1)
			}
			b, _ := json.Marshal(map[string]any{
				"meta":  map[string]any{"count": len(vs)},
				"links": map[string]any{"next": next},
				"data":  []any{map[string]any{"version": vs[offset], "href": r.URL.Path + vs[offset] + "/"}},
			})
			w.Write(b)
			return
		}
		file := fmt.Sprintf("%s-%s-%s.tar.gz", m[1], m[2], m[3])
		art, ok := artifacts[file]
		if !ok {
			http.NotFound(w, r)
			return
		}
		var deps map[string]string
		tr := tar.NewReader(mustGunzip(t, art))
		for h, err := tr.Next(); err == nil; h, err = tr.Next() {
			if h.Name == "MANIFEST.json" {
				var man struct {
					Info struct {
						Dependencies map[string]string `json:"dependencies"`
					} `json:"collection_info"`
				}
				json.NewDecoder(tr).Decode(&man)
				deps = man.Info.Dependencies
			}
		}
		b, _ := json.Marshal(map[string]any{
			"version": m[3], "href": r.URL.Path,
			"namespace":    map[string]any{"name": m[1]},
			"collection":   map[string]any{"name": m[2]},
			"download_url": "http://" + r.Host + "/download/" + file,
			"artifact":     map[string]any{"filename": file, "sha256": sha(art), "size": len(art)},
			"metadata":     map[string]any{"dependencies": deps},
		})
		w.Write(b)
	})
	mux.HandleFunc("/download/", func(w http.ResponseWriter, r *http.Request) {
		if art, ok := artifacts[filepath.Base(r.URL.Path)]; ok {
			w.Write(art)
			return
		}
		http.NotFound(w, r)
	})
	mux.HandleFunc("/roles/roletar-1.2.tar.gz", func(w http.ResponseWriter, r *http.Request) { w.Write(roleTar) })
	f.server = httptest.NewServer(mux)
	t.Cleanup(f.server.Close)
	return f
}

func mustGunzip(t *testing.T, b []byte) *bytes.Reader {
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(gz); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(out.Bytes())
}

// requirements is a requirements file mixing every kind of source.
func (f *galaxyFixture) requirements() string {
	return fmt.Sprintf(`roles:
  - src: git+file://%[1]s/src/rolegit
    version: v1.0
  - src: %[2]s/roles/roletar-1.2.tar.gz
    name: roletar
  - src: %[1]s/src/roletar.tar.gz
    name: roletarlocal
    version: "1.2"
collections:
  - name: file://%[1]s/src/collgit
    type: git
    version: 1.0.0
  - name: srvns.srvcoll
    version: '>=1.0.0,<2.0.0'
`, f.dir, f.server.URL)
}

// project writes ansible.cfg (roles and collections inside the
// project, the fixture's Galaxy server) and the requirements file.
func (f *galaxyFixture) project(t *testing.T, name string) string {
	dir := filepath.Join(f.dir, name)
	writeTree(t, dir, map[string]string{
		"ansible.cfg": fmt.Sprintf("[defaults]\nroles_path = %[1]s/roles\ncollections_path = %[1]s/colls\n"+
			"[galaxy]\nserver_list = local\n[galaxy_server.local]\nurl = %[2]s/\n", dir, f.server.URL),
		"requirements.yml": f.requirements(),
		"site.yml": "- hosts: localhost\n  gather_facts: false\n  roles:\n    - rolegit\n    - roletar\n  tasks:\n" +
			"    - include_role:\n        name: gitns.gitcoll.hello\n    - include_role:\n        name: srvns.srvcoll.greet\n",
	})
	return dir
}

func galaxyRun(t *testing.T, dir, bin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG="+filepath.Join(dir, "ansible.cfg"), "HOME="+dir, "ANSIBLE_NOCOLOR=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
