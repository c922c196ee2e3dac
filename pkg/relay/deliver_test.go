package relay

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {" 0 ", 0}, {"-1", 0}, {"soon", 0},
		{"Mon, 07 Dec 2026 09:00:30 GMT", 30 * time.Second},
		{"Mon, 07 Dec 2026 08:00:00 GMT", 0}, // in the past
	} {
		if got := parseRetryAfter(tc.v, now); got != tc.want {
			t.Errorf("Retry-After %q: %s, want %s", tc.v, got, tc.want)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	r := &Relay{cfg: Config{RetryBase: 100 * time.Millisecond, RetryMax: time.Second}}
	for attempt := 1; attempt < 80; attempt++ {
		full := r.cfg.RetryMax
		if attempt <= 4 {
			full = r.cfg.RetryBase << (attempt - 1)
		}
		for range 20 {
			if d := r.backoff(attempt); d < full/2 || d > full {
				t.Fatalf("attempt %d: backoff %s outside [%s, %s]", attempt, d, full/2, full)
			}
		}
	}
}

func TestScrubDropsTheURL(t *testing.T) {
	err := scrub(&url.Error{Op: "Post", URL: "https://hooks.example/T0K3N", Err: errors.New("connection refused")})
	if strings.Contains(err.Error(), "T0K3N") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("scrubbed error: %v", err)
	}
}
