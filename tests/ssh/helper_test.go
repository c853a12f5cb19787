package sshtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fjord-run/fjord/connection"
)

// withHelper offers the host helper to the connections the test dials,
// until it ends.
func withHelper(t *testing.T) {
	connection.EnableHostHelper(true)
	t.Cleanup(func() { connection.EnableHostHelper(false) })
}

// waitHelper returns c's helper for b once its upload (in the
// background, the first time) is done: nil if none in 30 seconds.
func waitHelper(c connection.Conn, b *connection.Become) *connection.Helper {
	for i := 0; i < 300; i++ {
		if h := c.(connection.HelperConn).Helper(context.Background(), b); h != nil {
			return h
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// TestHostHelperSameAsScripts holds the host helper to the scripts it
// stands in for: Stat, StatRead, ReadFile and Put give the same results
// and the same errors through it as through the shell, on files, links
// (dangling too), directories, fifos and missing paths.
func TestHostHelperSameAsScripts(t *testing.T) {
	l := Start(t, 1)
	withHelper(t)
	ctx := context.Background()
	o := l.Options(l.Servers[0])
	o.RemoteTmp = filepath.Join(l.Dir, "rtmp")
	oh := o
	oh.NoHostHelper = true
	helped, scripted := dial(t, o), dial(t, oh)
	if waitHelper(helped, nil) == nil {
		t.Fatal("no helper")
	}
	if scripted.(connection.HelperConn).Helper(ctx, nil) != nil {
		t.Fatal("a helper despite NoHostHelper")
	}

	d := filepath.Join(l.Dir, "same")
	ok(t, os.MkdirAll(d+"/dir", 0755))
	ok(t, os.WriteFile(d+"/file", []byte("content\n"), 0640))
	ok(t, os.WriteFile(d+"/setuid", []byte("x"), 04755))
	ok(t, os.Symlink("file", d+"/link"))
	ok(t, os.Symlink("nowhere/x", d+"/dangling"))
	ok(t, os.Symlink("../same/dir", d+"/dirlink"))
	ok(t, syscall.Mkfifo(d+"/fifo", 0600))
	ok(t, os.Chown(d+"/file", 65534, 65534))
	// a device (stat's device_type)
	ok(t, os.Symlink("/dev/null", d+"/devnull"))
	paths := []string{"file", "setuid", "link", "dangling", "dirlink", "dir", "fifo", "devnull", "missing", "dir/../link", "missing/x"}
	for _, p := range paths {
		p = d + "/" + p
		for _, so := range []connection.StatOptions{{}, {Follow: true}, {Checksum: true}, {Follow: true, Checksum: true, ChecksumAlgorithm: "sha256"}, {Checksum: true, ChecksumAlgorithm: "md5"}} {
			what := fmt.Sprintf("%s %+v", p, so)
			a, aerr := connection.Stat(ctx, scripted, p, so)
			b, berr := connection.Stat(ctx, helped, p, so)
			sameFile(t, "stat "+what, a, b, aerr, berr)
			if strings.HasSuffix(p, "fifo") {
				continue // (reading it would wait for a writer)
			}
			a, ac, aerr := connection.StatRead(ctx, scripted, p, so)
			b, bc, berr := connection.StatRead(ctx, helped, p, so)
			sameFile(t, "statread "+what, a, b, aerr, berr)
			if string(ac) != string(bc) || (ac == nil) != (bc == nil) {
				t.Errorf("statread %s: content %q, helper %q", what, ac, bc)
			}
		}
		probes := []connection.Probe{{Name: "mime", Argv: []string{"file", "--mime-type", "--mime-encoding", "--", p}},
			{Name: "attr", Argv: []string{"lsattr", "-vd", "--", p}}, {Name: "none", Argv: []string{"no-such-program"}}}
		var outs [2]string
		for j, c := range []connection.Conn{scripted, helped} {
			res, err := connection.StatProbes(ctx, c, p, connection.StatOptions{Follow: true}, nil, probes)
			if err != nil {
				t.Fatal(err)
			}
			head, tail, _ := strings.Cut(string(res.Stdout), "@@")
			fi, err := connection.ParseStat(p, head)
			if err != nil {
				t.Fatal(err)
			}
			fi.Atime = 0
			outs[j] = fmt.Sprintf("%d %+v @@%s", res.RC, fi, tail)
		}
		if outs[0] != outs[1] {
			t.Errorf("stat probes %s:\n%s\nhelper\n%s", p, outs[0], outs[1])
		}
		if strings.HasSuffix(p, "fifo") {
			continue
		}
		ac, aerr := connection.ReadFile(ctx, scripted, p, nil)
		bc, berr := connection.ReadFile(ctx, helped, p, nil)
		if string(ac) != string(bc) || fmt.Sprint(aerr) != fmt.Sprint(berr) {
			t.Errorf("read %s: %q %v, helper %q %v", p, ac, aerr, bc, berr)
		}
	}

	// Put: the same options give the same file and result, or error.
	for i, po := range []connection.PutOptions{
		{},
		{Mode: "0600"},
		{Mode: "0644", Owner: "nobody"},
		{Group: "nogroup"},
		{Owner: "65534", Group: "0"},
		{Owner: "no-such-user"},
		{Group: "no-such-group"},
		{Owner: "nobody", Group: "no-such-group"},
		{Mode: "0640", MakeDirs: true},
		{Follow: true},
	} {
		for _, target := range []string{"new", "existing", "link", "nodir/x"} {
			var res [2]*connection.PutResult
			var errs [2]error
			var got [2]string
			for j, c := range []connection.Conn{scripted, helped} {
				dir := fmt.Sprintf("%s/put%d-%d", d, i, j)
				ok(t, os.MkdirAll(dir, 0755))
				ok(t, os.WriteFile(dir+"/existing", []byte("old"), 0604))
				ok(t, os.Chown(dir+"/existing", 65534, 0))
				os.Remove(dir + "/link")
				os.Remove(dir + "/target")
				ok(t, os.WriteFile(dir+"/target", []byte("old target"), 0666))
				ok(t, os.Symlink("target", dir+"/link"))
				dst := dir + "/" + target
				res[j], errs[j] = connection.Put(ctx, c, strings.NewReader("new content\n"), dst, po)
				if res[j] != nil {
					res[j].Dest = strings.Replace(res[j].Dest, dir, "DIR", 1)
				}
				got[j] = describeTree(t, dir)
			}
			what := fmt.Sprintf("put %+v to %s", po, target)
			if !reflect.DeepEqual(res[0], res[1]) {
				t.Errorf("%s: %+v, helper %+v", what, res[0], res[1])
			}
			e0 := strings.ReplaceAll(fmt.Sprint(errs[0]), "-0/", "-N/")
			e1 := strings.ReplaceAll(fmt.Sprint(errs[1]), "-1/", "-N/")
			if e0 != e1 {
				t.Errorf("%s: error %v, helper %v", what, errs[0], errs[1])
			}
			if got[0] != got[1] {
				t.Errorf("%s: left\n%s\nhelper left\n%s", what, got[0], got[1])
			}
		}
	}
}

// TestHostHelperAttrsSameAsScripts: Mkdir and Chattr through the helper
// leave the same tree and give the same results and errors as their
// scripts.
func TestHostHelperAttrsSameAsScripts(t *testing.T) {
	l := Start(t, 1)
	withHelper(t)
	ctx := context.Background()
	o := l.Options(l.Servers[0])
	o.RemoteTmp = filepath.Join(l.Dir, "rtmp")
	oh := o
	oh.NoHostHelper = true
	conns := []connection.Conn{dial(t, oh), dial(t, o)}
	if waitHelper(conns[1], nil) == nil {
		t.Fatal("no helper")
	}
	d := filepath.Join(l.Dir, "attrs")
	for i, ao := range []connection.AttrOptions{
		{}, {Mode: "700"}, {Owner: "nobody", Group: "nogroup", Mode: "2750"}, {Owner: "65534"},
		{Owner: "no-such-user"}, {Group: "no-such-group"}, {Mode: "u+x"},
	} {
		for _, target := range []string{"a/b/c", "file/x", "dir", "file", "link", "missing"} {
			var got [2]string
			var fis [2]*connection.FileInfo
			var errs [2]string
			for j, c := range conns {
				dir := fmt.Sprintf("%s/%d-%d", d, i, j)
				ok(t, os.MkdirAll(dir+"/dir", 0755))
				ok(t, os.WriteFile(dir+"/file", []byte("x"), 0644))
				os.Remove(dir + "/link")
				ok(t, os.Symlink("file", dir+"/link"))
				p := dir + "/" + target
				var err error
				if strings.Contains(target, "/") {
					fis[j], err = connection.Mkdir(ctx, c, p, ao)
					if fis[j] != nil {
						fis[j].Path = ""
						fis[j].Atime, fis[j].Mtime, fis[j].Ctime, fis[j].Inode = 0, 0, 0, 0
					}
				} else {
					err = connection.Chattr(ctx, c, p, ao)
				}
				errs[j] = strings.ReplaceAll(fmt.Sprint(err), dir, "DIR")
				got[j] = describeTree(t, dir)
			}
			what := fmt.Sprintf("%+v on %s", ao, target)
			if errs[0] != errs[1] {
				t.Errorf("%s: error %s, helper %s", what, errs[0], errs[1])
			}
			if !reflect.DeepEqual(fis[0], fis[1]) {
				t.Errorf("%s: %+v, helper %+v", what, fis[0], fis[1])
			}
			if got[0] != got[1] {
				t.Errorf("%s: left\n%s\nhelper left\n%s", what, got[0], got[1])
			}
		}
	}
}

// describeTree lists dir's entries with type, mode, owner and content.
func describeTree(t *testing.T, dir string) string {
	var b strings.Builder
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return nil
		}
		st := fi.Sys().(*syscall.Stat_t)
		fmt.Fprintf(&b, "%s %v %d:%d", strings.TrimPrefix(p, dir), fi.Mode(), st.Uid, st.Gid)
		if fi.Mode().IsRegular() {
			data, _ := os.ReadFile(p)
			fmt.Fprintf(&b, " %q", data)
		}
		b.WriteByte('\n')
		return nil
	})
	return b.String()
}

