package ukgpro

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

// Observer receives the client's metrics. The extractor implements it with
// Prometheus collectors; this package imports no metrics library. Methods
// are called from several goroutines and must not block.
type Observer interface {
	// ObserveRequest is called once per HTTP attempt. status is 0 when no
	// response arrived (timeout, connection error); elapsed includes reading
	// the body.
	ObserveRequest(endpoint string, status int, elapsed time.Duration)
	// ObserveRetry is called before each retry. reason is one of
	// rate_limited, server_error, malformed, timeout, connection.
	ObserveRetry(endpoint, reason string)
}

// Clock is the time source for backoff waits; tests inject a fake one to
// assert waits without sleeping.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends, returning ctx's error in that case.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Option customises a Client beyond Config.
type Option interface{ apply(*options) }

type options struct {
	hc      *http.Client
	rt      http.RoundTripper
	log     *slog.Logger
	obs     Observer
	clock   Clock
	limiter *rate.Limiter
}

type optFunc func(*options)

func (f optFunc) apply(o *options) { f(o) }

// WithHTTPClient uses hc for every request. Its Timeout should be zero or
// above Config.RequestTimeout; redirects to another host are refused
// unless hc sets its own CheckRedirect.
func WithHTTPClient(hc *http.Client) Option { return optFunc(func(o *options) { o.hc = hc }) }

// WithTransport uses rt under the client's own http.Client.
func WithTransport(rt http.RoundTripper) Option { return optFunc(func(o *options) { o.rt = rt }) }

// WithLogger logs retries (warn) and pages (debug) to l. Default: discard.
func WithLogger(l *slog.Logger) Option { return optFunc(func(o *options) { o.log = l }) }

// WithObserver reports requests and retries to obs.
func WithObserver(obs Observer) Option { return optFunc(func(o *options) { o.obs = obs }) }

// WithClock replaces the wall clock used for backoff and Retry-After waits.
func WithClock(c Clock) Option { return optFunc(func(o *options) { o.clock = c }) }

// WithLimiter replaces the limiter built from RateLimit/RateBurst; every HTTP
// attempt, retries included, takes one token.
func WithLimiter(l *rate.Limiter) Option { return optFunc(func(o *options) { o.limiter = l }) }

// Client reads UKG Pro's personnel endpoints. It is safe for concurrent use.
type Client struct {
	cfg     Config
	base    *url.URL
	hc      *http.Client
	log     *slog.Logger
	obs     Observer
	clock   Clock
	limiter *rate.Limiter // nil: unlimited

	auth       envconf.Secret // "Basic ..." value; prints as REDACTED
	customer   envconf.Secret
	userKey    envconf.Secret
	scrub      []envconf.Secret // removed from any server text we echo
	malformMax int

	mu         sync.Mutex
	pauseUntil time.Time // after a 429 with Retry-After, nobody sends before this
	serverDate time.Time // last Date header
	dateSeenAt time.Time // local monotonic time when it arrived

	bodyHint atomic.Int64 // largest page body seen: presizes reads of chunked bodies
}

// New builds a Client. It validates cfg (after filling defaults) and makes
// no request.
func New(cfg Config, opts ...Option) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt.apply(&o)
	}
	base, _ := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	c := &Client{
		cfg:      cfg,
		base:     base,
		log:      o.log,
		obs:      o.obs,
		clock:    o.clock,
		limiter:  o.limiter,
		customer: cfg.CustomerAPIKey,
		userKey:  cfg.UserAPIKey,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	if c.limiter == nil && cfg.RateLimit > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RateLimit), cfg.RateBurst)
	}
	basic := base64.StdEncoding.EncodeToString([]byte(cfg.Username + ":" + cfg.Password.Reveal()))
	c.auth = envconf.Secret("Basic " + basic)
	c.scrub = []envconf.Secret{cfg.Password, cfg.CustomerAPIKey, cfg.UserAPIKey, envconf.Secret(basic)}
	c.malformMax = min(3, cfg.MaxRetries)

	switch {
	case o.hc != nil:
		hc := *o.hc
		if hc.CheckRedirect == nil {
			hc.CheckRedirect = sameHostRedirect
		}
		c.hc = &hc
	default:
		rt := o.rt
		if rt == nil {
			t := http.DefaultTransport.(*http.Transport).Clone()
			t.MaxIdleConnsPerHost = max(16, 4*cfg.Concurrency)
			rt = t
		}
		c.hc = &http.Client{Transport: rt, CheckRedirect: sameHostRedirect}
	}
	return c, nil
}

