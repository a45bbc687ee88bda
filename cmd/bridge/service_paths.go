package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/atlarbridge/bridge/internal/config"
)

// Drive types as GetDriveType returns them.
const (
	driveNoRootDir = 1 // DRIVE_NO_ROOT_DIR: no such drive for this account
	driveRemote    = 4 // DRIVE_REMOTE: a network drive
)

// winPaths is what the Windows path check asks of the system, so that it
// can be tested anywhere.
type winPaths struct {
	systemDir string                   // C:\Windows\System32
	account   string                   // who runs the check (DOMAIN\user)
	driveType func(root string) uint32 // GetDriveType("X:\")
	probe     func(dir string) error   // create dir and a file in it, then remove the file
}

// check refuses what a Windows service cannot use: a config or storage
// root in System32, a mapped drive letter (drive mappings belong to a
// logon session; services do not see them), and a UNC folder this account
// cannot write to. Run at install (as the administrator) and at service
// start (as the service account, whose access is what counts).
func (w winPaths) check(cfg *config.Config) error {
	var errs []error
	if cfg.File != "" && winUnder(cfg.File, w.systemDir) {
		errs = append(errs, fmt.Errorf("config %s is in the Windows system folder, where services start: "+
			`put it in C:\ProgramData\AtlarBridge and install with --config C:\ProgramData\AtlarBridge\config.toml`, cfg.File))
	}
	type path struct {
		key, path string
		write     bool
	}
	paths := []path{{"storage.root", cfg.Storage.Root, true}}
	if cfg.SFTP.Enabled {
		paths = append(paths, path{"sftp.host_key_dir", cfg.SFTP.HostKeyDir, true})
	}
	paths = append(paths, path{"atlar.secret_file", cfg.Atlar.SecretFile, false})
	for i, u := range cfg.SFTP.Users {
		paths = append(paths, path{fmt.Sprintf("sftp.users[%d].authorized_keys_file", i), u.AuthorizedKeysFile, false})
	}
	for _, p := range paths {
		if p.path == "" {
			continue
		}
		if err := w.checkPath(p.key, p.path, p.write); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (w winPaths) checkPath(key, p string, write bool) error {
	if write && winUnder(p, w.systemDir) {
		return fmt.Errorf(`%s: %s is in the Windows system folder: use a folder such as C:\ProgramData\AtlarBridge`, key, p)
	}
	vol := winVolume(p)
	switch {
	case len(vol) == 2: // a drive letter
		switch w.driveType(vol + `\`) {
		case driveRemote:
			return fmt.Errorf(`%s: %s is on %s, a mapped network drive: a Windows service does not see drive letters `+
				`mapped at logon. Use the UNC path (\\server\share\...) and run the service as an account that can `+
				`read and write it`, key, p, vol)
		case driveNoRootDir:
			return fmt.Errorf(`%s: drive %s does not exist for %s (%s); if it is a mapped network drive, use the UNC `+
				`path (\\server\share\...) instead: services do not see drive letters mapped at logon`, key, vol, w.account, p)
		}
	case strings.HasPrefix(vol, `\\`) && write:
		if err := w.probe(p); err != nil {
			return fmt.Errorf(`%s: %s cannot be written by %s: %w. The service account needs read and write access `+
				`to the share and the folder (LocalSystem and NetworkService reach the network as the computer `+
				`account DOMAIN\COMPUTER$; a domain or managed service account is usually better)`, key, p, w.account, err)
		}
	}
	return nil
}

// winVolume returns the volume of a Windows path: "C:" or
// `\\server\share` ("" for a relative path). Unlike filepath.VolumeName it
// works on any OS.
func winVolume(p string) string {
	p = strings.ReplaceAll(p, "/", `\`)
	if len(p) >= 2 && p[1] == ':' && isLetter(p[0]) {
		return strings.ToUpper(p[:2])
	}
	if !strings.HasPrefix(p, `\\`) {
		return ""
	}
	parts := strings.SplitN(p[2:], `\`, 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return ""
	}
	return `\\` + parts[0] + `\` + parts[1]
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// winUnder reports whether the Windows path p is dir or inside it,
// ignoring case and the slash style.
func winUnder(p, dir string) bool {
	if dir == "" {
		return false
	}
	norm := func(s string) string {
		return strings.TrimRight(strings.ToLower(strings.ReplaceAll(s, "/", `\`)), `\`)
	}
	p, dir = norm(p), norm(dir)
	return p == dir || strings.HasPrefix(p, dir+`\`)
}
