package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/pbkdf2"
)

// Header starts every vault envelope.
const Header = "$ANSIBLE_VAULT"

// DefaultID is the vault id of a secret given without one, and of data
// whose envelope (format 1.1) names none.
const DefaultID = "default"

const (
	cipherAES256 = "AES256"
	iterations   = 10000
	keyLen       = 32
	saltLen      = 32
	lineWidth    = 80
)

// Error is a vault failure, worded as Ansible words it. File, when set, is
// the file the data came from and is part of the message.
type Error struct {
	Msg  string
	File string
	// Format is set when the envelope itself is malformed, as opposed to
	// no secret opening it.
	Format bool
}

func (e *Error) Error() string {
	if e.File == "" {
		return e.Msg
	}
	switch {
	case e.Format:
		return strings.Replace(e.Msg, ":", " in "+e.File+":", 1)
	case strings.HasPrefix(e.Msg, "input is not vault encrypted data"):
		return e.Msg + e.File + " is not a vault encrypted file"
	}
	return e.Msg + " on " + e.File
}

// ErrNoSecret is what errors.Is finds when none of the secrets opened the data.
var ErrNoSecret = errors.New("Decryption failed (no vault secrets were found that could decrypt)")

func (e *Error) Is(target error) bool {
	return target == ErrNoSecret && e.Msg == ErrNoSecret.Error()
}

// IsEncrypted reports whether data is a vault envelope: pure ASCII that
// starts with $ANSIBLE_VAULT.
func IsEncrypted(data []byte) bool {
	for _, c := range data {
		if c >= 0x80 {
			return false
		}
	}
	return bytes.HasPrefix(data, []byte(Header))
}

// Envelope is a parsed vault envelope: its header fields and the
// hexlified payload with line breaks removed.
type Envelope struct {
	Version string // "1.1", "1.2"
	Cipher  string // "AES256"
	ID      string // vault id from a 1.2 header, else DefaultID
	Payload []byte
}

// ParseEnvelope splits data into header fields and payload, as Ansible
// does: the first line is the header, every other line is payload.
func ParseEnvelope(data []byte) (*Envelope, error) {
	lines := splitLines(data)
	if len(lines) == 0 {
		return nil, &Error{Msg: "Vault envelope format error: list index out of range", Format: true}
	}
	fields := strings.Split(strings.TrimSpace(string(lines[0])), ";")
	if len(fields) < 3 {
		return nil, &Error{Msg: "Vault envelope format error: list index out of range", Format: true}
	}
	env := &Envelope{
		Version: strings.TrimSpace(fields[1]),
		Cipher:  strings.TrimSpace(fields[2]),
		ID:      DefaultID,
		Payload: bytes.Join(lines[1:], nil),
	}
	if len(fields) >= 4 {
		env.ID = strings.TrimSpace(fields[3])
	}
	return env, nil
}

// splitLines splits as Python's bytes.splitlines: on \n, \r and \r\n,
// with no empty last element for a trailing line break.
func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			out = append(out, b)
			break
		}
		out = append(out, b[:i])
		if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			i++
		}
		b = b[i+1:]
	}
	return out
}

