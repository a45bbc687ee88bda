package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is one problem in a config file, located by file, line and key so
// that an operator can go straight to it:
//
//	config.toml:14: statements.poll_interval: must be > 0 (got "0s")
//	config.toml:3: unknown key "atlar.secret"
//
// Msg never contains a secret value.
type Error struct {
	File string // the config file as given to Load, "" when parsed from a nameless reader
	Line int    // 1-based line of the key, or of its closest enclosing table; 0 when unknown
	Key  string // full key with 0-based indexes, e.g. "routes[1].format"; "" for syntax errors
	Msg  string // what is wrong, with the offending value when it is safe to print
	// Unknown marks a key that the config does not have (a typo, or a key
	// from a newer version); Error then reads `unknown key "<Key>"`.
	Unknown bool
	// Err is the underlying cause when there is one (reading the secret
	// file), for errors.Is; Msg already includes its text.
	Err error
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Error formats the problem on one line.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		b.WriteString(e.File + ":" + strconv.Itoa(e.Line) + ": ")
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		b.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	switch {
	case e.Unknown:
		fmt.Fprintf(&b, "unknown key %q", e.Key)
	case e.Key != "":
		b.WriteString(e.Key + ": " + e.Msg)
	default:
		b.WriteString(e.Msg)
	}
	return b.String()
}

// Errors is every problem found in one config, in file order where the
// lines are known. Parse, Load and Validate return all of them at once so
// an operator fixes a file in one pass, not one error per restart.
type Errors []error

// Error prints one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find each *Error.
func (es Errors) Unwrap() []error { return es }

// err returns es as an error, or nil when it is empty, so that callers never
// see a non-nil error interface holding an empty list.
func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}
