package atlar

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/atlarbridge/bridge/internal/backoff"
	"github.com/jonboulle/clockwork"
	"golang.org/x/sync/singleflight"
)

// Auth methods accepted in Config.Auth.
const (
	AuthOAuth2 = "oauth2"
	AuthBasic  = "basic"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultBaseURL     = "https://api.atlar.com"
	DefaultTimeout     = 30 * time.Second
	DefaultMaxRetries  = 2
	DefaultBackoffBase = 250 * time.Millisecond
	DefaultBackoffMax  = 2 * time.Second
	DefaultRetryBudget = 5 * time.Second
	DefaultUserAgent   = "atlar-bridge"
)

// Config configures a Client. Zero fields take the defaults above.
type Config struct {
	BaseURL    string // e.g. https://api.atlar.com
	AccessKey  string
	Secret     string // never logged, never in errors
	Auth       string // "oauth2" (default) | "basic"
	HTTPClient *http.Client
	// Timeout bounds each attempt (request and response body), default 30s.
	Timeout time.Duration
	// MaxRetries is how many times a call is retried at once after its
	// first attempt, for a blip, default 2. A negative value means no
	// retries. Waiting out an outage is the caller's: see TemporaryError.
	MaxRetries  int
	BackoffBase time.Duration // default 250ms
	BackoffMax  time.Duration // default 2s
	// RetryBudget bounds the time a call spends waiting between its
	// attempts, default 5s: a retry (or a Retry-After) that would not fit
	// is not waited for, and the call returns a *TemporaryError instead.
	RetryBudget time.Duration
	// Clock drives token expiry and backoff waits; default the real clock.
	Clock     clockwork.Clock
	Logger    *slog.Logger
	UserAgent string
	// Observe, if set, is called once per HTTP attempt (for metrics) with
	// the endpoint's path template, the status (0 when no response came
	// back) and the attempt's duration.
	Observe func(method, endpoint string, status int, d time.Duration)
}

// String describes the config without its secret, so that printing a
// Config by mistake cannot leak it.
func (c Config) String() string {
	return fmt.Sprintf("atlar.Config{BaseURL:%q AccessKey:%q Secret:[redacted] Auth:%q}", c.BaseURL, c.AccessKey, c.Auth)
}

// LogValue keeps the secret out of logs when a Config is logged.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("access_key", c.AccessKey),
		slog.String("auth", c.Auth),
	)
}

// Client talks to Atlar's API. It is safe for concurrent use.
type Client struct {
	base       string // scheme://host[/prefix], no trailing slash
	basic      bool
	http       *http.Client
	timeout    time.Duration
	maxRetries int
	retry      backoff.Policy
	budget     time.Duration
	clock      clockwork.Clock
	log        *slog.Logger
	userAgent  string
	observe    func(method, endpoint string, status int, d time.Duration)
	// maxPages bounds every listing; a field so tests can lower it.
	maxPages int

	mu     sync.Mutex
	key    string
	secret string
	gen    uint64 // bumped by SetCredentials; a token fetched under an older gen is dropped
	tok    cachedToken
	flight singleflight.Group
}

// New validates cfg, applies defaults and returns a Client.
func New(cfg Config) (*Client, error) {
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("atlar: base url %q: %w", base, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("atlar: base url %q: must be http(s)://host", base)
	}
	if u.User != nil {
		return nil, errors.New("atlar: base url must not contain credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("atlar: base url %q: must not have a query or fragment", base)
	}
	if cfg.AccessKey == "" {
		return nil, errors.New("atlar: access key is required")
	}
	if cfg.Secret == "" {
		return nil, errors.New("atlar: secret is required")
	}
	auth := strings.ToLower(cfg.Auth)
	switch auth {
	case "", AuthOAuth2, AuthBasic:
	default:
		return nil, fmt.Errorf("atlar: auth must be %q or %q (got %q)", AuthOAuth2, AuthBasic, cfg.Auth)
	}
	if cfg.Timeout < 0 || cfg.BackoffBase < 0 || cfg.BackoffMax < 0 || cfg.RetryBudget < 0 {
		return nil, errors.New("atlar: timeout and backoff must not be negative")
	}
	c := &Client{
		base:       strings.TrimRight(u.String(), "/"),
		basic:      auth == AuthBasic,
		http:       cfg.HTTPClient,
		timeout:    orDefault(cfg.Timeout, DefaultTimeout),
		maxRetries: cfg.MaxRetries,
		retry: backoff.Policy{
			Base: orDefault(cfg.BackoffBase, DefaultBackoffBase),
			Max:  orDefault(cfg.BackoffMax, DefaultBackoffMax),
		},
		budget:    orDefault(cfg.RetryBudget, DefaultRetryBudget),
		clock:     cfg.Clock,
		log:       cfg.Logger,
		userAgent: cfg.UserAgent,
		observe:   cfg.Observe,
		maxPages:  maxPages,
		key:       cfg.AccessKey,
		secret:    cfg.Secret,
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	c.retry.Max = max(c.retry.Max, c.retry.Base)
	if c.http == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// The pipeline's workers call Atlar side by side: keep their
		// connections (and TLS sessions) rather than the default two, or
		// every call beyond two dials and handshakes anew.
		t.MaxIdleConnsPerHost = 64
		c.http = &http.Client{Timeout: c.timeout, Transport: t}
	}
	if c.clock == nil {
		c.clock = clockwork.NewRealClock()
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	return c, nil
}

// SetCredentials replaces the access key and secret (secret rotation on
// reload) and drops the cached token, so the next call authenticates with
// the new credentials.
func (c *Client) SetCredentials(accessKey, secret string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.key, c.secret = accessKey, secret
	c.gen++
	c.tok = cachedToken{}
}

func (c *Client) credentials() (key, secret string, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.key, c.secret, c.gen
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
