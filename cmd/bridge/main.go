// Command bridge lets a legacy ERP exchange payment files with Atlar
// through folders and an embedded SFTP server. main only maps Run's error
// to an exit code; Run is what tests call.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

func main() {
	progName = commandName(progName, os.Args[0])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	// Every error is printed here, config errors included: an exit code
	// alone leaves an operator (and systemd's journal) guessing. Only an
	// error whose command already printed the details has no text.
	if err != nil && err.Error() != "" {
		fmt.Fprintf(os.Stderr, "%s: %v\n", progName, err)
	}
	os.Exit(exitCode(err))
}

// progName is the command as the operator types it, in usage texts, error
// messages and the hints written into error.txt and pain.002
// ("atlar-bridge retry ID"). Packaging may stamp it (-ldflags "-X
// main.progName=atlar-bridge"); otherwise it is the name the binary was run
// as, because on Linux a bare "bridge" is iproute2's command.
var progName = ""

// commandName picks the name: the stamped one, else argv[0]'s base name
// without ".exe", else "bridge" (go test binaries, odd argv[0]s).
func commandName(stamped, argv0 string) string {
	if stamped != "" {
		return stamped
	}
	base := strings.TrimSuffix(filepath.Base(argv0), ".exe")
	if base == "" || base == "." || base == string(filepath.Separator) || strings.HasSuffix(base, ".test") {
		return "bridge"
	}
	return base
}

// cmdName is progName for code that runs without main (tests call Run).
func cmdName() string {
	if progName == "" {
		return "bridge"
	}
	return progName
}

// Exit codes (SPEC §7).
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	// exitNotRunning is `status` finding no bridge running.
	exitNotRunning = 3
)

// exitError carries a specific exit code: usage and config errors are 2,
// "invalid" from validate is 1.
type exitError struct {
	code int
	msg  string
	err  error
}

func (e *exitError) Error() string {
	switch {
	case e.msg != "" && e.err != nil:
		return e.msg + ": " + e.err.Error()
	case e.err != nil:
		return e.err.Error()
	}
	return e.msg
}

func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, a...)}
}

func configErr(err error) error { return &exitError{code: exitUsage, err: err} }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ex *exitError
	if errors.As(err, &ex) {
		return ex.code
	}
	return exitFailure
}
