package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/fjord-run/fjord/vault"
)

// What each ansible-vault subcommand does to files: encrypt, decrypt, view, create, edit, rekey, encrypt_string.

func (r *vaultRun) readData(name string) ([]byte, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(r.e.stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		msg := err.Error()
		if pe, ok := err.(*os.PathError); ok {
			msg = pe.Err.Error()
		}
		return nil, vaultErr(fmt.Errorf("Unable to read source file (%s): %s", name, msg))
	}
	return data, nil
}

// writeData writes to stdout ("-") or replaces the file with a new one,
// created 0600, as ansible-vault does.
func (r *vaultRun) writeData(data []byte, name string) error {
	if name == "-" {
		_, err := r.e.stdout.Write(data)
		return err
	}
	if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() {
		if err := os.Remove(name); err != nil {
			return vaultErr(err)
		}
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return vaultErr(fmt.Errorf("Problem creating temporary vault file: %v", err))
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return vaultErr(fmt.Errorf("Unable to write to temporary vault file: %v", err))
	}
	return f.Close()
}

func realPath(name string) string {
	if name == "-" {
		return name
	}
	if p, err := filepath.EvalSymlinks(name); err == nil {
		name = p
	}
	if p, err := filepath.Abs(name); err == nil {
		return p
	}
	return name
}

func (r *vaultRun) encryptFiles(args []string) error {
	return r.convertFiles(args, "plaintext", "Encryption successful", func(f string, plain []byte) ([]byte, error) {
		ct, err := vault.Encrypt(plain, r.encrypt.Password, r.encrypt.ID)
		if err != nil {
			return nil, vaultErr(err)
		}
		return ct, nil
	})
}

func (r *vaultRun) decryptFiles(args []string) error {
	return r.convertFiles(args, "ciphertext", "Decryption successful", func(f string, data []byte) ([]byte, error) {
		plain, _, err := r.decrypt(data, f, f)
		return plain, err
	})
}

// convertFiles runs convert over each file (stdin when there is none,
// saying it reads what at a terminal) and writes the result to --output or
// back to the file.
func (r *vaultRun) convertFiles(args []string, what, done string, convert func(f string, data []byte) ([]byte, error)) error {
	if len(args) == 0 {
		if r.o.stdinIsTerm {
			fmt.Fprintf(r.e.stderr, "Reading %s input from stdin\n", what)
		}
		args = []string{"-"}
	}
	for _, f := range args {
		f = realPath(f)
		data, err := r.readData(f)
		if err != nil {
			return err
		}
		out, err := convert(f, data)
		if err != nil {
			return err
		}
		if err := r.writeData(out, firstNonEmpty(r.o.Output, f)); err != nil {
			return err
		}
	}
	if r.o.stdoutIsTerm {
		fmt.Fprintln(r.e.stderr, done)
	}
	return nil
}

// decrypt decrypts data read from name with the loaded secrets; source
// is the file name vault.DecryptFile reports, if any. The secret used
// comes back too.
func (r *vaultRun) decrypt(data []byte, name, source string) ([]byte, vault.Secret, error) {
	plain, used, err := vault.DecryptFile(data, *r.secrets, source)
	if err != nil {
		return nil, used, vaultErr(fmt.Errorf("%v for %s", err, name))
	}
	return plain, used, nil
}

func (r *vaultRun) view(args []string) error {
	for _, f := range args {
		data, err := r.readData(f)
		if err != nil {
			return err
		}
		plain, _, err := r.decrypt(data, f, f)
		if err != nil {
			return err
		}
		r.page(plain)
	}
	return nil
}

