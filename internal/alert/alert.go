// Package alert tells a person when something needs them (SPEC §8): each
// condition is raised once while it lasts and resolved when it clears,
// capped per channel and hour, and delivered to email and a signed webhook
// from a bounded queue with retries, so a slow or dead mail relay never
// holds up a payment file.
package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// Severity is how bad an event is; Resolved announces a cleared condition.
type Severity string

// Severities as the webhook body spells them (SPEC §10).
const (
	Warning  Severity = "warning"
	Error    Severity = "error"
	Resolved Severity = "resolved"
)

// Kinds of events (the webhook body's "event").
const (
	FileRejected     = "file_rejected"
	FileFailed       = "file_failed"
	PaymentsRejected = "payments_rejected"
	FileStuck        = "file_stuck"
	StatementGap     = "statement_gap"
	AtlarAuth        = "atlar_auth"
	DiskLow          = "disk_low"
	ReportHeld       = "report_held"
	JournalLarge     = "journal_large"
)

// Kinds lists every kind, in the order `bridge alerts test` sends them.
var Kinds = []string{FileRejected, FileFailed, PaymentsRejected, FileStuck, StatementGap, AtlarAuth, DiskLow, ReportHeld, JournalLarge}

// Event is one alert message; its JSON is the webhook body.
type Event struct {
	Kind     string    `json:"event"`
	Severity Severity  `json:"severity"`
	Time     time.Time `json:"-"`
	Message  string    `json:"message"`
	FileID   string    `json:"file_id,omitempty"`
	Route    string    `json:"route,omitempty"`
	Name     string    `json:"name,omitempty"`
}

// MarshalJSON writes time as RFC 3339 in UTC, seconds precision.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	return json.Marshal(struct {
		Kind     string   `json:"event"`
		Severity Severity `json:"severity"`
		Time     string   `json:"time"`
		plain
	}{e.Kind, e.Severity, e.Time.UTC().Format(time.RFC3339), plain(e)})
}

// Subject is a one-line summary (the email subject).
func (e Event) Subject() string {
	s := fmt.Sprintf("[atlar-bridge] %s: %s", e.Severity, e.Kind)
	if e.Name != "" {
		s += " " + e.Name
	}
	return s
}

// Text is the event as plain text (the email body).
func (e Event) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nevent:    %s\nseverity: %s\ntime:     %s\n", e.Message, e.Kind, e.Severity, e.Time.UTC().Format(time.RFC3339))
	for _, kv := range [][2]string{{"file_id", e.FileID}, {"route", e.Route}, {"name", e.Name}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "%-9s %s\n", kv[0]+":", kv[1])
		}
	}
	return b.String()
}

// Sender delivers one event to one channel.
type Sender interface {
	// Channel names the channel in logs and metrics ("email", "webhook").
	Channel() string
	Send(ctx context.Context, e Event) error
}

// Options tune a Notifier; zero values take the defaults.
type Options struct {
	Clock  clockwork.Clock
	Logger *slog.Logger
	// QueueSize bounds each channel's queue (default 256); a full queue
	// drops the alert (logged and counted) rather than block the caller.
	QueueSize int
	// MaxPerHour caps messages per channel and hour (0: no cap).
	MaxPerHour int
	// Attempts is how often a delivery is tried (default 6), waiting
	// Backoff (default 5s) doubled after each failure, at most MaxBackoff
	// (default 5m).
	Attempts   int
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Timeout bounds one delivery attempt (default 30s).
	Timeout time.Duration
	// OnDeliveryFailed counts each failed attempt; OnDropped each alert
	// given up (reason: queue_full, rate_limited, gave_up).
	OnDeliveryFailed func(channel string)
	OnDropped        func(channel, reason string)
}

