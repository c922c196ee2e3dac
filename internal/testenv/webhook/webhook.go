// Package webhook is a CloudEvents HTTP receiver for the relay's tests: it
// answers with configurable faults, checks each call's signature and
// token, and logs every call in arrival order, so a test can assert
// delivery, idempotency keys and per-employee order on what the receiver
// saw.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Config shapes the receiver's answers. Faults are drawn from a seeded
// generator, per call.
type Config struct {
	Seed         uint64
	FailRate     float64       // share of calls answered 503
	ThrottleRate float64       // share of calls answered 429 with Retry-After
	RetryAfter   int           // seconds sent with 429 (default 1)
	RejectType   string        // ce-type answered 400 (every time)
	FailSubject  string        // ce-subject (an employee) answered 503 every time
	Latency      time.Duration // time taken before answering (a timer, as a busy server takes)
	SigningKey   string        // expected HMAC key ("" : no signature expected)
	Token        string        // expected bearer token ("" : none)
}

// Call is one request as the receiver saw it.
type Call struct {
	Seq            int
	ID             string // ce-id
	IdempotencyKey string
	Type, Subject  string
	Status         int // what the receiver answered
	BadAuth        string
}

// Receiver is a running receiver.
type Receiver struct {
	URL string
	cfg Config
	mu  sync.Mutex
	rng *rand.Rand
	log []Call
}

// Start starts a receiver on loopback, stopped when the test ends.
func Start(t testing.TB, cfg Config) *Receiver {
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = 1
	}
	r := &Receiver{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 7))}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/hook"
	return r
}

func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if r.cfg.Latency > 0 {
		t := time.NewTimer(r.cfg.Latency)
		select {
		case <-t.C:
		case <-req.Context().Done():
			t.Stop()
			return
		}
	}
	c := Call{ID: req.Header.Get("ce-id"), IdempotencyKey: req.Header.Get("Idempotency-Key"),
		Type: req.Header.Get("ce-type"), Subject: req.Header.Get("ce-subject")}
	if r.cfg.SigningKey != "" {
		mac := hmac.New(sha256.New, []byte(r.cfg.SigningKey))
		mac.Write(body)
		if req.Header.Get("X-Ukgpro-Signature-256") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			c.BadAuth = "signature"
		}
	}
	if r.cfg.Token != "" && req.Header.Get("Authorization") != "Bearer "+r.cfg.Token {
		c.BadAuth = "token"
	}
	r.mu.Lock()
	x := r.rng.Float64()
	switch {
	case c.BadAuth != "":
		c.Status = http.StatusUnauthorized
	case c.Type == r.cfg.RejectType:
		c.Status = http.StatusBadRequest
	case c.Subject != "" && c.Subject == r.cfg.FailSubject:
		c.Status = http.StatusServiceUnavailable
	case x < r.cfg.FailRate:
		c.Status = http.StatusServiceUnavailable
	case x < r.cfg.FailRate+r.cfg.ThrottleRate:
		c.Status = http.StatusTooManyRequests
	default:
		c.Status = http.StatusNoContent
	}
	c.Seq = len(r.log)
	r.log = append(r.log, c)
	r.mu.Unlock()
	switch c.Status {
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(r.cfg.RetryAfter))
	case http.StatusBadRequest:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(c.Status)
		io.WriteString(w, `{"error":"this workflow does not take `+c.Type+`"}`)
		return
	}
	w.WriteHeader(c.Status)
}

// Calls returns the log so far.
func (r *Receiver) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.log...)
}

// Accepted returns the ids answered 2xx at least once, with the sequence
// number of the first such call.
func (r *Receiver) Accepted() map[string]int {
	out := map[string]int{}
	for _, c := range r.Calls() {
		if _, ok := out[c.ID]; !ok && c.Status < 300 {
			out[c.ID] = c.Seq
		}
	}
	return out
}

// Event is one published lifecycle event the receiver must see.
type Event struct{ ID, Key, Type string }

// Check asserts, on the receiver's log, what the relay promises for events
// (in per-partition offset order, as read from Kafka):
//
//   - every event of another type than RejectType was accepted (2xx), and
//     every call's Idempotency-Key is its ce-id;
//   - every event of RejectType was called, and answered 400;
//   - per key, an event's first call comes after the previous event of the
//     key finished (its first 2xx, or its 400): no event overtook an
//     earlier one of the same employee, even across relay restarts;
//   - no call failed authentication.
//
// It returns how many calls were redeliveries (calls of an event after it
// was accepted).
func (r *Receiver) Check(t testing.TB, evs []Event) (redelivered int) {
	t.Helper()
	calls := r.Calls()
	first, finished := map[string]int{}, map[string]int{}
	for _, c := range calls {
		if c.BadAuth != "" {
			t.Fatalf("call %d of %s failed %s authentication", c.Seq, c.ID, c.BadAuth)
		}
		if c.IdempotencyKey != c.ID || c.ID == "" {
			t.Fatalf("call %d: Idempotency-Key %q, ce-id %q", c.Seq, c.IdempotencyKey, c.ID)
		}
		if _, ok := first[c.ID]; !ok {
			first[c.ID] = c.Seq
		}
		if _, ok := finished[c.ID]; ok {
			redelivered++
			continue
		}
		if c.Status < 300 || c.Status == http.StatusBadRequest {
			finished[c.ID] = c.Seq
		}
	}
	prev := map[string]Event{}
	for _, ev := range evs {
		fin, ok := finished[ev.ID]
		if !ok {
			t.Fatalf("event %s %s (%s) was never delivered", ev.Type, ev.Key, ev.ID)
		}
		if (calls[fin].Status == http.StatusBadRequest) != (ev.Type == r.cfg.RejectType) {
			t.Fatalf("event %s %s finished with HTTP %d", ev.Type, ev.ID, calls[fin].Status)
		}
		if p, ok := prev[ev.Key]; ok && first[ev.ID] < finished[p.ID] {
			t.Fatalf("%s: %s %s was called (call %d) before the earlier %s %s finished (call %d)",
				ev.Key, ev.Type, ev.ID, first[ev.ID], p.Type, p.ID, finished[p.ID])
		}
		prev[ev.Key] = ev
	}
	return redelivered
}