// page shows text through $PAGER (or less) on a terminal, else prints it
// with a final newline, as ansible-vault view does.
func (r *vaultRun) page(text []byte) {
	if r.o.stdoutIsTerm {
		pager := r.e.getenv("PAGER")
		if pager == "" {
			if _, err := exec.LookPath("less"); err == nil {
				pager = "less"
			}
		}
		if pager != "" {
			cmd := exec.Command("sh", "-c", pager)
			cmd.Stdin = bytes.NewReader(text)
			cmd.Stdout, cmd.Stderr = r.e.stdout, r.e.stderr
			cmd.Env = os.Environ()
			if r.e.getenv("LESS") == "" {
				cmd.Env = append(cmd.Env, "LESS=FRSX")
			}
			if cmd.Run() == nil {
				return
			}
		}
	}
	r.e.stdout.Write(text)
	if !bytes.HasSuffix(text, []byte("\n")) {
		io.WriteString(r.e.stdout, "\n")
	}
}

func (r *vaultRun) create(name string) error {
	if dir := filepath.Dir(name); dir != "." {
		if _, err := os.Stat(dir); err != nil {
			fmt.Fprintf(r.e.stderr, "[WARNING]: %s does not exist, creating...\n", dir)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return vaultErr(err)
			}
		}
	}
	if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() {
		return vaultErr(fmt.Errorf("%s exists, please use 'edit' instead", name))
	}
	return r.editHelper(name, nil, true, r.encrypt, r.encrypt.ID)
}

func (r *vaultRun) edit(name string) error {
	name = realPath(name)
	data, err := r.readData(name)
	if err != nil {
		return err
	}
	plain, used, err := r.decrypt(data, name, "")
	if err != nil {
		return err
	}
	env, err := vault.ParseEnvelope(data)
	if err != nil {
		return vaultErr(err)
	}
	// The file keeps the vault id its header had.
	return r.editHelper(name, plain, false, used, env.ID)
}

// editHelper puts plain in a temp file in a private directory, runs
// $EDITOR on it, and encrypts the result into name if it changed (always,
// for a new file). The plaintext is overwritten before removal.
func (r *vaultRun) editHelper(name string, plain []byte, force bool, secret vault.Secret, id string) error {
	dir, err := os.MkdirTemp("", "fjord-vault-")
	if err != nil {
		return vaultErr(err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "edit"+filepath.Ext(name))
	defer shred(tmp)
	if err := os.WriteFile(tmp, plain, 0o600); err != nil {
		return vaultErr(err)
	}
	editor := r.e.getenv("EDITOR")
	if editor == "" {
		editor = "vi"
	}
	cmd := exec.Command("sh", "-c", editor+` "$1"`, "sh", tmp)
	cmd.Stdin = r.e.stdin
	cmd.Stdout, cmd.Stderr = r.e.stdout, r.e.stderr
	if f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil && r.o.stdinIsTerm {
		defer f.Close()
		cmd.Stdin, cmd.Stdout = f, f
	}
	if err := cmd.Run(); err != nil {
		return vaultErr(fmt.Errorf("Unable to execute the command \"%s %s\": %v", editor, tmp, err))
	}
	edited, err := os.ReadFile(tmp)
	if err != nil {
		return vaultErr(err)
	}
	if !force && bytes.Equal(edited, plain) {
		return nil
	}
	ct, err := vault.Encrypt(edited, secret.Password, id)
	if err != nil {
		return vaultErr(err)
	}
	return r.replaceKeepingMode(name, ct)
}

// replaceKeepingMode writes data to name, keeping an existing file's mode.
func (r *vaultRun) replaceKeepingMode(name string, data []byte) error {
	prev, statErr := os.Stat(name)
	if err := r.writeData(data, name); err != nil {
		return err
	}
	if statErr == nil {
		return os.Chmod(name, prev.Mode().Perm())
	}
	return nil
}

func shred(path string) {
	if fi, err := os.Stat(path); err == nil {
		if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			f.Write(make([]byte, fi.Size()))
			f.Sync()
			f.Close()
		}
	}
	os.Remove(path)
}

func (r *vaultRun) rekey(name string) error {
	name = realPath(name)
	data, err := r.readData(name)
	if err != nil {
		return err
	}
	plain, _, err := r.decrypt(data, name, "")
	if err != nil {
		return err
	}
	ct, err := vault.Encrypt(plain, r.encrypt.Password, r.encrypt.ID)
	if err != nil {
		return vaultErr(err)
	}
	return r.replaceKeepingMode(name, ct)
}

