package templates

import (
	"crypto/md5"
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// password_hash as ansible computes it with passlib: md5_crypt,
// sha256_crypt and sha512_crypt (with passlib's default rounds written
// out) and bcrypt (ident 2b).

var passlibNames = map[string]string{"md5": "md5_crypt", "blowfish": "bcrypt", "sha256": "sha256_crypt", "sha512": "sha512_crypt"}

const cryptItoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

var cryptSalt = regexp.MustCompile(`\A[./0-9A-Za-z]*\z`)

func fPasswordHash(s *state, in any, args []any, kw map[string]any) (any, error) {
	pw, err := toStr(in)
	if err != nil {
		return nil, err
	}
	algo := argStr(args, kw, 0, "hashtype", "sha512")
	if n, ok := passlibNames[algo]; ok {
		algo = n
	}
	maxSalt := map[string]int{"md5_crypt": 8, "sha256_crypt": 16, "sha512_crypt": 16, "bcrypt": 22}[algo]
	if maxSalt == 0 {
		msg := fmt.Sprintf("passlib does not support '%s' algorithm", algo)
		return nil, filterError("%s. %s", msg, msg)
	}
	saltSize := maxSalt
	if v := arg(args, kw, 2, "salt_size", nil); v != nil {
		n, ok := plain(v).(int)
		if !ok {
			return nil, fmt.Errorf("'<' not supported between instances of '%s' and 'int'", typeName(v))
		}
		if n > maxSalt || n < 0 {
			return nil, filterError("Could not hash the secret.. salt_size must be <= %d", maxSalt)
		}
		saltSize = n
	}
	salt := ""
	if v := arg(args, kw, 1, "salt", nil); v != nil {
		salt, _ = toStr(v)
	}
	if salt != "" && (!cryptSalt.MatchString(salt) || len(salt) > maxSalt) {
		return nil, filterError("Could not hash the secret.. invalid characters in %s salt", algo)
	}
	if salt == "" {
		salt = randomSalt(saltSize)
	}
	rounds := argInt(args, kw, 3, "rounds", 0)
	if rounds == 5000 && algo != "md5_crypt" && algo != "bcrypt" {
		rounds = -1 // sha-crypt's implicit rounds, which passlib does not write
	}
	switch algo {
	case "sha512_crypt":
		return shaCrypt(pw, salt, passlibRounds(rounds, 656000), true), nil
	case "sha256_crypt":
		return shaCrypt(pw, salt, passlibRounds(rounds, 535000), false), nil
	case "md5_crypt":
		return md5Crypt(pw, salt), nil
	}
	if arg(args, kw, 1, "salt", nil) != nil {
		return nil, fmt.Errorf("password_hash: bcrypt with a given salt is not supported")
	}
	if rounds == 0 {
		rounds = 12
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), rounds)
	if err != nil {
		return nil, filterError("Could not hash the secret.. %v", err)
	}
	return "$2b$" + strings.TrimPrefix(string(h), "$2a$"), nil
}

func randomSalt(n int) string {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./"
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
		if err != nil {
			k = big.NewInt(int64(i))
		}
		b[i] = chars[k.Int64()]
	}
	return string(b)
}

// md5Crypt is the FreeBSD MD5 crypt ($1$).
func md5Crypt(password, salt string) string {
	pw, sl := []byte(password), []byte(salt)
	alt := md5.Sum(append(append(append([]byte{}, pw...), sl...), pw...))
	ctx := md5.New()
	ctx.Write(pw)
	ctx.Write([]byte("$1$"))
	ctx.Write(sl)
	for pl := len(pw); pl > 0; pl -= 16 {
		ctx.Write(alt[:min(pl, 16)])
	}
	for i := len(pw); i > 0; i >>= 1 {
		if i&1 != 0 {
			ctx.Write([]byte{0})
		} else {
			ctx.Write(pw[:1])
		}
	}
	final := ctx.Sum(nil)
	for i := 0; i < 1000; i++ {
		c := md5.New()
		if i&1 != 0 {
			c.Write(pw)
		} else {
			c.Write(final)
		}
		if i%3 != 0 {
			c.Write(sl)
		}
		if i%7 != 0 {
			c.Write(pw)
		}
		if i&1 != 0 {
			c.Write(final)
		} else {
			c.Write(pw)
		}
		final = c.Sum(nil)
	}
	var out strings.Builder
	enc := func(b2, b1, b0 byte, n int) {
		w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
		for ; n > 0; n-- {
			out.WriteByte(cryptItoa64[w&0x3f])
			w >>= 6
		}
	}
	for _, o := range [][3]int{{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}} {
		enc(final[o[0]], final[o[1]], final[o[2]], 4)
	}
	enc(0, 0, final[11], 2)
	return "$1$" + salt + "$" + out.String()
}

// passlibRounds is the rounds shaCrypt is given: passlib's default when
// none, none (5000, unwritten) for the implicit ones.
func passlibRounds(rounds, def int) int {
	switch rounds {
	case 0:
		return def
	case -1:
		return 0
	}
	return rounds
}

// PasswordHash is the password_hash filter for the engine (vars_prompt's
// encrypt, ansible's do_encrypt): hashtype as passlib or crypt names it,
// salt and saltSize nil for passlib's defaults.
func PasswordHash(pw, hashtype string, salt, saltSize any) (string, error) {
	kw := map[string]any{"hashtype": hashtype}
	if salt != nil {
		kw["salt"] = salt
	}
	if saltSize != nil {
		kw["salt_size"] = saltSize
	}
	v, err := fPasswordHash(nil, pw, nil, kw)
	if err != nil {
		return "", err
	}
	return fmt.Sprint(v), nil
}
