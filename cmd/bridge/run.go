package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/atlarbridge/bridge/internal/config"
)

// synopses are each command's usage line (after the program name), with
// its positional arguments; `CMD --help` and the overview print them.
var synopses = []struct{ name, line, what string }{
	{"run", "run      [--config F] [--standby]", "run in the foreground (what the service runs); --standby: wait for the active instance's journal lock and take over"},
	{"demo", "demo     [--dir D] [--sftp-listen A] [--http-listen A]", "run on the built-in Atlar sandbox"},
	{"validate", "validate FILE [--route R] [--json]", "offline check; exit 0 valid, 1 invalid"},
	{"status", "status   [--json]", "files per state, last polls, failures; exit 3 when no bridge runs"},
	{"files", "files    [--state S] [--route R] [--limit N] [--after ID] [--json] | files show ID", "list files, or one file's journey"},
	{"retry", "retry    ID [--force]", "requeue a rejected/failed file"},
	{"redeliver", "redeliver REPORT_ID | NAME/REPORT_ID | NAME/ACCOUNT/SEQ | NAME/ACCOUNT/YYYY-MM-DD | NAME/FILE", "write a statement, or a report of it, to the outbox again; for an intraday report (mt942, camt.052) NAME: that number, that day's reports or that file, as copies with their original numbers"},
	{"reload", "reload", "re-read users, keys, routes and credentials"},
	{"doctor", "doctor   [--online]", "check config, folders, journal, clock, Atlar credentials and permissions"},
	{"backup", "backup   FILE", "write a consistent copy of the journal, also while the bridge runs"},
	{"compact", "compact", "shrink the journal file after pruning (offline: stop the bridge first)"},
	{"alerts", "alerts   test", "send one alert of each kind to the configured email and webhook"},
	{"hostkey", "hostkey", "print the SFTP host key fingerprints"},
	{"hash-password", "hash-password", "bcrypt a password read from stdin"},
	{"install", "install  [--config F] [--user U]", "register the OS service (systemd, Windows)"},
	{"uninstall", "uninstall", "remove the OS service"},
	{"start", "start", "start the OS service"},
	{"stop", "stop", "stop the OS service"},
	{"restart", "restart", "restart the OS service"},
	{"version", "version", "print the version"},
}

// usageText is the overview `--help` prints, naming the binary as it was
// run (atlar-bridge when installed from the packages).
func usageText() string {
	var b strings.Builder
	name := cmdName()
	fmt.Fprintf(&b, "%s — Atlar Bridge: payment files between an ERP and Atlar\n\nUsage:\n", name)
	for _, s := range synopses {
		fmt.Fprintf(&b, "  %s %s\n      %s\n", name, s.line, s.what)
	}
	fmt.Fprintf(&b, "\nEvery command takes --config F (default ./config.toml); %s CMD --help shows its flags.\n", name)
	fmt.Fprintf(&b, "Exit codes: 0 ok, 1 failure, 2 bad usage or config, 3 (status) no bridge running.\n")
	return b.String()
}

// commandUsage prints one command's usage line and its flags.
func commandUsage(fs *flag.FlagSet, w io.Writer) {
	line := fs.Name()
	for _, s := range synopses {
		if s.name == fs.Name() {
			line = s.line + "\n\n" + s.what
		}
	}
	fmt.Fprintf(w, "Usage: %s %s\n\nFlags:\n", cmdName(), line)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// version is stamped at build time (-ldflags "-X main.version=…").
var version = "dev"

// Run runs one bridge command.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText())
		return usageErr("no command given")
	}
	cmd, rest := args[0], args[1:]
	env := &cmdEnv{stdin: stdin, stdout: stdout, stderr: stderr}
	err := runCommand(ctx, env, cmd, rest)
	if errors.Is(err, flag.ErrHelp) {
		return nil // the usage asked for is printed: that is success
	}
	return err
}

func runCommand(ctx context.Context, env *cmdEnv, cmd string, rest []string) error {
	stdout, stderr := env.stdout, env.stderr
	switch cmd {
	case "run":
		if underServiceManager() {
			return cmdServiceRun(ctx, env, rest)
		}
		return cmdRun(ctx, env, rest)
	case "demo":
		return cmdDemo(ctx, env, rest)
	case "validate":
		return cmdValidate(ctx, env, rest)
	case "status":
		return cmdStatus(ctx, env, rest)
	case "files":
		return cmdFiles(ctx, env, rest)
	case "retry":
		return cmdRetry(ctx, env, rest)
	case "redeliver":
		return cmdRedeliver(ctx, env, rest)
	case "reload":
		return cmdReload(ctx, env, rest)
	case "doctor":
		return cmdDoctor(ctx, env, rest)
	case "alerts":
		return cmdAlerts(ctx, env, rest)
	case "backup":
		return cmdBackup(ctx, env, rest)
	case "compact":
		return cmdCompact(ctx, env, rest)
	case "hostkey":
		return cmdHostkey(ctx, env, rest)
	case "hash-password":
		return cmdHashPassword(ctx, env, rest)
	case "install":
		return cmdInstall(ctx, env, rest)
	case "uninstall":
		return cmdUninstall(ctx, env, rest)
	case "start", "stop", "restart":
		return cmdServiceControl(ctx, env, cmd, rest)
	case "version", "--version":
		if _, err := env.parse(env.flags("version"), rest); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "atlar-bridge", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usageText())
		return nil
	}
	fmt.Fprint(stderr, usageText())
	return usageErr("unknown command %q", cmd)
}

// cmdEnv is a command's standard streams.
type cmdEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// flags makes a flag set that reports errors as usage errors and allows
// flags after positional arguments (bridge validate FILE --route R).
func (e *cmdEnv) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// parse reports every flag error itself (main prints it once); the
	// usage goes to stdout when asked for with --help.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// configFlag adds the --config flag every command takes.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "config.toml", "config file")
}

// parseConfig parses args and loads the --config file; an invalid config
// is a usage error (exit 2). It returns the positional arguments too.
func (e *cmdEnv) parseConfig(fs *flag.FlagSet, cfgPath *string, args []string) (*config.Config, []string, error) {
	pos, err := e.parse(fs, args)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return nil, nil, err
	}
	return cfg, pos, nil
}

// parse parses args, collecting positional arguments wherever they stand.
func (e *cmdEnv) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			// Asked for: the usage goes to stdout, and Run exits 0.
			commandUsage(fs, e.stdout)
			return nil, flag.ErrHelp
		} else if err != nil {
			return nil, usageErr("%s: %v (%s %s --help shows the usage)", fs.Name(), err, cmdName(), fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