// plainInput is one string for encrypt_string: its text, where it came
// from and the variable name to print it under.
type plainInput struct {
	text []byte
	src  string
	name string
}

func (r *vaultRun) encryptString(args []string, readStdin bool) error {
	inputs, err := r.stringInputs(args, readStdin)
	if err != nil {
		return err
	}
	var outs [][]byte
	for i, in := range inputs {
		ct, err := vault.Encrypt(in.text, r.encrypt.Password, r.encrypt.ID)
		if err != nil {
			return vaultErr(err)
		}
		outs = append(outs, vaultString(in.name, ct))
		if len(inputs) > 1 {
			if in.name != "" {
				fmt.Fprintf(r.e.stderr, "# The encrypted version of variable (\"%s\", the string #%d from %s).\n", in.name, i+1, in.src)
			} else {
				fmt.Fprintf(r.e.stderr, "# The encrypted version of the string #%d from %s.)\n", i+1, in.src)
			}
		}
	}
	if err := r.writeData(bytes.Join(outs, []byte("\n")), firstNonEmpty(r.o.Output, "-")); err != nil {
		return err
	}
	if r.o.stdoutIsTerm {
		fmt.Fprintln(r.e.stderr, "Encryption successful")
	}
	return nil
}

// vaultString is ciphertext ct as a YAML !vault scalar, under name if
// there is one.
func vaultString(name string, ct []byte) []byte {
	var b bytes.Buffer
	if name != "" {
		b.WriteString(name + ": ")
	}
	b.WriteString("!vault |")
	for _, line := range strings.Split(strings.TrimSuffix(string(ct), "\n"), "\n") {
		b.WriteString("\n          " + line)
	}
	return b.Bytes()
}

// stringInputs gathers encrypt_string's strings in ansible-vault's order:
// the prompt, stdin, then the arguments.
func (r *vaultRun) stringInputs(args []string, readStdin bool) ([]plainInput, error) {
	var inputs []plainInput
	if r.o.Prompt {
		in, err := r.promptInput()
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, in)
	}
	if readStdin {
		if r.o.stdoutIsTerm {
			fmt.Fprintln(r.e.stderr, "Reading plaintext input from stdin. (ctrl-d to end input, twice if your content does not already have a newline)")
		}
		text, err := io.ReadAll(r.e.stdin)
		if err != nil {
			return nil, vaultErr(err)
		}
		if len(text) == 0 {
			return nil, optionErrorf("stdin was empty, not encrypting")
		}
		inputs = append(inputs, plainInput{text, "stdin", r.o.StdinName})
	}
	var rest []string
	for _, a := range args {
		if a != "-" {
			rest = append(rest, a)
		}
	}
	names := []string(r.o.Names)
	if len(names) > 0 && len(rest) > len(names) {
		fmt.Fprintln(r.e.stderr, "The number of --name options do not match the number of args.")
		fmt.Fprintf(r.e.stderr, "The last named variable will be \"%s\". The rest will not have names.\n", names[len(names)-1])
	}
	for i, a := range rest {
		if a == "" {
			return nil, optionErrorf("The plaintext provided from the command line args was empty, not encrypting")
		}
		name := ""
		if i < len(names) {
			name = names[i]
		}
		inputs = append(inputs, plainInput{[]byte(a), "the command line args", name})
	}
	return inputs, nil
}

// promptInput asks for a variable name and the string (--prompt).
func (r *vaultRun) promptInput() (plainInput, error) {
	name, err := r.e.readSecret("Variable name (enter for no name): ")
	if err != nil {
		return plainInput{}, err
	}
	msg := "String to encrypt (hidden): "
	if r.o.ShowInput {
		msg = "String to encrypt:"
	}
	text, err := r.e.readSecret(msg)
	if err != nil {
		return plainInput{}, err
	}
	if text == "" {
		return plainInput{}, optionErrorf("The plaintext provided from the prompt was empty, not encrypting")
	}
	return plainInput{[]byte(text), "the interactive prompt", name}, nil
}
