package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/atlarbridge/bridge/internal/config"
)

const usage = `bridge — Atlar Bridge: payment files between an ERP and Atlar

Usage:
  bridge run      [--config F]        run in the foreground (what the service runs)
  bridge demo     [--dir D] [--sftp-listen A] [--http-listen A]
                                      run on the built-in Atlar sandbox
  bridge validate FILE [--route R]    offline check; exit 0 valid, 1 invalid
  bridge status   [--json]            files per state, last polls, failures
  bridge files    [--state S] [--route R] [--json]
  bridge files show ID                one file's journey
  bridge retry    ID [--force]        requeue a rejected/failed file
  bridge redeliver REPORT_ID          write a statement to the outbox again
  bridge reload                       re-read users, keys, routes and credentials
  bridge doctor                       check config, folders, clock, Atlar credentials and connections
  bridge hostkey                      print the SFTP host key fingerprints
  bridge hash-password                bcrypt a password read from stdin
  bridge install   [--config F] [--user U]
                                      register the OS service (systemd, Windows)
  bridge uninstall | start | stop | restart
                                      manage the OS service
  bridge version

Every command takes --config F (default ./config.toml).
`

// version is stamped at build time (-ldflags "-X main.version=…").
var version = "dev"

// Run runs one bridge command.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageErr("no command given")
	}
	cmd, rest := args[0], args[1:]
	env := &cmdEnv{stdin: stdin, stdout: stdout, stderr: stderr}
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
		fmt.Fprintln(stdout, "atlar-bridge", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
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
	fs.SetOutput(e.stderr)
	return fs
}

// configFlag adds the --config flag every command takes.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "config.toml", "config file")
}

// parseConfig parses args and loads the --config file; an invalid config
// is a usage error (exit 2). It returns the positional arguments too.
func parseConfig(fs *flag.FlagSet, cfgPath *string, args []string) (*config.Config, []string, error) {
	pos, err := parse(fs, args)
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
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageErr("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
