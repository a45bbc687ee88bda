package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/state"
)

// crashHookEnv names the TEST-ONLY crash switch of `bridge run`, used by
// the crash harness (internal/crashtest) to make kill points exact and
// exhaustive. When it is set, the process exits abruptly with status 137
// (what a SIGKILL shows), running no deferred clean-up, at the chosen
// instant:
//
//	journal:N[:PREFIX]  right after the N-th committed journal write whose
//	                    op starts with PREFIX (see state.Options.AfterCommit)
//	http:N[:PREFIX]     right after the N-th Atlar answer to a request whose
//	                    "METHOD /path" starts with PREFIX has arrived, before
//	                    the bridge reads it: the request took effect, the
//	                    journal does not know
//
// Before exiting it prints one line starting "crashhook:" to stderr naming
// the write or request. Operators never set it; an unparsable value is a
// usage error so that a typo cannot silently turn an experiment off.
const crashHookEnv = "ATLAR_BRIDGE_TEST_CRASH_AFTER"

// crashHook returns the app options that arm the crash switch, or no
// options when it is not set.
func crashHook(cfg *config.Config, stderr io.Writer) (appOptions, error) {
	spec, ok := os.LookupEnv(crashHookEnv)
	if !ok || spec == "" {
		return appOptions{}, nil
	}
	kind, rest, _ := strings.Cut(spec, ":")
	num, prefix, _ := strings.Cut(rest, ":")
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || (kind != "journal" && kind != "http") {
		return appOptions{}, usageErr("%s=%q: want journal:N[:PREFIX] or http:N[:PREFIX] with N >= 1", crashHookEnv, spec)
	}
	c := &crashCounter{n: n, prefix: prefix, w: stderr}
	if kind == "journal" {
		return appOptions{AfterCommit: func(op string, f *state.File) error {
			if c.hit(op) {
				what := op
				if f != nil {
					what = fmt.Sprintf("%s file=%s state=%s", op, f.ID, f.State)
				}
				c.exit("journal write", what)
			}
			return nil
		}}, nil
	}
	timeout := cfg.Atlar.Timeout.Duration
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return appOptions{HTTPClient: &http.Client{Timeout: timeout, Transport: &crashTransport{c: c, base: http.DefaultTransport}}}, nil
}

// crashCounter counts matching events and says when the N-th one came.
type crashCounter struct {
	n      int
	prefix string
	w      io.Writer

	mu   sync.Mutex
	seen int
}

func (c *crashCounter) hit(what string) bool {
	if !strings.HasPrefix(what, c.prefix) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen++
	return c.seen == c.n
}

func (c *crashCounter) exit(kind, what string) {
	fmt.Fprintf(c.w, "crashhook: exit 137 after %s %d: %s\n", kind, c.n, what)
	os.Exit(137)
}

// crashTransport exits once the chosen answer has arrived.
type crashTransport struct {
	c    *crashCounter
	base http.RoundTripper
}

func (t *crashTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		what := req.Method + " " + req.URL.Path
		if t.c.hit(what) {
			t.c.exit("atlar answer", fmt.Sprintf("%s %d", what, resp.StatusCode))
		}
	}
	return resp, err
}