// sameHostRedirect refuses redirects to another host: net/http would
// forward US-Customer-Api-Key (not a header it knows to be sensitive).
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Host != via[0].URL.Host {
		return fmt.Errorf("refusing redirect to another host (%s)", req.URL.Host)
	}
	return nil
}

// String describes the client without its credentials; fmt would
// otherwise print unexported fields, secrets included, for %v of a Client.
func (c *Client) String() string { return "ukgpro.Client(" + c.base.Redacted() + ")" }

// GoString implements fmt.GoStringer for the same reason.
func (c *Client) GoString() string { return c.String() }

// Config returns the effective configuration (defaults filled in).
func (c *Client) Config() Config { return c.cfg }

// ServerTime estimates the tenant's current clock from the last HTTP Date
// header the server sent, advanced by the time elapsed since (Date has
// one-second resolution). ok is false before the first response.
// Incremental windows (employee-changes, dateTimeChanged) follow this
// clock, not the local one.
func (c *Client) ServerTime() (t time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.serverDate.IsZero() {
		return time.Time{}, false
	}
	return c.serverDate.Add(time.Since(c.dateSeenAt)), true
}

// LastServerDate returns the last HTTP Date header value as sent (UTC).
func (c *Client) LastServerDate() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.serverDate, !c.serverDate.IsZero()
}

func (c *Client) noteDate(h string) {
	if h == "" {
		return
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return
	}
	c.mu.Lock()
	c.serverDate, c.dateSeenAt = t.UTC(), time.Now()
	c.mu.Unlock()
}

// fetch GETs one page (page 0: an unpaged request) with retries.
func (c *Client) fetch(ctx context.Context, ep Endpoint, page int, path string, v url.Values) ([]Record, error) {
	return c.fetchGated(ctx, ep, page, path, v, gate{})
}

// gate limits a read's HTTP requests: slots (nil: none) are held around
// each attempt's request and body read, granted lowest page first; skip,
// checked once a slot is held, abandons a page the read no longer needs
// (past a known end).
type gate struct {
	slots *pageSlots
	page  int
	skip  func() bool
	// ok, when set, is called when a 2xx status line arrived, before the
	// body is read, with the response's Content-Length (-1: unknown).
	ok func(contentLength int64)
}

// pageSlots is a counting semaphore that grants its slots to the lowest
// registered page first, so a read's requests go out in page order (and
// with one slot, strictly one page after the other) however its
// goroutines are scheduled.
type pageSlots struct {
	mu   sync.Mutex
	free int
	reqs map[int]*slotReq // registered pages, granted or not yet
}

type slotReq struct {
	ch      chan struct{} // closed when granted
	granted bool
}

func newPageSlots(n int) *pageSlots {
	return &pageSlots{free: n, reqs: map[int]*slotReq{}}
}

// register queues page for a slot; acquire then waits for it.
func (s *pageSlots) register(page int) {
	s.mu.Lock()
	s.request(page)
	s.mu.Unlock()
}

func (s *pageSlots) request(page int) *slotReq { // mu held
	r := s.reqs[page]
	if r == nil {
		r = &slotReq{ch: make(chan struct{})}
		s.reqs[page] = r
		s.dispatch()
	}
	return r
}

