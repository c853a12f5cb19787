package modules

import (
	"context"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.stat", Aliases: []string{"stat"},
		New: func() Module { return &Stat{} }, CheckMode: true,
	})
}

// Stat reports facts about a path, in one round trip.
type Stat struct {
	// Path is the file to describe.
	Path string `arg:"path,required,aliases=dest|name"`
	// Follow describes a symlink's target instead of the link.
	Follow bool `arg:"follow"`
	// GetChecksum returns the file's checksum.
	GetChecksum bool `arg:"get_checksum,default=true"`
	// ChecksumAlgorithm is the hash get_checksum uses.
	ChecksumAlgorithm string `arg:"checksum_algorithm,default=sha1,aliases=checksum|checksum_algo,choices=md5|sha1|sha224|sha256|sha384|sha512"`
	// GetMime asks for the MIME type; accepted, not returned (that needs
	// file(1) on the host).
	GetMime bool `arg:"get_mime,default=true,aliases=mime|mime_type|mime-type"`
	// GetAttributes asks for chattr attributes; accepted, not returned
	// (that needs lsattr on the host).
	GetAttributes bool `arg:"get_attributes,default=true,aliases=attr|attributes"`
}

// Run implements Module.
func (m *Stat) Run(ctx context.Context, env *Env) (*Result, error) {
	fi, err := connection.Stat(ctx, env.Conn, m.Path, connection.StatOptions{
		Follow: m.Follow, Checksum: m.GetChecksum, ChecksumAlgorithm: m.ChecksumAlgorithm, Become: env.Become,
	})
	if err != nil {
		return nil, err
	}
	return (&Result{}).Set("stat", statDict(fi)), nil
}

func statDict(fi *connection.FileInfo) *value.Map {
	d := value.NewMap(40)
	d.Set("exists", fi.Exists)
	if !fi.Exists {
		return d
	}
	mode := fi.Mode
	bit := func(b uint32) bool { return mode&b != 0 }
	d.Set("path", fi.Path)
	d.Set("mode", fi.ModeString())
	d.Set("isdir", fi.Type == "directory")
	d.Set("ischr", fi.RawType == "character special file")
	d.Set("isblk", fi.RawType == "block special file")
	d.Set("isreg", fi.Type == "file")
	d.Set("isfifo", fi.RawType == "fifo")
	d.Set("islnk", fi.Type == "link")
	d.Set("issock", fi.RawType == "socket")
	d.Set("uid", fi.UID)
	d.Set("gid", fi.GID)
	d.Set("size", int(fi.Size))
	d.Set("inode", int(fi.Inode))
	d.Set("dev", int(fi.Dev))
	d.Set("nlink", fi.Nlink)
	d.Set("atime", fi.Atime)
	d.Set("mtime", fi.Mtime)
	d.Set("ctime", fi.Ctime)
	d.Set("wusr", bit(0200))
	d.Set("rusr", bit(0400))
	d.Set("xusr", bit(0100))
	d.Set("wgrp", bit(0020))
	d.Set("rgrp", bit(0040))
	d.Set("xgrp", bit(0010))
	d.Set("woth", bit(0002))
	d.Set("roth", bit(0004))
	d.Set("xoth", bit(0001))
	d.Set("isuid", bit(04000))
	d.Set("isgid", bit(02000))
	d.Set("readable", fi.Readable)
	d.Set("writeable", fi.Writeable)
	d.Set("executable", fi.Executable)
	d.Set("pw_name", fi.Owner)
	d.Set("gr_name", fi.Group)
	if fi.Checksum != "" {
		d.Set("checksum", fi.Checksum)
	}
	if fi.Type == "link" {
		d.Set("lnk_source", fi.LinkSource)
		d.Set("lnk_target", fi.LinkTarget)
	}
	return d
}

var _ Module = (*Stat)(nil)
