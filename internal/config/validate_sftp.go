package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"

	"github.com/atlarbridge/bridge/internal/sftpserver"
)

// userNameRE is what an ERP's SFTP login may be called.
var userNameRE = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// bcryptRE is the shape of a bcrypt hash; bcrypt.Cost then checks the cost.
var bcryptRE = regexp.MustCompile(`^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$`)

// sftp checks [sftp] and its users, only when the server is enabled: a
// disabled server's half-written users should not stop the bridge.
func (v *checker) sftp() {
	s := v.c.SFTP
	if !s.Enabled {
		return
	}
	v.listen("sftp.listen", s.Listen, DefaultSFTPListen)
	if s.HostKeyDir == "" {
		v.fail("sftp.host_key_dir", "required")
	}
	v.positiveInt("sftp.max_sessions", s.MaxSessions)
	v.positiveInt("sftp.max_sessions_per_user", s.MaxSessionsPerUser)
	if s.MaxSessions > 0 && s.MaxSessionsPerUser > s.MaxSessions {
		v.fail("sftp.max_sessions_per_user", "must be <= sftp.max_sessions %d (got %d)", s.MaxSessions, s.MaxSessionsPerUser)
	}
	v.positive("sftp.idle_timeout", s.IdleTimeout)
	v.positiveInt("sftp.max_auth_tries", s.MaxAuthTries)
	v.nonNegative("sftp.login_delay", s.LoginDelay)
	v.positiveInt("sftp.ban_after", s.BanAfter)
	v.positive("sftp.ban_window", s.BanWindow)
	v.positive("sftp.ban_for", s.BanFor)
	v.positive("sftp.login_grace_time", s.LoginGraceTime)
	if _, err := sftpserver.ParseMaxStartups(s.MaxStartups); err != nil {
		v.fail("sftp.max_startups", "must be start:rate:full like \"10:30:100\" with start <= full and rate <= 100 (got %q)", s.MaxStartups)
	}
	v.positiveInt("sftp.max_startups_per_address", s.MaxStartupsPerAddress)
	v.positive("sftp.client_temp_max_age", s.ClientTempMaxAge)
	known := knownSSHAlgorithms()
	for i, alg := range s.LegacyAlgorithms {
		if !known[alg] {
			v.fail(indexKey("sftp.legacy_algorithms", i), "not an SSH algorithm this server implements (got %q)", alg)
		}
	}
	if len(s.Users) == 0 {
		v.fail("sftp.users", "at least one [[sftp.users]] is required when sftp.enabled = true")
	}
	seen := map[string]int{}
	for i := range s.Users {
		v.sftpUser(i, seen)
	}
}

func (v *checker) sftpUser(i int, seen map[string]int) {
	u := v.c.SFTP.Users[i]
	base := fmt.Sprintf("sftp.users[%d]", i)
	key := func(k string) string { return base + "." + k }
	switch {
	case u.Name == "":
		v.fail(key("name"), "required")
	case !userNameRE.MatchString(u.Name):
		v.fail(key("name"), "must be 1-64 letters, digits, '.', '_', '@' or '-' (got %q)", u.Name)
	default:
		if j, dup := seen[u.Name]; dup {
			v.fail(key("name"), "duplicate user name %q (also sftp.users[%d])", u.Name, j)
		} else {
			seen[u.Name] = i
		}
	}
	if len(u.AuthorizedKeys) == 0 && u.AuthorizedKeysFile == "" && u.PasswordHash == "" {
		v.fail(base, "needs authorized_keys, authorized_keys_file or password_hash to log in")
	}
	for j, line := range u.AuthorizedKeys {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err != nil {
			v.fail(indexKey(key("authorized_keys"), j), "not an authorized_keys line like \"ssh-ed25519 AAAA… erp@host\": %v", err)
		}
	}
	if h := u.PasswordHash; h != "" {
		// The hash is not printed: it is still a secret worth not spreading.
		if _, err := bcrypt.Cost([]byte(h)); err != nil || !bcryptRE.MatchString(h) {
			v.fail(key("password_hash"), "must be a bcrypt hash ($2a$, $2b$ or $2y$) as printed by \"bridge hash-password\"")
		}
	}
	for j, name := range u.Routes {
		switch _, ok := v.c.Route(name); {
		case !ok:
			v.fail(indexKey(key("routes"), j), "no [[routes]] is named %q", name)
		case slices.Index(u.Routes, name) < j:
			v.fail(indexKey(key("routes"), j), "%q is listed twice", name)
		}
	}
	for j, cidr := range u.AllowFrom {
		if _, err := netip.ParsePrefix(cidr); err != nil {
			v.fail(indexKey(key("allow_from"), j), "must be a CIDR like \"10.0.0.0/8\" or an address (got %q)", cidr)
		}
	}
	for j, name := range u.Reports {
		switch {
		case strings.EqualFold(name, "results"):
			v.fail(indexKey(key("reports"), j), "results are always shown, each user only its routes' (remove \"results\")")
		case !reportFolderRE.MatchString(name):
			v.fail(indexKey(key("reports"), j), "must be \"statements\" or a [[reports]] name: letters, digits, '.', '_' or '-' (got %q)", name)
		case slices.Index(u.Reports, name) < j:
			v.fail(indexKey(key("reports"), j), "%q is listed twice", name)
		}
	}
	for j, acct := range u.Accounts {
		if acct == "" || strings.ContainsAny(acct, "_/\\ ") {
			v.fail(indexKey(key("accounts"), j), "must be an IBAN or an Atlar account id as statement file names start with (got %q)", acct)
		}
	}
}

// reportFolderRE is what an outbox folder granted in reports may be called.
var reportFolderRE = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$`)

// knownSSHAlgorithms is every algorithm name x/crypto/ssh implements,
// secure or not: legacy_algorithms exists to enable the insecure ones.
func knownSSHAlgorithms() map[string]bool {
	known := map[string]bool{}
	for _, a := range []ssh.Algorithms{ssh.SupportedAlgorithms(), ssh.InsecureAlgorithms()} {
		for _, list := range [][]string{a.KeyExchanges, a.Ciphers, a.MACs, a.HostKeys, a.PublicKeyAuths} {
			for _, name := range list {
				known[name] = true
			}
		}
	}
	return known
}
