package external

import (
	"encoding/base64"
	"fmt"
)

// The wrapper is the Python file the host runs for a new-style module:
// it hands the arguments to ansible.module_utils.basic and runs the
// module as __main__, as AnsiballZ's wrapper does (respawn_module reads
// _module_fqn and _modlib_path from it).
//
// Unlike AnsiballZ it keeps the payload on the host: unpacked into
// REMOTE_TMP/fjord-py/HASH, where Python also keeps the bytecode it
// compiles. A later task running a module with the same payload is sent
// without the zip (a few kilobytes instead of a hundred or more) and
// imports compiled code, which halves the module's time on the host. The
// copy is used only when the directory and its parent belong to the
// user the module runs as and no one else may write them; otherwise,
// and when remote_tmp is not writable, the zip is unpacked into a
// temporary directory and removed after the run, as AnsiballZ does. A
// wrapper sent without its zip whose copy is gone prints missingMark
// and exits with missingRC; the task is then sent again with the zip.
const (
	missingMark = "FJORD_PAYLOAD_MISSING"
	missingRC   = 97
)

// wrapper is the wrapper for p with its arguments; withZip false leaves
// the zip out. The host's remote_tmp (unexpanded, as the shell left it)
// is the wrapper's first argument.
func wrapper(shebang, name string, p *payload, args []byte, rlimit int, withZip bool) []byte {
	zip := ""
	if withZip {
		zip = p.Zip
	}
	return []byte(fmt.Sprintf(`%s
# -*- coding: utf-8 -*-
# fjord's payload for the module %[2]s: the module and the module_utils it
# imports, zipped (or left on the host by an earlier run); its arguments
# are below.
_ZIPDATA = """%[3]s"""
_HASH = %[8]q
_ARGS = """%[4]s"""
_FQN = %[5]q


def _fjord_own(path):
    import os
    import stat
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o022


def _fjord_unzip(into):
    import base64
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(_ZIPDATA))) as z:
        z.extractall(into)


def _fjord_cached(remote_tmp):
    """The payload's directory under remote_tmp, unpacked there if it is
    not yet; None when there is none to be had."""
    import os
    import shutil
    import tempfile
    root = os.path.join(os.path.expanduser(os.path.expandvars(remote_tmp)), 'fjord-py')
    lib = os.path.join(root, _HASH)
    if _fjord_own(root) and _fjord_own(lib):
        return lib
    if not _ZIPDATA:
        return None
    try:
        os.makedirs(root, mode=0o700, exist_ok=True)
        if not _fjord_own(root):
            return None
        new = tempfile.mkdtemp(dir=root, prefix='.new-')
    except OSError:
        return None
    try:
        _fjord_unzip(new)
        os.rename(new, lib)
    except OSError:
        shutil.rmtree(new, ignore_errors=True)
    # another run may have put it there first
    return lib if _fjord_own(lib) else None


def _fjord_main():
    import base64
    import json
    import os
    import runpy
    import shutil
    import sys
    import tempfile

    if %[7]d > 0:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = min(hard, %[7]d)
        if want != soft:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            except ValueError:
                pass

    # Piped in on stdin, the wrapper has no file and no directory: the
    # module then has no _ansible_tmpdir either and makes its own.
    here = None
    try:
        here = os.path.dirname(os.path.realpath(__file__))
    except (NameError, OSError):
        pass
    sys.path = [p for p in sys.path if p not in ('', '.', here)]
    remote_tmp = sys.argv.pop(1) if len(sys.argv) > 1 else None
    lib = _fjord_cached(remote_tmp) if remote_tmp else None
    tmp = None
    if lib is None:
        if not _ZIPDATA:
            print('{"msg": "%[9]s", "failed": true}')
            sys.exit(%[10]d)
        tmp = lib = tempfile.mkdtemp(prefix='ansible_%[2]s_payload_')
        _fjord_unzip(lib)
    try:
        sys.path.insert(0, lib)
        from ansible.module_utils import basic
        basic._ANSIBLE_ARGS = base64.b64decode(_ARGS)
        if here is not None:
            basic._ANSIBLE_ARGS = basic._ANSIBLE_ARGS.replace(
                b'%[6]s', json.dumps(here)[1:-1].encode('utf-8'))
        runpy.run_module(mod_name=_FQN, init_globals=dict(_module_fqn=_FQN, _modlib_path=lib),
                         run_name='__main__', alter_sys=True)
        print('{"msg": "New-style module did not handle its own exit", "failed": true}')
        sys.exit(1)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    _fjord_main()
`, shebang, name, zip, base64.StdEncoding.EncodeToString(args), p.FQN, tmpdirMark, rlimit, p.Hash, missingMark, missingRC))
}
