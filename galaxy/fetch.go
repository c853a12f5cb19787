package galaxy

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
)

// download copies what address (http, https or file) holds into the
// file dst.
func download(ctx context.Context, client *http.Client, address, dst string) error {
	u, err := url.Parse(address)
	if err != nil {
		return err
	}
	var body io.ReadCloser
	switch u.Scheme {
	case "file":
		f, err := os.Open(u.Path)
		if err != nil {
			return err
		}
		body = f
	case "http", "https":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, address, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return fmt.Errorf("failed to download %s: HTTP Error %d: %s", address, resp.StatusCode, http.StatusText(resp.StatusCode))
		}
		body = resp.Body
	default:
		return fmt.Errorf("unsupported URL scheme in %s", address)
	}
	defer body.Close()
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// tarEntry is one member of an archive read into memory: roles and
// collections are small, and the role installer looks at every name
// before it extracts anything.
type tarEntry struct {
	hdr  *tar.Header
	data []byte
}

// readTar reads a tar archive, gzip-compressed or not.
func readTar(path string) ([]tarEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		defer gz.Close()
		r = gz
	}
	tr := tar.NewReader(r)
	var out []tarEntry
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("the file %s does not appear to be a valid tar archive: %w", path, err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		h.Name = strings.TrimPrefix(h.Name, "./")
		out = append(out, tarEntry{h, data})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the file %s does not appear to be a valid tar archive", path)
	}
	return out, nil
}

// runGit runs git in dir and reports its stderr on failure.
func runGit(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("- command git %s failed in directory %s (%v) - %s",
			strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