// Notifier de-duplicates conditions and feeds each channel's worker.
type Notifier struct {
	o        Options
	channels []*channel

	mu     sync.Mutex
	active map[string]Event // condition key → the event that raised it

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type channel struct {
	s     Sender
	queue chan Event
	mu    sync.Mutex
	sent  []time.Time // send times within the last hour (rate cap)
}

// New makes a Notifier over senders (none: it only logs). Start runs it.
func New(o Options, senders ...Sender) *Notifier {
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 256
	}
	if o.Attempts <= 0 {
		o.Attempts = 6
	}
	if o.Backoff <= 0 {
		o.Backoff = 5 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	n := &Notifier{o: o, active: map[string]Event{}}
	for _, s := range senders {
		n.channels = append(n.channels, &channel{s: s, queue: make(chan Event, o.QueueSize)})
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	return n
}

// Start runs one delivery worker per channel until Close.
func (n *Notifier) Start() {
	for _, c := range n.channels {
		n.wg.Add(1)
		go func() { defer n.wg.Done(); n.work(c) }()
	}
}

// Close stops the workers; alerts still queued are logged as dropped.
func (n *Notifier) Close(context.Context) error {
	n.cancel()
	n.wg.Wait()
	return nil
}

// Raise sends e once for the condition key: while key is active, further
// raises are ignored. A nil Notifier does nothing.
func (n *Notifier) Raise(key string, e Event) {
	if n == nil {
		return
	}
	n.mu.Lock()
	if _, ok := n.active[key]; ok {
		n.mu.Unlock()
		return
	}
	if e.Time.IsZero() {
		e.Time = n.o.Clock.Now()
	}
	if e.Severity == "" {
		e.Severity = Error
	}
	n.active[key] = e
	n.mu.Unlock()
	n.o.Logger.Error("alert", "event", e.Kind, "severity", string(e.Severity), "msg_text", e.Message,
		"file_id", e.FileID, "route", e.Route, "name", e.Name)
	n.enqueue(e)
}

// Resolve announces that the condition key cleared, if it was raised.
func (n *Notifier) Resolve(key, message string) {
	if n == nil {
		return
	}
	n.mu.Lock()
	e, ok := n.active[key]
	delete(n.active, key)
	n.mu.Unlock()
	if !ok {
		return
	}
	e.Severity, e.Message, e.Time = Resolved, message, n.o.Clock.Now()
	n.o.Logger.Info("alert resolved", "event", e.Kind, "msg_text", message, "file_id", e.FileID, "name", e.Name)
	n.enqueue(e)
}

// Active lists the active condition keys that start with prefix, sorted.
func (n *Notifier) Active(prefix string) []string {
	if n == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	var keys []string
	for k := range n.active {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Forget drops key without a resolved message (a condition that ended by
// itself, such as a rejected file: nothing to announce).
func (n *Notifier) Forget(key string) {
	if n == nil {
		return
	}
	n.mu.Lock()
	delete(n.active, key)
	n.mu.Unlock()
}

// Expire forgets, without a resolved message, the active conditions under
// prefix raised before t: one-off events (a rejected file) need their key
// only to suppress repeats for a while, not for the process's lifetime.
func (n *Notifier) Expire(prefix string, t time.Time) {
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for k, e := range n.active {
		if strings.HasPrefix(k, prefix) && e.Time.Before(t) {
			delete(n.active, k)
		}
	}
}

func (n *Notifier) enqueue(e Event) {
	for _, c := range n.channels {
		if !c.allow(n.o.Clock.Now(), n.o.MaxPerHour) {
			n.dropped(c, e, "rate_limited")
			continue
		}
		select {
		case c.queue <- e:
		default:
			n.dropped(c, e, "queue_full")
		}
	}
}

func (n *Notifier) dropped(c *channel, e Event, reason string) {
	n.o.Logger.Warn("alert not delivered", "channel", c.s.Channel(), "event", e.Kind, "severity", string(e.Severity), "reason", reason)
	if n.o.OnDropped != nil {
		n.o.OnDropped(c.s.Channel(), reason)
	}
}

// allow applies the hourly cap, sliding over the last hour.
func (c *channel) allow(now time.Time, maxPerHour int) bool {
	if maxPerHour <= 0 {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := c.sent[:0]
	for _, t := range c.sent {
		if now.Sub(t) < time.Hour {
			keep = append(keep, t)
		}
	}
	c.sent = keep
	if len(c.sent) >= maxPerHour {
		return false
	}
	c.sent = append(c.sent, now)
	return true
}

func (n *Notifier) work(c *channel) {
	for {
		select {
		case <-n.ctx.Done():
			for {
				select {
				case e := <-c.queue:
					n.dropped(c, e, "shutdown")
				default:
					return
				}
			}
		case e := <-c.queue:
			n.deliver(c, e)
		}
	}
}

// deliver tries e on c with exponential backoff.
func (n *Notifier) deliver(c *channel, e Event) {
	wait := n.o.Backoff
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(n.ctx, n.o.Timeout)
		err := c.s.Send(ctx, e)
		cancel()
		if err == nil {
			n.o.Logger.Debug("alert delivered", "channel", c.s.Channel(), "event", e.Kind, "severity", string(e.Severity), "attempt", attempt)
			return
		}
		if n.o.OnDeliveryFailed != nil {
			n.o.OnDeliveryFailed(c.s.Channel())
		}
		n.o.Logger.Warn("alert delivery failed", "channel", c.s.Channel(), "event", e.Kind, "attempt", attempt, "err", err)
		if attempt >= n.o.Attempts || errors.Is(n.ctx.Err(), context.Canceled) {
			n.dropped(c, e, "gave_up")
			return
		}
		select {
		case <-n.ctx.Done():
			n.dropped(c, e, "shutdown")
			return
		case <-n.o.Clock.After(wait):
		}
		wait = min(wait*2, n.o.MaxBackoff)
	}
}
