// Package external runs the modules fjord does not implement, as
// ansible-core runs them: a module found in a play's or role's library/
// directory, the configured library path, an installed collection's
// plugins/modules, or ansible-core's own modules directory.
//
// Find resolves a name the native registry does not know (find.go). A
// found module runs through Module (module.go) on the task's existing
// connection: its file (and, for an old-style, WANT_JSON or binary
// module, an arguments file) is sent into a temporary directory under
// remote_tmp, run with the interpreter its shebang names (python through
// ansible_python_interpreter or discovery, interp.go), and its JSON output
// becomes the task's result (result.go). A new-style Python module goes as
// an AnsiballZ-like payload (payload.go): one Python file holding a zip of
// the module and the ansible.module_utils and collection module_utils it
// imports, found by scanning imports transitively (imports.go). It is
// piped to the interpreter's stdin, with no temporary directory, as
// ansible-core's pipelining does (hostrun.go), except as an async job;
// the host keeps the unpacked payload and its bytecode under
// remote_tmp/fjord-py, so that later tasks send only the arguments
// (wrapper.go).
package external
