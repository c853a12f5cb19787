package modules

import (
	"context"
	"strings"

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
	Path string `arg:"path,required,aliases=dest|name,path"`
	// Follow describes a symlink's target instead of the link.
	Follow bool `arg:"follow"`
	// GetChecksum returns the file's checksum.
	GetChecksum bool `arg:"get_checksum,default=true"`
	// ChecksumAlgorithm is the hash get_checksum uses.
	ChecksumAlgorithm string `arg:"checksum_algorithm,default=sha1,aliases=checksum|checksum_algo,choices=md5|sha1|sha224|sha256|sha384|sha512"`
	// GetMime returns mimetype and charset, from file(1) when the host
	// has it ("unknown" otherwise).
	GetMime bool `arg:"get_mime,default=true,aliases=mime|mime_type|mime-type"`
	// GetAttributes returns version, attributes and attr_flags, from
	// lsattr(1) when the host has it.
	GetAttributes bool `arg:"get_attributes,default=true,aliases=attr|attributes"`
}

// Run implements Module.
func (m *Stat) Run(ctx context.Context, env *Env) (*Result, error) {
	so := connection.StatOptions{Follow: m.Follow, Checksum: m.GetChecksum, ChecksumAlgorithm: m.ChecksumAlgorithm}
	if env.Sim != nil && env.Check && (so.ChecksumAlgorithm == "" || so.ChecksumAlgorithm == "sha1") {
		// a path an earlier task of the check run would write or remove
		if fi, err := connection.Stat(ctx, env.Conn, m.Path, so); err != nil {
			return nil, err
		} else if fi != nil && connection.IsPredicted(fi) {
			d := statDict(fi)
			if fi.Exists {
				d.Set("predicted", true)
			}
			return (&Result{}).Set("stat", d), nil
		}
	}
	var probes []connection.Probe
	if m.GetMime {
		probes = append(probes, connection.Probe{Name: "mime", Argv: []string{"file", "--mime-type", "--mime-encoding", "--", m.Path}})
	}
	if m.GetAttributes {
		probes = append(probes, connection.Probe{Name: "attr", Argv: []string{"lsattr", "-vd", "--", m.Path}})
	}
	so.Become = env.Become
	res, err := connection.StatProbes(ctx, env.Conn, m.Path, so, env.Environment, probes)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	out := string(res.Stdout)
	head, tail := out, ""
	if i := strings.Index(out, "\n@@"); i >= 0 {
		head, tail = out[:i+1], out[i+1:]
	}
	fi, err := connection.ParseStat(m.Path, head)
	if err != nil {
		return Failf("%s", err), nil
	}
	d := statDict(fi)
	if fi.Exists {
		sec := Sections(tail)
		if m.GetMime {
			mt, cs := parseMime(sec["mime"])
			d.Set("mimetype", mt)
			d.Set("charset", cs)
		}
		if m.GetAttributes {
			setAttrs(d, sec["attr"])
		}
	}
	return (&Result{}).Set("stat", d), nil
}

// parseMime reads file(1)'s "PATH: TYPE; charset=CS" as ansible's stat
// does: split at the last colon; "unknown" when that fails.
func parseMime(out string) (string, string) {
	out = strings.TrimRight(out, "\n")
	i := strings.LastIndex(out, ":")
	if i < 0 {
		return "unknown", "unknown"
	}
	parts := strings.Split(out[i+1:], ";")
	if len(parts) != 2 {
		return "unknown", "unknown"
	}
	_, cs, ok := strings.Cut(parts[1], "=")
	if !ok {
		return "unknown", "unknown"
	}
	return strings.TrimSpace(parts[0]), strings.TrimSpace(cs)
}

// fileAttributes names lsattr's flags, as ansible's FILE_ATTRIBUTES.
var fileAttributes = map[rune]string{
	'A': "noatime", 'a': "append", 'c': "compressed", 'C': "nocow", 'd': "nodump",
	'D': "dirsync", 'e': "extents", 'E': "encrypted", 'h': "blocksize", 'i': "immutable",
	'I': "indexed", 'j': "journalled", 'N': "inline", 's': "zero", 'S': "synchronous",
	't': "notail", 'T': "blockroot", 'u': "undelete", 'X': "compressedraw", 'Z': "compresseddirty",
}

// setAttrs sets version, attributes and attr_flags from "lsattr -vd"
// output; without it, None, [] and "".
func setAttrs(d *value.Map, out string) {
	d.Set("version", nil)
	attrs := []any{}
	flags := ""
	if f := strings.Fields(out); len(f) >= 2 {
		d.Set("version", f[0])
		flags = strings.ReplaceAll(f[1], "-", "")
		for _, c := range flags {
			if n, ok := fileAttributes[c]; ok {
				attrs = append(attrs, n)
			}
		}
	}
	d.Set("attributes", attrs)
	d.Set("attr_flags", flags)
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
	d.Set("blocks", int(fi.Blocks))
	d.Set("block_size", int(fi.BlockSize))
	d.Set("device_type", int(fi.Rdev))
	d.Set("readable", fi.Readable)
	d.Set("writeable", fi.Writeable)
	d.Set("executable", fi.Executable)
	// (ansible's order: a register's dict2items or to_json shows it)
	if fi.Type == "link" {
		d.Set("lnk_source", fi.LinkSource)
		d.Set("lnk_target", fi.LinkTarget)
	}
	d.Set("pw_name", fi.Owner)
	d.Set("gr_name", fi.Group)
	if fi.Checksum != "" {
		d.Set("checksum", fi.Checksum)
	}
	return d
}

var _ Module = (*Stat)(nil)
