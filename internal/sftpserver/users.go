package sftpserver

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
)

// User is one ERP login.
type User struct {
	Name string
	// Keys are the authorised public keys; several allow key rotation.
	Keys []ssh.PublicKey
	// PasswordHash is a bcrypt hash (see HashPassword); empty disables passwords.
	PasswordHash string
	// Routes are the inbox folders the user may write to.
	Routes []string
	// AllowFrom restricts the source addresses; empty allows any.
	AllowFrom []netip.Prefix
	// Reports are the outbox folders besides results the user sees
	// ("statements" and report names); nil grants all, empty none.
	Reports []string
	// Accounts are the IBANs or account ids whose statements the user
	// sees; empty grants all.
	Accounts []string
	// Quota caps the bytes of the user's uploads open at once, across its
	// sessions; 0: no cap.
	Quota int64
}

// passwordCost is bcrypt's work factor for HashPassword: about a quarter of
// a second per check, which is what makes a leaked hash expensive to attack.
const passwordCost = 12

// HashPassword returns the bcrypt hash (cost 12) of password for a user's
// password_hash.
func HashPassword(password []byte) (string, error) {
	if len(password) == 0 {
		return "", errors.New("hash password: empty password")
	}
	h, err := bcrypt.GenerateFromPassword(password, passwordCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// harmlessKeyOptions are authorized_keys options that restrict what sshd
// would allow and are implied here anyway (the server offers SFTP only).
// Other options, notably from= and cert-authority, would silently change
// meaning, so a key that carries them is refused.
var harmlessKeyOptions = []string{
	"restrict", "no-pty", "no-port-forwarding", "no-agent-forwarding",
	"no-x11-forwarding", "no-user-rc", `command="internal-sftp"`,
}

// ParseAuthorizedKeys parses authorized_keys lines (inline from the config)
// and, when file is not empty, the lines of that file. Blank lines and #
// comments are skipped. Certificates, RSA keys under 2048 bits and options
// other than the harmless restrictions are refused, naming the line.
func ParseAuthorizedKeys(lines []string, file string) ([]ssh.PublicKey, error) {
	var keys []ssh.PublicKey
	for i, line := range lines {
		k, err := parseAuthorizedKey(line)
		if err != nil {
			return nil, fmt.Errorf("authorized_keys[%d]: %w", i, err)
		}
		if k != nil {
			keys = append(keys, k)
		}
	}
	if file == "" {
		return keys, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("authorized_keys_file: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		k, err := parseAuthorizedKey(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, n, err)
		}
		if k != nil {
			keys = append(keys, k)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("authorized_keys_file %s: %w", file, err)
	}
	return keys, nil
}

// parseAuthorizedKey returns nil, nil for blank and comment lines.
func parseAuthorizedKey(line string) (ssh.PublicKey, error) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return nil, nil
	}
	key, _, options, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, err
	}
	for _, o := range options {
		if !slices.ContainsFunc(harmlessKeyOptions, func(h string) bool { return strings.EqualFold(h, o) }) {
			return nil, fmt.Errorf("unsupported key option %q (use allow_from to restrict addresses)", o)
		}
	}
	if _, ok := key.(*ssh.Certificate); ok {
		return nil, errors.New("certificates are not supported; list the plain public key")
	}
	if bits := rsaBits(key); bits != 0 && bits < minRSABits {
		return nil, fmt.Errorf("RSA key of %d bits is too short (want >= %d)", bits, minRSABits)
	}
	return key, nil
}

// validateUser checks what the server relies on; config validation normally
// catches these first with the config key's name.
func validateUser(u User) error {
	if u.Name == "" {
		return errors.New("user without a name")
	}
	if len(u.Keys) == 0 && u.PasswordHash == "" {
		return fmt.Errorf("user %s: no authorized key and no password hash", u.Name)
	}
	if u.PasswordHash != "" {
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			return fmt.Errorf("user %s: password_hash: %w", u.Name, err)
		}
	}
	for _, r := range u.Routes {
		if !validName(r) || strings.HasPrefix(r, ".") {
			return fmt.Errorf("user %s: invalid route name %q", u.Name, r)
		}
	}
	return nil
}

// userTable is an immutable snapshot of the configured users.
type userTable struct {
	byName map[string]*User
	// dummyCost is the bcrypt cost of the users' hashes, used for the
	// comparison made for unknown users.
	dummyCost int
}

func (u *User) hasKey(k ssh.PublicKey) bool {
	m := k.Marshal()
	return slices.ContainsFunc(u.Keys, func(c ssh.PublicKey) bool { return bytes.Equal(c.Marshal(), m) })
}

func (u *User) hasRoute(r string) bool { return slices.Contains(u.Routes, r) }

func (u *User) allowedFrom(a netip.Addr) bool {
	if len(u.AllowFrom) == 0 {
		return true
	}
	return slices.ContainsFunc(u.AllowFrom, func(p netip.Prefix) bool { return p.Contains(a) })
}

// cloneUser copies the slices so a caller reusing its own cannot change a
// running server's view.
func cloneUser(u User) *User {
	u.Keys = slices.Clone(u.Keys)
	u.Routes = slices.Clone(u.Routes)
	u.AllowFrom = slices.Clone(u.AllowFrom)
	u.Reports = slices.Clone(u.Reports)
	u.Accounts = slices.Clone(u.Accounts)
	for i, p := range u.AllowFrom {
		u.AllowFrom[i] = unmapPrefix(p)
	}
	return &u
}

// unmapPrefix turns an IPv4-mapped IPv6 prefix (::ffff:10.0.0.0/104) into
// its IPv4 form, because source addresses are compared unmapped.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96).Masked()
	}
	return p
}
