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
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ex *exitError
		if !errors.As(err, &ex) || ex.msg != "" {
			fmt.Fprintln(os.Stderr, "bridge:", err)
		}
	}
	os.Exit(exitCode(err))
}

// Exit codes (SPEC §7).
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
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