// formatEnvelope puts the header in front of payload and wraps it at 80
// columns, ending with a newline.
func formatEnvelope(payload []byte, vaultID string) []byte {
	var b bytes.Buffer
	b.WriteString(Header)
	if vaultID != "" && vaultID != DefaultID {
		b.WriteString(";1.2;" + cipherAES256 + ";" + vaultID)
	} else {
		b.WriteString(";1.1;" + cipherAES256)
	}
	b.WriteByte('\n')
	for i := 0; i < len(payload); i += lineWidth {
		b.Write(payload[i:min(i+lineWidth, len(payload))])
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Encrypt encrypts plain with secret as ansible-vault does: format 1.1, or
// 1.2 with the id in the header when vaultID is neither "" nor "default".
func Encrypt(plain, secret []byte, vaultID string) ([]byte, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	return encryptWithSalt(plain, secret, vaultID, salt)
}

func encryptWithSalt(plain, secret []byte, vaultID string, salt []byte) ([]byte, error) {
	if len(secret) == 0 {
		return nil, &Error{Msg: "A vault password must be specified to encrypt data"}
	}
	if strings.Contains(vaultID, ";") {
		return nil, &Error{Msg: fmt.Sprintf("'%s' is not a valid vault id. The character ';' is not allowed in vault ids", vaultID)}
	}
	if IsEncrypted(plain) {
		return nil, &Error{Msg: "input is already encrypted"}
	}
	key1, key2, iv := deriveKeys(secret, salt)
	block, err := aes.NewCipher(key1)
	if err != nil {
		return nil, err
	}
	// Ansible pads with PKCS#7 even though CTR needs no padding; keep it
	// so that either side can read the other's output.
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	padded := make([]byte, len(plain)+pad)
	copy(padded, plain)
	for i := len(plain); i < len(padded); i++ {
		padded[i] = byte(pad)
	}
	ct := make([]byte, len(padded))
	cipher.NewCTR(block, iv).XORKeyStream(ct, padded)
	mac := hmac.New(sha256.New, key2)
	mac.Write(ct)

	inner := strings.Join([]string{
		hex.EncodeToString(salt),
		hex.EncodeToString(mac.Sum(nil)),
		hex.EncodeToString(ct),
	}, "\n")
	payload := make([]byte, hex.EncodedLen(len(inner)))
	hex.Encode(payload, []byte(inner))
	return formatEnvelope(payload, vaultID), nil
}

func deriveKeys(secret, salt []byte) (key1, key2, iv []byte) {
	k := pbkdf2.Key(secret, salt, iterations, 2*keyLen+aes.BlockSize, sha256.New)
	return k[:keyLen], k[keyLen : 2*keyLen], k[2*keyLen:]
}

// payload is the decoded inner vaulttext: salt, hex HMAC, ciphertext.
type payload struct {
	salt, hexMAC, ct []byte
}

func parsePayload(p []byte) (*payload, error) {
	inner, err := unhexlify(p)
	if err != nil {
		return nil, err
	}
	parts := bytes.SplitN(inner, []byte("\n"), 3)
	if len(parts) != 3 {
		return nil, &Error{Format: true,
			Msg: fmt.Sprintf("Vault vaulttext format error: not enough values to unpack (expected 3, got %d)", len(parts))}
	}
	salt, err := unhexlify(parts[0])
	if err != nil {
		return nil, err
	}
	ct, err := unhexlify(parts[2])
	if err != nil {
		return nil, err
	}
	return &payload{salt: salt, hexMAC: parts[1], ct: ct}, nil
}

func unhexlify(b []byte) ([]byte, error) {
	if len(b)%2 == 1 {
		return nil, &Error{Msg: "Vault format unhexlify error: Odd-length string", Format: true}
	}
	out := make([]byte, hex.DecodedLen(len(b)))
	if _, err := hex.Decode(out, b); err != nil {
		return nil, &Error{Msg: "Vault format unhexlify error: Non-hexadecimal digit found", Format: true}
	}
	return out, nil
}

// open decrypts p with one secret; ok is false when the HMAC does not
// match, that is when the secret is the wrong one.
func (p *payload) open(secret []byte) (plain []byte, ok bool, err error) {
	key1, key2, iv := deriveKeys(secret, p.salt)
	want, err := unhexlify(p.hexMAC)
	if err != nil {
		return nil, false, err
	}
	mac := hmac.New(sha256.New, key2)
	mac.Write(p.ct)
	if !hmac.Equal(mac.Sum(nil), want) {
		return nil, false, nil
	}
	block, err := aes.NewCipher(key1)
	if err != nil {
		return nil, false, err
	}
	plain = make([]byte, len(p.ct))
	cipher.NewCTR(block, iv).XORKeyStream(plain, p.ct)
	n := len(plain)
	if n == 0 || n%aes.BlockSize != 0 {
		return nil, false, &Error{Msg: "Invalid padding bytes."}
	}
	pad := int(plain[n-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, false, &Error{Msg: "Invalid padding bytes."}
	}
	for _, c := range plain[n-pad:] {
		if int(c) != pad {
			return nil, false, &Error{Msg: "Invalid padding bytes."}
		}
	}
	return plain[:n-pad], true, nil
}

// Decrypt opens vault data with the first of secrets that fits.
func Decrypt(data []byte, secrets Secrets) ([]byte, error) {
	plain, _, err := DecryptFile(data, secrets, "")
	return plain, err
}

// DecryptFile is Decrypt for data read from file, named in errors; it also
// returns the secret that opened the data.
func DecryptFile(data []byte, secrets Secrets, file string) ([]byte, Secret, error) {
	if !IsEncrypted(data) {
		return nil, Secret{}, &Error{Msg: "input is not vault encrypted data. ", File: file}
	}
	env, err := ParseEnvelope(data)
	if err != nil {
		err.(*Error).File = file
		return nil, Secret{}, err
	}
	if env.Cipher != cipherAES256 {
		return nil, Secret{}, &Error{Msg: env.Cipher + " cipher could not be found"}
	}
	if len(secrets.list) == 0 {
		return nil, Secret{}, &Error{Msg: "Attempting to decrypt but no vault secrets found"}
	}
	var p *payload
	for _, s := range secrets.candidates(env.ID) {
		if p == nil {
			// Ansible parses the payload only once it has a secret to try.
			if p, err = parsePayload(env.Payload); err != nil {
				err.(*Error).File = file
				return nil, Secret{}, err
			}
		}
		plain, ok, err := p.open(s.Password)
		if err != nil {
			if e, isVault := err.(*Error); isVault {
				e.File = file
			}
			return nil, Secret{}, err
		}
		if ok {
			return plain, s, nil
		}
	}
	return nil, Secret{}, &Error{Msg: ErrNoSecret.Error(), File: file}
}
