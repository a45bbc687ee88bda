package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// systemdUnit is what differs between one install of the bridge's systemd
// unit and another. The packaged unit (packaging/atlar-bridge.service) is
// packagedUnit rendered, and `bridge install` on Linux renders the same
// text for its own paths, so both get the same hardening.
type systemdUnit struct {
	Exe        string   // absolute path of the binary
	ConfigPath string   // absolute path of config.toml
	User       string   // User=; "" runs as root
	WorkDir    string   // WorkingDirectory=, the config's folder
	WritePaths []string // ReadWritePaths=: storage.root (and a host key folder outside it)
	// StateDir adds StateDirectory=atlar-bridge (mode 0700): systemd then
	// creates /var/lib/atlar-bridge owned by User. Only when that is the root.
	StateDir bool
	// ProtectHome is "yes", or "read-only" when a path the bridge needs
	// lies under /home, /root or /run/user.
	ProtectHome string
}

// packagedRoot is storage.root in the packaged config; systemd's
// StateDirectory=atlar-bridge is the same folder.
const packagedRoot = "/var/lib/atlar-bridge"

// packagedUnit is the unit the .deb and .rpm ship.
func packagedUnit() systemdUnit {
	return systemdUnit{
		Exe: "/usr/bin/atlar-bridge", ConfigPath: "/etc/atlar-bridge/config.toml", User: "atlar-bridge",
		WorkDir: "/etc/atlar-bridge", WritePaths: []string{packagedRoot}, StateDir: true, ProtectHome: "yes",
	}
}

// homePrefixes are what ProtectHome=yes hides.
var homePrefixes = []string{"/home", "/root", "/run/user"}

// unitFor describes the unit for a bridge run with config path cfgPath,
// storage root, host key folder ("" when SFTP is off) and other paths it
// reads (secret file, authorized_keys files).
func unitFor(exe, cfgPath, user, root, hostKeyDir string, reads []string) systemdUnit {
	u := systemdUnit{Exe: exe, ConfigPath: cfgPath, User: user, WorkDir: filepath.Dir(cfgPath),
		WritePaths: []string{root}, StateDir: root == packagedRoot, ProtectHome: "yes"}
	if hostKeyDir != "" && !pathUnder(hostKeyDir, root) {
		u.WritePaths = append(u.WritePaths, hostKeyDir)
	}
	for _, p := range append([]string{exe, cfgPath, root, hostKeyDir}, reads...) {
		for _, h := range homePrefixes {
			if p != "" && pathUnder(p, h) {
				u.ProtectHome = "read-only"
			}
		}
	}
	return u
}

// pathUnder reports whether p is dir or inside it (slash paths).
func pathUnder(p, dir string) bool {
	p, dir = filepath.Clean(p), filepath.Clean(dir)
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// render writes the unit file. kardianos/service runs a custom unit
// through its template engine, so no value may contain "{{"; systemd
// splits ReadWritePaths= at blanks, so those paths may hold none.
func (u systemdUnit) render() (string, error) {
	for _, p := range append([]string{u.Exe, u.ConfigPath, u.User, u.WorkDir}, u.WritePaths...) {
		if strings.Contains(p, "{{") || strings.ContainsAny(p, "\n\r") {
			return "", fmt.Errorf("systemd unit: unsupported characters in %q", p)
		}
	}
	for _, p := range u.WritePaths {
		if strings.ContainsAny(p, " \t") {
			return "", fmt.Errorf("systemd unit: %q: a folder the service writes to may not contain blanks", p)
		}
	}
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("# Atlar Bridge as a hardened systemd service. The .deb/.rpm install this file;")
	w("# `atlar-bridge install` writes the same for its own paths. Change settings with")
	w("# `systemctl edit atlar-bridge` (a drop-in survives upgrades).")
	w("[Unit]")
	w("Description=Atlar Bridge: payment files between an ERP and Atlar")
	w("Documentation=file:///usr/share/doc/atlar-bridge/README.md")
	w("Wants=network-online.target")
	w("After=network-online.target")
	w("")
	w("[Service]")
	w("Type=simple")
	w("ExecStart=%s run --config %s", systemdArg(u.Exe), systemdArg(u.ConfigPath))
	w("# SIGHUP re-reads users, keys and routes without a restart.")
	w("ExecReload=/bin/kill -HUP $MAINPID")
	if u.User != "" {
		w("User=%s", u.User)
	}
	w("WorkingDirectory=%s", systemdEscape(u.WorkDir))
	if u.StateDir {
		w("StateDirectory=atlar-bridge")
		w("# Group atlar-bridge may enter: an ERP in the group drops into inbox/")
		w("# and reads outbox/; state/ and host keys stay private.")
		w("StateDirectoryMode=2750")
	}
	w("# Files the bridge writes (outbox, error reports) are group-readable.")
	w("UMask=0027")
	w("# Optional: ATLAR_SECRET=… when atlar.secret_env is used instead of secret_file.")
	w("EnvironmentFile=-/etc/default/atlar-bridge")
	w("Restart=on-failure")
	w("RestartSec=5")
	w("# Exit status 2 is a config error: restarting cannot fix it.")
	w("RestartPreventExitStatus=2")
	w("# The bridge drains in-flight work for at most 30s when stopped.")
	w("TimeoutStopSec=45")
	w("")
	w("# Hardening: the bridge only writes under its storage root and talks")
	w("# HTTPS to Atlar, SFTP to the ERP and a Unix socket to the CLI.")
	w("NoNewPrivileges=yes")
	w("ProtectSystem=strict")
	w("ProtectHome=%s", u.ProtectHome)
	w("ReadWritePaths=%s", systemdEscape(strings.Join(u.WritePaths, " ")))
	w("PrivateTmp=yes")
	w("PrivateDevices=yes")
	w("ProtectKernelTunables=yes")
	w("ProtectKernelModules=yes")
	w("ProtectKernelLogs=yes")
	w("ProtectControlGroups=yes")
	w("ProtectClock=yes")
	w("ProtectHostname=yes")
	w("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6")
	w("RestrictNamespaces=yes")
	w("RestrictRealtime=yes")
	w("# No RestrictSUIDSGID: the bridge makes the inbox folders it creates setgid.")
	w("LockPersonality=yes")
	w("MemoryDenyWriteExecute=yes")
	w("SystemCallArchitectures=native")
	w("SystemCallFilter=@system-service")
	w("SystemCallErrorNumber=EPERM")
	w("# No capabilities: listen on a port above 1023 (sftp.listen).")
	w("CapabilityBoundingSet=")
	w("")
	w("[Install]")
	w("WantedBy=multi-user.target")
	return b.String(), nil
}

// systemdEscape doubles what systemd would expand in a setting: %
// specifiers.
func systemdEscape(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// systemdArg quotes one ExecStart= word when it needs it; $ and %
// are doubled so systemd takes them literally.
func systemdArg(s string) string {
	s = strings.ReplaceAll(systemdEscape(s), "$", "$$")
	if s != "" && !strings.ContainsAny(s, " \t\"'\\;") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