func (s *pageSlots) dispatch() { // mu held
	for s.free > 0 {
		low := -1
		for p, r := range s.reqs {
			if !r.granted && (low < 0 || p < low) {
				low = p
			}
		}
		if low < 0 {
			return
		}
		r := s.reqs[low]
		r.granted = true
		close(r.ch)
		s.free--
	}
}

// acquire waits for page's slot (registering it if needed, as a retry does).
func (s *pageSlots) acquire(ctx context.Context, page int) error {
	s.mu.Lock()
	r := s.request(page)
	s.mu.Unlock()
	select {
	case <-r.ch:
		s.mu.Lock()
		delete(s.reqs, page)
		s.mu.Unlock()
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		if r.granted { // granted meanwhile: hand the slot on
			s.free++
		}
		delete(s.reqs, page)
		s.dispatch()
		s.mu.Unlock()
		return ctx.Err()
	}
}

func (s *pageSlots) release() {
	s.mu.Lock()
	s.free++
	s.dispatch()
	s.mu.Unlock()
}

// errSkipped: the page was abandoned before its request was sent.
var errSkipped = errors.New("ukgpro: page skipped")

// fetchGated is fetch under a gate; the gate is not held while parsing, so
// the next request of a read can start while this page is being parsed.
func (c *Client) fetchGated(ctx context.Context, ep Endpoint, page int, path string, v url.Values, g gate) ([]Record, error) {
	malformed := 0
	for attempt := 0; ; attempt++ {
		recs, err := c.once(ctx, ep, page, path, v, g)
		if errors.Is(err, errSkipped) {
			return nil, err
		}
		if err == nil {
			return recs, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("fetch %s page %d: %w", ep, page, ctx.Err())
		}
		retry := IsRetryable(err) && attempt < c.cfg.MaxRetries
		if retry && errors.Is(err, ErrMalformedPage) {
			malformed++
			retry = malformed <= c.malformMax
		}
		if !retry {
			return nil, c.giveUp(ep, page, attempt+1, err)
		}
		reason := retryReason(err)
		wait := c.backoff(attempt, err)
		if c.obs != nil {
			c.obs.ObserveRetry(ep.String(), reason)
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "ukgpro request retry",
			slog.String("endpoint", ep.String()), slog.Int("page", page),
			slog.Int("attempt", attempt+1), slog.String("reason", reason),
			slog.Duration("wait", wait), slog.String("error", err.Error()))
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("fetch %s page %d: %w", ep, page, err)
		}
	}
}

func (c *Client) giveUp(ep Endpoint, page, attempts int, err error) error {
	var ae *APIError
	if errors.As(err, &ae) {
		if attempts > 1 {
			return fmt.Errorf("%w (after %d attempts)", err, attempts)
		}
		return err // names endpoint and page itself
	}
	if attempts > 1 {
		return fmt.Errorf("fetch %s page %d (after %d attempts): %w", ep, page, attempts, err)
	}
	return fmt.Errorf("fetch %s page %d: %w", ep, page, err)
}

