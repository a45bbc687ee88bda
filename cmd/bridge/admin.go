package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/outbound"
	"github.com/atlarbridge/bridge/internal/sftpserver"
	"golang.org/x/term"
)

func cmdRedeliver(ctx context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("redeliver")
	cfgPath := configFlag(fs)
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("usage: %s redeliver REPORT_ID | NAME/REPORT_ID | NAME/ACCOUNT/SEQ | NAME/ACCOUNT/YYYY-MM-DD | NAME/FILE", cmdName())
	}
	j, err := openJournal(*cfgPath, true)
	if err != nil {
		return err
	}
	defer j.Close()
	var path string
	if j.client != nil {
		var out map[string]string
		// Escaped: "NAME/REPORT_ID" (one [[reports]] file) is one segment.
		err = j.client.call(ctx, "POST", "/redeliver/"+url.PathEscape(pos[0]), &out)
		path = out["path"]
	} else {
		path, err = redeliverOffline(ctx, j, pos[0], env.stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "wrote %s\n", path)
	return nil
}

// redeliverOffline redelivers a statement or report while no bridge runs.
// Only warnings are logged: the command says itself what it wrote.
func redeliverOffline(ctx context.Context, j *journalAccess, reportID string, logTo io.Writer) (string, error) {
	cfg := j.cfg
	api, err := atlar.New(atlar.Config{BaseURL: cfg.Atlar.BaseURL, AccessKey: cfg.Atlar.AccessKey, Secret: cfg.Secret,
		Auth: cfg.Atlar.Auth, Timeout: cfg.Atlar.Timeout.Duration, MaxRetries: 2})
	if err != nil {
		return "", err
	}
	out, err := outbound.New(outbound.Options{Journal: j.store, API: api, Layout: layout.Layout{Root: cfg.Storage.Root},
		Statements: outbound.Statements{Format: cfg.Statements.Format, ExternalIDAsEndToEndID: cfg.Statements.ExternalIDAsEndToEndID},
		Reports:    outboundReports(cfg),
		Logger:     slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return "", err
	}
	return out.Redeliver(ctx, reportID)
}

func cmdHostkey(_ context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("hostkey")
	cfgPath := configFlag(fs)
	cfg, _, err := env.parseConfig(fs, cfgPath, args)
	if err != nil {
		return err
	}
	keys, err := sftpserver.HostKeys(cfg.SFTP.HostKeyDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "SFTP host keys in %s (give the known_hosts lines to the ERP):\n", cfg.SFTP.HostKeyDir)
	for _, line := range sftpserver.Fingerprints(keys, cfg.SFTP.Listen) {
		fmt.Fprintln(env.stdout, line)
	}
	return nil
}

// cmdHashPassword reads a password from standard input (a prompt without
// echo on a terminal) and prints only its bcrypt hash: never from argv,
// which other users can read.
func cmdHashPassword(_ context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("hash-password")
	if _, err := env.parse(fs, args); err != nil {
		return err
	}
	var pw []byte
	if f, ok := env.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.stderr, "Password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.stderr)
		if err != nil {
			return err
		}
		fmt.Fprint(env.stderr, "Again: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.stderr)
		if err != nil {
			return err
		}
		if string(p1) != string(p2) {
			return errors.New("the passwords differ")
		}
		pw = p1
	} else {
		line, err := bufio.NewReader(env.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		pw = []byte(strings.TrimRight(line, "\r\n"))
	}
	if len(pw) == 0 {
		return usageErr("hash-password: empty password")
	}
	h, err := sftpserver.HashPassword(pw)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, h)
	return nil
}

// cmdReload asks the running bridge to re-read its config (as SIGHUP does).
func cmdReload(ctx context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("reload")
	cfgPath := configFlag(fs)
	cfg, _, err := env.parseConfig(fs, cfgPath, args)
	if err != nil {
		return err
	}
	c, ok := dialControl(layout.Layout{Root: cfg.Storage.Root}.ControlSocket())
	if !ok {
		return errors.New("reload: no running bridge answers; start it with: bridge run")
	}
	var out map[string]string
	if err := c.call(ctx, "POST", "/reload", &out); err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, "reloaded")
	return nil
}
