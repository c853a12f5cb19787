package modules

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/value"
)

// testServer serves a few fixed routes and records the last request.
func testServer(t *testing.T) (*httptest.Server, *http.Request, *string) {
	t.Helper()
	last := &http.Request{}
	lastBody := new(string)
	mux := http.NewServeMux()
	mux.HandleFunc("/other.txt", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from fjord\n")
	})
	mux.HandleFunc("/file.txt", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from fjord\n")
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*last = *r.Clone(r.Context())
		*lastBody = string(b)
		w.Header().Set("Content-Type", "application/json")
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "abc"})
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "got": string(b), "auth": r.Header.Get("Authorization") != "", "x": r.Header.Get("X-Fjord")})
	})
	mux.HandleFunc("/SHA256SUMS", func(w http.ResponseWriter, r *http.Request) {
		sum := sha256.Sum256([]byte("hello from fjord\n"))
		io.WriteString(w, "0000  other.txt\n"+hex.EncodeToString(sum[:])+" *file.txt\n")
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/file.txt", http.StatusFound)
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, last, lastBody
}

func TestGetURL(t *testing.T) {
	dir := t.TempDir()
	env, c := testEnv(t, dir)
	srv, _, _ := testServer(t)
	dest := filepath.Join(dir, "out.txt")

	c.Reset()
	r := run(t, env, "get_url", "url", srv.URL+"/file.txt", "dest", dest, "mode", "0640")
	if r.Failed || !r.Changed {
		t.Fatalf("first: %+v %v", r, r.Data)
	}
	if readFile(t, dest) != "hello from fjord\n" || modeOf(t, dest) != 0o640 {
		t.Errorf("dest %q mode %v", readFile(t, dest), modeOf(t, dest))
	}
	if get(r, "status_code") != 200 || get(r, "size") != 17 || get(r, "checksum_dest") != nil {
		t.Errorf("returns: %v", r.Data)
	}
	// Present and not forced: no download at all.
	c.Reset()
	r = run(t, env, "get_url", "url", srv.URL+"/file.txt", "dest", dest, "mode", "0640")
	if r.Failed || r.Changed || r.Msg != "file already exists" || c.Count() != 1 {
		t.Errorf("second: %+v (%d round trips)", r, c.Count())
	}
	// A matching checksum also skips; a wrong one downloads and fails.
	sum := sha256.Sum256([]byte("hello from fjord\n"))
	good := "sha256:" + hex.EncodeToString(sum[:])
	r = run(t, env, "get_url", "url", srv.URL+"/file.txt", "dest", dest, "checksum", good)
	if r.Failed || r.Changed {
		t.Errorf("checksum match: %+v", r)
	}
	putFile(t, dest, "old\n", 0o644)
	r = run(t, env, "get_url", "url", srv.URL+"/file.txt", "dest", dest, "checksum", "sha256:00ff")
	if !r.Failed || !strings.HasPrefix(r.Msg, "The checksum for "+dest+" did not match 00ff; it was ") {
		t.Errorf("bad checksum: %+v", r)
	}
	if readFile(t, dest) != "old\n" {
		t.Error("a bad checksum replaced dest")
	}
	// The checksum may come from a checksum file.
	r = run(t, env, "get_url", "url", srv.URL+"/file.txt", "dest", filepath.Join(dir, "summed.txt"), "checksum", "sha256:"+srv.URL+"/SHA256SUMS")
	if r.Failed || !r.Changed {
		t.Errorf("checksum URL: %+v", r)
	}
	r = run(t, env, "get_url", "url", srv.URL+"/other.txt", "dest", filepath.Join(dir, "other.txt"), "checksum", "sha256:"+srv.URL+"/SHA256SUMS")
	if !r.Failed || !strings.Contains(r.Msg, "did not match 0000") {
		t.Errorf("checksum URL, wrong digest: %+v", r)
	}
	r = run(t, env, "get_url", "url", srv.URL+"/x/none.txt", "dest", filepath.Join(dir, "none.txt"), "checksum", "sha256:"+srv.URL+"/SHA256SUMS")
	if !r.Failed || !strings.Contains(r.Msg, "Unable to find a checksum for file 'none.txt'") {
		t.Errorf("checksum URL, no entry: %+v", r)
	}
	// force downloads and replaces; backup keeps the old file.
	r = run(t, env, "get_url", "url", srv.URL+"/file.txt", "dest", dest, "force", true, "backup", true, "checksum", good)
	if r.Failed || !r.Changed || get(r, "backup_file") == nil || get(r, "checksum_dest") != "ef2a3a4d5b1b3ac1a3fba0a97ef6d9c4b90c1bd6" && get(r, "checksum_dest") == nil {
		t.Errorf("force: %+v %v", r, r.Data)
	}
	r = run(t, env, "get_url", "url", srv.URL+"/file.txt", "dest", dest, "force", true)
	if r.Failed || r.Changed {
		t.Errorf("force, same content: %+v", r)
	}
	// A directory dest takes the URL's file name; file:// copies on the host.
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	r = run(t, env, "get_url", "url", "file://"+dest, "dest", sub+"/")
	if r.Failed || !r.Changed || get(r, "dest") != filepath.Join(sub, "out.txt") {
		t.Errorf("file:// into dir: %+v %v", r, r.Data)
	}
	// Check mode downloads but changes nothing.
	env.Check = true
	r = run(t, env, "get_url", "url", srv.URL+"/file.txt", "dest", filepath.Join(dir, "new.txt"))
	env.Check = false
	if r.Failed || !r.Changed {
		t.Errorf("check: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "new.txt")); err == nil {
		t.Error("check mode wrote dest")
	}
	r = run(t, env, "get_url", "url", srv.URL+"/missing", "dest", filepath.Join(dir, "m"))
	if !r.Failed || get(r, "status_code") != 404 || r.Msg != "Request failed" {
		t.Errorf("404: %+v %v", r, r.Data)
	}
	r = run(t, env, "get_url", "url", srv.URL+"/file.txt", "dest", filepath.Join(dir, "nodir", "x"))
	if !r.Failed || r.Msg != "Destination "+filepath.Join(dir, "nodir")+" does not exist" {
		t.Errorf("missing dir: %+v", r)
	}
	left, _ := filepath.Glob("/tmp/.fjord_get_url.*")
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestURI(t *testing.T) {
	dir := t.TempDir()
	env, c := testEnv(t, dir)
	srv, last, lastBody := testServer(t)

	c.Reset()
	r := run(t, env, "uri", "url", srv.URL+"/json", "method", "POST", "body_format", "json",
		"body", value.MapOf("a", 1, "b", "two"), "status_code", []any{200, 201},
		"headers", value.MapOf("X-Fjord", "yes"), "url_username", "u", "url_password", "p", "force_basic_auth", true)
	if r.Failed || r.Changed {
		t.Fatalf("post: %+v %v", r, r.Data)
	}
	if c.Count() != 1 {
		t.Errorf("round trips = %d", c.Count())
	}
	if last.Method != "POST" || last.Header.Get("Content-Type") != "application/json" || *lastBody != `{"a":1,"b":"two"}` {
		t.Errorf("request: %s %v %q", last.Method, last.Header, *lastBody)
	}
	js, _ := get(r, "json").(*value.Map)
	if js == nil {
		t.Fatalf("no json: %v", r.Data)
	}
	if v, _ := js.Get("x"); v != "yes" {
		t.Errorf("json = %v", jsonOf(js))
	}
	if v, _ := js.Get("auth"); v != true {
		t.Errorf("no basic auth: %v", jsonOf(js))
	}
	if get(r, "status") != 201 || get(r, "content") != nil || !strings.HasPrefix(value.String(get(r, "content_type")), "application/json") {
		t.Errorf("returns: %v", jsonOf(r.Data))
	}
	if ck, _ := get(r, "cookies").(*value.Map); ck == nil || jsonOf(ck) != `{"sid":"abc"}` {
		t.Errorf("cookies: %v", get(r, "cookies"))
	}

	r = run(t, env, "uri", "url", srv.URL+"/json", "method", "PUT", "body_format", "form-urlencoded",
		"body", value.MapOf("name", "a b", "x", "&"), "status_code", 201)
	if r.Failed || *lastBody != "name=a+b&x=%26" || last.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("form: %+v %q", r, *lastBody)
	}

	// A body from a controller file (after the config on stdin) and from
	// a host file.
	os.MkdirAll(filepath.Join(dir, "files"), 0o755)
	big := strings.Repeat("payload line\n", 5000)
	putFile(t, filepath.Join(dir, "files", "body.txt"), big, 0o644)
	r = run(t, env, "uri", "url", srv.URL+"/json", "method", "POST", "src", "body.txt", "status_code", 201,
		"headers", value.MapOf("Content-Type", "text/plain"))
	if r.Failed || *lastBody != big || c.Count() == 0 {
		t.Errorf("src: %+v, body %d bytes", r, len(*lastBody))
	}
	r = run(t, env, "uri", "url", srv.URL+"/json", "method", "POST", "src", filepath.Join(dir, "files", "body.txt"), "remote_src", true, "status_code", 201)
	if r.Failed || *lastBody != big {
		t.Errorf("remote src: %+v, body %d bytes", r, len(*lastBody))
	}

	r = run(t, env, "uri", "url", srv.URL+"/redirect", "return_content", true)
	if r.Failed || get(r, "content") != "hello from fjord\n" || get(r, "redirected") != true || get(r, "url") != srv.URL+"/file.txt" {
		t.Errorf("redirect: %+v %v", r, jsonOf(r.Data))
	}
	r = run(t, env, "uri", "url", srv.URL+"/redirect", "follow_redirects", "none", "status_code", 302)
	if r.Failed || get(r, "location") != "/file.txt" {
		t.Errorf("no follow: %+v %v", r, jsonOf(r.Data))
	}

	r = run(t, env, "uri", "url", srv.URL+"/file.txt", "method", "HEAD", "timeout", 5)
	if r.Failed || get(r, "status") != 200 || get(r, "content_length") != "17" {
		t.Errorf("HEAD: %+v %v", r, jsonOf(r.Data))
	}
	r = run(t, env, "uri", "url", srv.URL+"/missing")
	if !r.Failed || r.Msg != "Status code was 404 and not [200]: HTTP Error 404: Not Found" || get(r, "content") == nil {
		t.Errorf("404: %+v", r)
	}

	dest := filepath.Join(dir, "body.txt")
	r = run(t, env, "uri", "url", srv.URL+"/file.txt", "dest", dest)
	if r.Failed || !r.Changed || readFile(t, dest) != "hello from fjord\n" {
		t.Errorf("dest: %+v", r)
	}
	r = run(t, env, "uri", "url", srv.URL+"/file.txt", "dest", dest)
	if r.Failed || r.Changed {
		t.Errorf("dest again: %+v", r)
	}
	r = run(t, env, "uri", "url", srv.URL+"/missing", "creates", dest)
	if r.Failed || r.Changed || !strings.Contains(value.String(get(r, "stdout")), "skipped, since") {
		t.Errorf("creates: %+v", r)
	}
	r = run(t, env, "uri", "url", "http://127.0.0.1:1/", "timeout", 2)
	if !r.Failed || get(r, "status") != -1 {
		t.Errorf("refused: %+v %v", r, r.Data)
	}
}

// pathWithout is a PATH directory linking every tool in /usr/bin but the
// ones named, to run a module as on a host that lacks them.
func pathWithout(t *testing.T, missing ...string) string {
	t.Helper()
	dir := t.TempDir()
	ents, err := os.ReadDir("/usr/bin")
	if err != nil {
		t.Fatal(err)
	}
	skip := map[string]bool{}
	for _, m := range missing {
		skip[m] = true
	}
	for _, e := range ents {
		if !skip[e.Name()] {
			os.Symlink(filepath.Join("/usr/bin", e.Name()), filepath.Join(dir, e.Name()))
		}
	}
	return dir
}

func TestGetURLWithoutCurl(t *testing.T) {
	dir := t.TempDir()
	env, _ := testEnv(t, dir)
	srv, _, _ := testServer(t)
	dest := filepath.Join(dir, "out.txt")
	if _, err := os.Stat("/usr/bin/wget"); err == nil {
		env.Environment = map[string]string{"PATH": pathWithout(t, "curl")}
		r := run(t, env, "get_url", "url", srv.URL+"/file.txt", "dest", dest, "url_username", "u", "url_password", "p")
		if r.Failed || !r.Changed || readFile(t, dest) != "hello from fjord\n" || get(r, "status_code") != 200 {
			t.Errorf("wget: %+v %v", r, r.Data)
		}
		r = run(t, env, "get_url", "url", srv.URL+"/missing", "dest", dest+"2")
		if !r.Failed || get(r, "status_code") != 404 {
			t.Errorf("wget 404: %+v %v", r, r.Data)
		}
	}
	env.Environment = map[string]string{"PATH": pathWithout(t, "curl", "wget")}
	r := run(t, env, "get_url", "url", srv.URL+"/file.txt", "dest", dest+"3")
	if !r.Failed || !strings.Contains(r.Msg, "neither curl nor wget is installed on the host") {
		t.Errorf("no tool: %+v", r)
	}
	r = run(t, env, "uri", "url", srv.URL+"/file.txt")
	if !r.Failed || !strings.Contains(r.Msg, "curl is not installed on the host") {
		t.Errorf("uri, no curl: %+v", r)
	}
}
