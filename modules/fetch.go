package modules

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.fetch", Aliases: []string{"fetch"},
		New: func() Module { return &Fetch{} }, CheckMode: true,
	})
}

// Fetch copies a file from the host to the controller: under
// dest/<inventory_hostname>/<src> or, with flat, to dest itself. The
// remote sha1 comes first (one round trip); the file is read only when
// the controller's copy differs, and written there atomically.
type Fetch struct {
	// Src is the file on the host.
	Src string `arg:"src,required,path=user"`
	// Dest is the controller directory (or file with flat) that receives it.
	Dest string `arg:"dest,required"`
	// Flat writes to dest itself instead of dest/host/src.
	Flat bool `arg:"flat"`
	// FailOnMissing fails when src does not exist.
	FailOnMissing bool `arg:"fail_on_missing,default=true"`
	// ValidateChecksum compares the copy's checksum with the source's.
	ValidateChecksum bool `arg:"validate_checksum,default=true"`
}

// localSums returns the sha1 and md5 of a controller file, "" when it
// does not exist.
func localSums(p string) (string, string, error) {
	f, err := os.Open(p)
	if os.IsNotExist(err) {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	s, m := sha1.New(), md5.New()
	if _, err := io.Copy(io.MultiWriter(s, m), f); err != nil {
		return "", "", err
	}
	return hex.EncodeToString(s.Sum(nil)), hex.EncodeToString(m.Sum(nil)), nil
}

// writeLocalAtomic writes data to p through a temporary file in the same
// directory, synced and renamed, creating parent directories.
func writeLocalAtomic(p string, data []byte) error {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".fjord_fetch.*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// As a new file: 0666 less the umask (CreateTemp made it 0600).
	mode := os.FileMode(0o644)
	if st, err := os.Stat(p); err == nil {
		mode = st.Mode().Perm()
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// destPath is where the fetched file goes on the controller.
func (m *Fetch) destPath(env *Env, src string) string {
	dest := m.Dest
	if !filepath.IsAbs(dest) && env.Basedir != "" {
		dest = filepath.Join(env.Basedir, dest)
	}
	if m.Flat {
		if strings.HasSuffix(m.Dest, "/") {
			return filepath.Join(dest, path.Base(src))
		}
		return filepath.Clean(dest)
	}
	return filepath.Join(dest, env.Host, filepath.FromSlash(src))
}

// Run implements Module.
func (m *Fetch) Run(ctx context.Context, env *Env) (*Result, error) {
	src := path.Clean(m.Src)
	fi, err := connection.Stat(ctx, env.Conn, src, connection.StatOptions{Follow: true, Checksum: true, Become: env.Become})
	if err != nil {
		return nil, err
	}
	r := &Result{}
	if !fi.Exists {
		r.Set("file", src)
		r.Failed = m.FailOnMissing
		r.Msg = "the remote file does not exist, not transferring, ignored"
		return r.Set("msg", r.Msg), nil
	}
	if fi.Type == "directory" {
		r.Failed = true
		r.Msg = "remote file is a directory, fetch cannot work on directories"
		return r.Set("file", src).Set("msg", r.Msg), nil
	}
	if fi.Checksum == "" {
		r.Failed = true
		r.Msg = "unable to calculate the checksum of the remote file"
		return r.Set("file", src).Set("msg", r.Msg), nil
	}
	dest := m.destPath(env, src)
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		return Failf("dest is an existing directory, use a trailing slash if you want to fetch src into that directory"), nil
	}
	sum, md5sum, err := localSums(dest)
	if err != nil {
		return Failf("fetch: %s", err), nil
	}
	r.Set("changed", false).Set("md5sum", nilIfEmpty(md5sum)).Set("file", src).Set("dest", dest).
		Set("checksum", fi.Checksum).Set("remote_checksum", fi.Checksum).Set("remote_md5sum", nil)
	if sum == fi.Checksum {
		return r, nil
	}
	r.Changed = true
	r.Set("changed", true)
	if env.Check {
		return r, nil
	}
	data, err := connection.ReadFile(ctx, env.Conn, src, env.Become)
	if err != nil {
		return nil, err
	}
	got := connection.Checksum(data)
	if m.ValidateChecksum && got != fi.Checksum {
		r.Failed = true
		r.Msg = "checksum mismatch"
		return r.Set("msg", r.Msg).Set("checksum", got), nil
	}
	if err := writeLocalAtomic(dest, data); err != nil {
		return Failf("Failed to write %s: %s", dest, err), nil
	}
	m5 := md5.Sum(data)
	r.Set("md5sum", hex.EncodeToString(m5[:])).Set("checksum", got)
	return r, nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var _ Module = (*Fetch)(nil)