// backoff returns the wait before retry number attempt+1: Retry-After when
// the server sent one (plus up to 10% jitter, so waiting workers do not
// return in lockstep), else exponential from RetryBase capped at RetryMax
// with "equal jitter" (half fixed, half random).
func (c *Client) backoff(attempt int, err error) time.Duration {
	var ae *APIError
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		d := ae.RetryAfter + jitter(ae.RetryAfter/10)
		c.mu.Lock()
		if until := c.clock.Now().Add(ae.RetryAfter); until.After(c.pauseUntil) {
			c.pauseUntil = until
		}
		c.mu.Unlock()
		return d
	}
	d := c.cfg.RetryMax
	if attempt < 30 {
		d = min(c.cfg.RetryBase<<attempt, c.cfg.RetryMax)
	}
	return d/2 + jitter(d/2)
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// waitTurn holds a request back while the tenant asked us to pause and
// until the rate limiter grants a token.
func (c *Client) waitTurn(ctx context.Context) error {
	c.mu.Lock()
	until := c.pauseUntil
	c.mu.Unlock()
	if d := until.Sub(c.clock.Now()); d > 0 {
		if err := c.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
	if c.limiter != nil {
		return c.limiter.Wait(ctx)
	}
	return nil
}

const maxErrorBody = 64 << 10

// once sends one HTTP attempt and parses the page.
func (c *Client) once(ctx context.Context, ep Endpoint, page int, path string, v url.Values, g gate) ([]Record, error) {
	body, err := c.get(ctx, ep, page, path, v, g)
	if err != nil {
		return nil, err
	}
	return parsePage(body, ep.idKeys())
}

// get sends one HTTP attempt and returns the 2xx body (nil for 204).
func (c *Client) get(ctx context.Context, ep Endpoint, page int, path string, v url.Values, g gate) ([]byte, error) {
	if g.slots != nil {
		if err := g.slots.acquire(ctx, g.page); err != nil {
			return nil, err
		}
		defer g.slots.release()
	}
	if g.skip != nil && g.skip() {
		return nil, errSkipped
	}
	if err := c.waitTurn(ctx); err != nil {
		return nil, err
	}
	// path is already escaped (ids go through url.PathEscape).
	u := *c.base
	u.RawPath = c.base.EscapedPath() + path
	if p, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = p
	}
	u.RawQuery = v.Encode()

	rctx, cancel := context.WithTimeoutCause(ctx, c.cfg.RequestTimeout, errTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", c.auth.Reveal())
	req.Header.Set("US-Customer-Api-Key", c.customer.Reveal())
	if c.userKey != "" {
		req.Header.Set("x-api-key", c.userKey.Reveal())
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ukgpro-stream")

	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.observe(ep, 0, start)
		return nil, c.transportErr(ctx, rctx, err)
	}
	defer resp.Body.Close()
	c.noteDate(resp.Header.Get("Date"))

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if g.ok != nil {
			g.ok(resp.ContentLength)
		}
		if resp.StatusCode == http.StatusNoContent {
			c.observe(ep, resp.StatusCode, start)
			return []byte("[]"), nil
		}
		hint := resp.ContentLength
		if hint <= 0 {
			hint = c.bodyHint.Load()
		}
		body, err := readBody(resp.Body, hint)
		c.observe(ep, resp.StatusCode, start)
		if err != nil {
			return nil, c.transportErr(ctx, rctx, err)
		}
		if n := int64(len(body)); n > c.bodyHint.Load() && n < 64<<20 {
			c.bodyHint.Store(n) // racy max is fine: it is only a size hint
		}
		return body, nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	c.observe(ep, resp.StatusCode, start)
	ae := &APIError{
		Status:   resp.StatusCode,
		Endpoint: ep.String(),
		Page:     page,
		Detail:   detailFrom(body, c.scrub),
	}
	if resp.StatusCode == http.StatusForbidden {
		ae.Permission = ep.Permission()
	}
	ae.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), resp.Header.Get("Date"), c.clock.Now())
	return nil, ae
}

func (c *Client) observe(ep Endpoint, status int, start time.Time) {
	if c.obs != nil {
		c.obs.ObserveRequest(ep.String(), status, time.Since(start))
	}
}

// transportErr classifies an error from Do or from reading the body: the
// caller's cancellation wins, then our own per-request timeout; a url.Error
// is unwrapped so the URL is not repeated.
func (c *Client) transportErr(parent, rctx context.Context, err error) error {
	if parent.Err() != nil {
		return parent.Err()
	}
	if errors.Is(context.Cause(rctx), errTimeout) {
		return fmt.Errorf("%w after %s", errTimeout, c.cfg.RequestTimeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// retryAfter parses Retry-After as seconds or an HTTP date (relative to
// the response's Date header when present, so clock skew does not matter).
func retryAfter(h, date string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0
	}
	if d, err := http.ParseTime(date); err == nil {
		now = d
	}
	if wait := t.Sub(now); wait > 0 {
		return wait
	}
	return 0
}
