package relay

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/events"
)

// SignatureHeader carries the HMAC-SHA256 of the request body with
// RELAY_SIGNING_KEY, as "sha256=<hex>" (the shape GitHub's
// X-Hub-Signature-256 made common).
const SignatureHeader = "X-Ukgpro-Signature-256"

// snippetBytes is how much of a rejecting response's body a dead letter
// keeps.
const snippetBytes = 512

// outcome is how one event's call to one route ended.
type outcome struct {
	ok       bool   // 2xx
	status   int    // last HTTP status (0: none)
	reason   string // dead letters: http_status or retries_exhausted
	detail   string // dead letters: the last error, never a URL or secret
	snippet  string // the start of the rejecting response body
	attempts int
}

// errStopped: the relay is stopping (or lost the partition) and the call
// was not finished; the event stays uncommitted and is delivered again.
var errStopped = errors.New("stopped before the event was delivered")

// deliver calls one route with one event until it succeeds, is rejected
// (a 4xx other than 408/429), or retries run out (RELAY_RETRY_FOR). It
// returns errStopped when stop ends before that; callCtx bounds a call in
// progress (cancelled only after the shutdown grace).
func (r *Relay) deliver(stop <-chan struct{}, callCtx context.Context, rt *Route, ev *events.Event) (outcome, error) {
	first := r.now()
	var out outcome
	for attempt := 1; ; attempt++ {
		if err := r.acquire(stop); err != nil {
			return out, err
		}
		out.attempts = attempt
		status, retryAfter, snippet, err := r.call(callCtx, rt, ev)
		r.release()
		out.status, out.snippet = status, snippet
		var reason string
		switch {
		case err != nil && callCtx.Err() != nil:
			return out, errStopped
		case err != nil:
			reason, out.detail = "error", err.Error()
			if isTimeout(err) {
				reason = "timeout"
			}
		case status >= 200 && status < 300:
			out.ok = true
			return out, nil
		case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout:
			reason, out.detail = strconv.Itoa(status), http.StatusText(status)
		case status >= 500:
			reason, out.detail = "5xx", fmt.Sprintf("HTTP %d", status)
		default:
			out.reason, out.detail = "http_status", fmt.Sprintf("the receiver rejected the event: HTTP %d", status)
			return out, nil
		}
		wait := r.backoff(attempt)
		if retryAfter > 0 {
			wait = retryAfter // the receiver knows best
		}
		if r.cfg.RetryFor > 0 && r.now().Add(wait).Sub(first) > r.cfg.RetryFor {
			out.reason = "retries_exhausted"
			out.detail = fmt.Sprintf("still failing after %d calls over %s (last: %s)", attempt, r.now().Sub(first).Round(time.Second), out.detail)
			return out, nil
		}
		r.m.retries.WithLabelValues(rt.Name, reason).Inc()
		r.log.Debug("retrying a call", "route", rt.Name, "ce_id", ev.ID, "attempt", attempt, "reason", reason, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-stop:
			t.Stop()
			return out, errStopped
		case <-t.C:
		}
	}
}

// backoff is the wait after the attempt-th failed call: RELAY_RETRY_BASE
// doubling per attempt up to RELAY_RETRY_MAX, with equal jitter (half fixed,
// half random), so receivers recovering from an outage are not hit by every
// relay at once.
func (r *Relay) backoff(attempt int) time.Duration {
	d := r.cfg.RetryBase
	for i := 1; i < attempt && d < r.cfg.RetryMax; i++ {
		d *= 2 // stops at RetryMax, far below an overflow
	}
	d = max(min(d, r.cfg.RetryMax), time.Millisecond)
	return d/2 + rand.N(d/2+1)
}

// acquire takes one of the RELAY_IN_FLIGHT call slots.
func (r *Relay) acquire(stop <-chan struct{}) error {
	select {
	case r.slots <- struct{}{}:
		r.m.inFlight.Inc()
		return nil
	case <-stop:
		return errStopped
	}
}

func (r *Relay) release() {
	<-r.slots
	r.m.inFlight.Dec()
}

// call makes one CloudEvents HTTP binary-mode POST: the event JSON as the
// body, its attributes as ce-* headers, its ce_id as Idempotency-Key.
func (r *Relay) call(ctx context.Context, rt *Route, ev *events.Event) (status int, retryAfter time.Duration, snippet string, err error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rt.URL, bytes.NewReader(ev.Value))
	if err != nil {
		return 0, 0, "", errors.New("build the request: bad route URL")
	}
	h := req.Header
	ct := ev.ContentType
	if ct == "" {
		ct = "application/json"
	}
	h.Set("Content-Type", ct)
	h.Set("User-Agent", "ukgpro-relay")
	h.Set("Idempotency-Key", ev.ID)
	h.Set("ce-specversion", "1.0")
	h.Set("ce-id", ev.ID)
	h.Set("ce-type", ev.Type)
	h.Set("ce-source", ev.Source)
	if ev.Subject != "" {
		h.Set("ce-subject", ev.Subject)
	}
	if !ev.Time.IsZero() {
		h.Set("ce-time", ev.Time.UTC().Format(time.RFC3339Nano))
	}
	for k, v := range map[string]string{"Ukg-Record-Hash": ev.RecordHash, "Ukg-Schema": ev.Schema, "Ukg-Run-Id": ev.RunID} {
		if v != "" {
			h.Set(k, v)
		}
	}
	if r.cfg.SigningKey != "" {
		mac := hmac.New(sha256.New, []byte(r.cfg.SigningKey.Reveal()))
		mac.Write(ev.Value)
		h.Set(SignatureHeader, "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	if r.cfg.Token != "" {
		h.Set("Authorization", "Bearer "+r.cfg.Token.Reveal())
	}
	start := time.Now()
	resp, err := r.client.Do(req)
	r.m.latency.WithLabelValues(rt.Name).Observe(time.Since(start).Seconds())
	if err != nil {
		result := "error"
		if isTimeout(err) {
			result = "timeout"
		}
		r.m.calls.WithLabelValues(rt.Name, result).Inc()
		return 0, 0, "", scrub(err)
	}
	defer resp.Body.Close()
	r.m.calls.WithLabelValues(rt.Name, strconv.Itoa(resp.StatusCode/100)+"xx").Inc()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, snippetBytes))
		snippet = strings.ToValidUTF8(string(b), string(utf8.RuneError))
	}
	// Drain a little so the connection is reused; a huge body is cut off.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, parseRetryAfter(resp.Header.Get("Retry-After"), r.now()), snippet, nil
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or
// unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &te) && te.Timeout()
}

// scrub drops the URL net/http puts in its errors (a webhook URL often
// embeds a token): only the operation and the cause remain.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if isTimeout(ue.Err) {
			return fmt.Errorf("%s: timeout: %w", ue.Op, context.DeadlineExceeded)
		}
		return fmt.Errorf("%s: %s", ue.Op, ue.Err.Error())
	}
	return err
}
