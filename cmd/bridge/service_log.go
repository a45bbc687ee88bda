package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"

	"github.com/kardianos/service"
)

// eventLogHandler is a slog.Handler that forwards each record as one line
// of text ("bridge started version=1.2.0 root=…") to a kardianos
// service.Logger: the Windows Event Log under the Windows service. The
// Event Log stamps time and level itself, so the line carries neither.
type eventLogHandler struct {
	out   service.Logger
	mu    *sync.Mutex
	buf   *bytes.Buffer
	inner slog.Handler // writes the attributes to buf
}

var _ slog.Handler = (*eventLogHandler)(nil)

func newEventLogHandler(out service.Logger, level slog.Leveler) *eventLogHandler {
	buf := new(bytes.Buffer)
	inner := slog.NewTextHandler(buf, &slog.HandlerOptions{Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
				return slog.Attr{}
			}
			return a
		}})
	return &eventLogHandler{out: out, mu: new(sync.Mutex), buf: buf, inner: inner}
}

func (h *eventLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *eventLogHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf.Reset()
	if err := h.inner.Handle(ctx, r); err != nil {
		return err
	}
	line := strings.TrimSpace(r.Message + " " + strings.TrimSpace(h.buf.String()))
	switch {
	case r.Level >= slog.LevelError:
		return h.out.Error(line)
	case r.Level >= slog.LevelWarn:
		return h.out.Warning(line)
	}
	return h.out.Info(line)
}

func (h *eventLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &eventLogHandler{out: h.out, mu: h.mu, buf: h.buf, inner: h.inner.WithAttrs(attrs)}
}

func (h *eventLogHandler) WithGroup(name string) slog.Handler {
	return &eventLogHandler{out: h.out, mu: h.mu, buf: h.buf, inner: h.inner.WithGroup(name)}
}