func sameFile(t *testing.T, what string, a, b *connection.FileInfo, aerr, berr error) {
	t.Helper()
	if fmt.Sprint(aerr) != fmt.Sprint(berr) {
		t.Errorf("%s: error %v, helper %v", what, aerr, berr)
		return
	}
	if a == nil || b == nil {
		return
	}
	// reading a file (its checksum) may move its atime
	ac, bc := *a, *b
	ac.Atime, bc.Atime = 0, 0
	if !reflect.DeepEqual(ac, bc) {
		t.Errorf("%s:\n%+v\nhelper\n%+v", what, ac, bc)
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestHostHelperBecome: the helper for a become user runs as that user,
// through sudo with a password, and writes files as it.
func TestHostHelperBecome(t *testing.T) {
	l := Start(t, 1)
	withHelper(t)
	testAccount(t, true)
	ctx := context.Background()
	o := l.Options(l.Servers[0])
	o.User = testUser
	c := dial(t, o)
	become := &connection.Become{Method: "sudo", Password: testPassword}
	if waitHelper(c, become) == nil {
		t.Fatal("no helper through sudo")
	}
	if waitHelper(c, nil) == nil {
		t.Fatal("no helper as the connecting user")
	}
	dst := l.Dir + "/helper-become"
	pr, err := connection.Put(ctx, c, strings.NewReader("as root\n"), dst, connection.PutOptions{Become: become, Mode: "0600"})
	if err != nil || pr.Owner != "root" || pr.Mode != 0600 {
		t.Errorf("put with become: %+v %v", pr, err)
	}
	data, err := connection.ReadFile(ctx, c, dst, become)
	if err != nil || string(data) != "as root\n" {
		t.Errorf("read with become: %q %v", data, err)
	}
	// the connecting user cannot read root's 0600 file
	if _, err := connection.ReadFile(ctx, c, dst, nil); err == nil || !strings.Contains(err.Error(), "Permission denied") {
		t.Errorf("read without become: %v", err)
	}
	// sudo holding a cached credential does not read the password: the
	// helper skips it, as the script's stdin would be misread otherwise
	c2 := dial(t, o)
	cached := &connection.Become{Method: "sudo", Password: "not read"}
	// (the helper is on the host now: it starts at once, or not at all)
	if c2.(connection.HelperConn).Helper(ctx, cached) != nil {
		if fi, err := connection.Stat(ctx, c2, dst, connection.StatOptions{Become: cached, Checksum: true}); err != nil || fi.Checksum != connection.Checksum([]byte("as root\n")) {
			t.Errorf("stat through a helper started with a password sudo did not read: %+v %v", fi, err)
		}
	}
}
