package ukgpro

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestRetryAfterIsHonoured(t *testing.T) {
	for _, tt := range []struct {
		name   string
		header func(date time.Time) string
		want   time.Duration
	}{
		{"seconds", func(time.Time) string { return "7" }, 7 * time.Second},
		{"http date relative to the response Date", func(d time.Time) string {
			return d.Add(12 * time.Second).Format(http.TimeFormat)
		}, 12 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{rows: makeRows(25)}
			api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
				if page == 2 && attempt == 1 {
					date := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
					w.Header().Set("Date", date.Format(http.TimeFormat))
					w.Header().Set("Retry-After", tt.header(date))
					w.WriteHeader(http.StatusTooManyRequests)
					return true
				}
				return false
			}
			clock := newFakeClock()
			obs := &recObserver{}
			cfg := testConfig(newServer(t, api).URL)
			cfg.Concurrency = 1
			c := newClient(t, cfg, WithClock(clock), WithObserver(obs))
			pages, err := collect(t.Context(), c, CompensationDetails, Query{})
			if err != nil {
				t.Fatal(err)
			}
			if got := rawRows(pages); !slices.Equal(got, api.rows) {
				t.Fatalf("got %d rows, want %d", len(got), len(api.rows))
			}
			// Page 2's retry waits Retry-After plus jitter. Another page's
			// worker may wait out the same pause (by design, see
			// TestRetryAfterPausesOtherWorkers), never longer.
			waits := clock.waits()
			if len(waits) == 0 {
				t.Fatal("no wait before the retry")
			}
			if w := slices.Max(waits); w < tt.want || w > tt.want+tt.want/10 {
				t.Errorf("waits %v, want Retry-After %s (+ at most 10%% jitter)", waits, tt.want)
			}
			if got := obs.retryList(); !slices.Equal(got, []string{"compensation-details:rate_limited"}) {
				t.Errorf("retries observed: %v", got)
			}
			if n := api.attemptsFor(2); n != 2 {
				t.Errorf("page 2 requested %d times, want 2", n)
			}
		})
	}
}

func TestRetryAfterPausesOtherWorkers(t *testing.T) {
	// After one 429 with Retry-After, requests not yet sent wait for the
	// same instant instead of collecting their own 429s. Real clock: the
	// test takes Retry-After (1 s).
	const conc = 4
	api := &fakeAPI{rows: makeRows(200)}
	var mu sync.Mutex
	var limitedAt time.Time
	var arrivals []time.Time
	api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		arrivals = append(arrivals, now)
		if page == 3 && limitedAt.IsZero() {
			limitedAt = now
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		return false
	}
	cfg := testConfig(newServer(t, api).URL)
	cfg.Concurrency = conc
	c := newClient(t, cfg)
	if _, err := c.All(t.Context(), EmployeeEmploymentDetails, Query{}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	early := 0
	for _, a := range arrivals {
		if a.After(limitedAt) && a.Sub(limitedAt) < 900*time.Millisecond {
			early++
		}
	}
	// Only requests already under way when the client read the 429 may
	// arrive early: at most one per worker, plus one per worker whose
	// response raced the 429 on a loaded machine. Without the pause the
	// other ~20 pages would.
	if early > 2*conc {
		t.Errorf("%d requests arrived within the Retry-After pause, want at most %d", early, 2*conc)
	}
}

func TestServerErrorsAreRetriedWithBackoff(t *testing.T) {
	statuses := []int{500, 502, 503, 504}
	api := &fakeAPI{rows: makeRows(8)}
	api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
		if page == 1 && attempt <= len(statuses) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(statuses[attempt-1])
			fmt.Fprintf(w, `{"title":"oops","status":%d}`, statuses[attempt-1])
			return true
		}
		return false
	}
	clock := newFakeClock()
	obs := &recObserver{}
	cfg := testConfig(newServer(t, api).URL)
	cfg.RetryBase, cfg.RetryMax = 100*time.Millisecond, 300*time.Millisecond
	c := newClient(t, cfg, WithClock(clock), WithObserver(obs))
	recs, err := c.All(t.Context(), EmployeeEmploymentDetails, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 8 {
		t.Fatalf("%d records, want 8", len(recs))
	}
	// Equal jitter: attempt n waits in [d/2, d], d = min(base·2^n, max).
	bounds := []time.Duration{100, 200, 300, 300}
	waits := clock.waits()
	if len(waits) != len(bounds) {
		t.Fatalf("waits %v, want %d", waits, len(bounds))
	}
	for i, w := range waits {
		d := bounds[i] * time.Millisecond
		if w < d/2 || w > d {
			t.Errorf("wait %d = %s, want within [%s, %s]", i, w, d/2, d)
		}
	}
	if n := len(obs.retryList()); n != 4 {
		t.Errorf("%d retries observed, want 4", n)
	}
}

func TestRetriesGiveUpAfterMaxRetries(t *testing.T) {
	api := &fakeAPI{rows: makeRows(8)}
	api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	}
	cfg := testConfig(newServer(t, api).URL)
	cfg.MaxRetries = 3
	c := newClient(t, cfg, WithClock(newFakeClock()))
	_, err := c.All(t.Context(), PersonDetails, Query{})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 503 {
		t.Fatalf("err = %v, want the 503", err)
	}
	if !strings.Contains(err.Error(), "after 4 attempts") {
		t.Errorf("error %q does not say how often it tried", err)
	}
	if n := api.requests(); n != 4 {
		t.Errorf("%d requests, want 1 + 3 retries", n)
	}
}

func TestMalformedPage(t *testing.T) {
	for _, tt := range []struct {
		name    string
		body    string
		badFor  int // attempts that get the bad body
		wantErr bool
	}{
		{"truncated once then fine", `[{"companyID":"A","employeeID":"B"`, 1, false},
		{"html twice then fine", `<html>proxy error</html>`, 2, false},
		{"always truncated", `[{"companyID":"A","employeeID":"B"},{"comp`, 100, true},
		{"always not an array of objects", `[1,2,3]`, 100, true},
		{"always trailing garbage", `[{"a":1}]]`, 100, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{rows: makeRows(25)}
			api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
				if page == 2 && attempt <= tt.badFor {
					w.Header().Set("Content-Type", "application/json")
					io.WriteString(w, tt.body)
					return true
				}
				return false
			}
			obs := &recObserver{}
			c := newClient(t, testConfig(newServer(t, api).URL), WithClock(newFakeClock()), WithObserver(obs))
			pages, err := collect(t.Context(), c, EmployeeEmploymentDetails, Query{})
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if got := rawRows(pages); !slices.Equal(got, api.rows) {
					t.Fatalf("got %d rows, want %d", len(got), len(api.rows))
				}
				return
			}
			if !errors.Is(err, ErrMalformedPage) {
				t.Fatalf("err = %v, want ErrMalformedPage", err)
			}
			for _, s := range []string{"employee-employment-details", "page 2"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %q", err, s)
				}
			}
			if n := api.attemptsFor(2); n != 4 {
				t.Errorf("page 2 requested %d times, want 1 + 3 retries", n)
			}
			if len(pages) != 1 {
				t.Errorf("%d pages delivered, want only page 1 (no silent skip)", len(pages))
			}
			for _, r := range obs.retryList() {
				if r != "employee-employment-details:malformed" {
					t.Errorf("retry reason %q", r)
				}
			}
		})
	}
}

func TestHungRequestTimesOutAndIsRetried(t *testing.T) {
	api := &fakeAPI{rows: makeRows(5)}
	api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
		if page == 1 && attempt == 1 {
			<-r.Context().Done() // hang until the client gives up
			return true
		}
		return false
	}
	obs := &recObserver{}
	cfg := testConfig(newServer(t, api).URL)
	cfg.RequestTimeout = 150 * time.Millisecond
	c := newClient(t, cfg, WithObserver(obs), WithClock(newFakeClock()))
	recs, err := c.All(t.Context(), EmployeeEmploymentDetails, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5", len(recs))
	}
	if got := obs.retryList(); !slices.Equal(got, []string{"employee-employment-details:timeout"}) {
		t.Errorf("retries %v, want one timeout", got)
	}
}

func TestSlowBodyTimesOut(t *testing.T) {
	// Headers arrive, the body never finishes: the timeout covers the body.
	api := &fakeAPI{rows: makeRows(5)}
	api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `[{"companyID":"A",`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return true
	}
	cfg := testConfig(newServer(t, api).URL)
	cfg.RequestTimeout, cfg.MaxRetries = 100*time.Millisecond, 1
	c := newClient(t, cfg, WithClock(newFakeClock()))
	_, err := c.All(t.Context(), EmployeeEmploymentDetails, Query{})
	if !errors.Is(err, errTimeout) || !strings.Contains(err.Error(), "page 1") {
		t.Fatalf("err = %v, want a timeout on page 1", err)
	}
	// Page 1 is sent twice (one retry). Its status line said 200 with a
	// body of unknown length, so page 2 may have been started early too.
	if n := api.attemptsFor(1); n != 2 {
		t.Errorf("page 1 requested %d times, want 2", n)
	}
	if n := api.requests() - api.attemptsFor(1) - api.attemptsFor(2); n != 0 {
		t.Errorf("%d requests for pages past 2", n)
	}
}

func TestConnectionResetIsRetried(t *testing.T) {
	api := &fakeAPI{rows: makeRows(15)}
	api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
		if attempt > 1 {
			return false
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return true
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0) // close with RST
		}
		conn.Close()
		return true
	}
	obs := &recObserver{}
	cfg := testConfig(newServer(t, api).URL)
	cfg.Concurrency = 1
	c := newClient(t, cfg, WithObserver(obs), WithClock(newFakeClock()))
	recs, err := c.All(t.Context(), EmployeeEmploymentDetails, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 15 {
		t.Fatalf("%d records, want 15", len(recs))
	}
	if len(obs.retryList()) == 0 {
		t.Error("no retry observed")
	}
	for _, r := range obs.retryList() {
		if r != "employee-employment-details:connection" {
			t.Errorf("retry reason %q, want connection", r)
		}
	}
}

func TestAuthFailuresStopAtOnce(t *testing.T) {
	for _, tt := range []struct {
		name     string
		status   int
		ep       Endpoint
		sentinel error
		want     []string
	}{
		{"401", 401, EmployeeEmploymentDetails, ErrUnauthorized, []string{"401", "UKG_USERNAME", "UKG_PASSWORD", "UKG_CUSTOMER_API_KEY"}},
		{"403 person details", 403, PersonDetails, ErrForbidden, []string{"403", `"Employee Person Details"`, "View role"}},
		{"403 compensation", 403, CompensationDetails, ErrForbidden, []string{`"Employee Compensation Details"`}},
		{"403 job history", 403, JobHistoryDetails, ErrForbidden, []string{`"Employee Job History Details"`}},
		{"403 employment", 403, EmployeeEmploymentDetails, ErrForbidden, []string{`"Personnel Integration"`}},
		{"403 changes", 403, EmployeeChanges, ErrForbidden, []string{`"EmployeeExport"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{rows: makeRows(100), perPageKey: tt.ep.PerPageParam()}
			api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
				w.WriteHeader(tt.status)
				return true
			}
			c := newClient(t, testConfig(newServer(t, api).URL), WithClock(newFakeClock()))
			_, err := collect(t.Context(), c, tt.ep, Query{})
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("err = %v, want %v", err, tt.sentinel)
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %s", err, s)
				}
			}
			if IsRetryable(err) {
				t.Error("IsRetryable = true")
			}
			if n := api.requests(); n != 1 {
				t.Errorf("%d requests, want exactly 1", n)
			}
		})
	}
}

func TestForbiddenMidStreamStopsWithoutRetries(t *testing.T) {
	api := &fakeAPI{rows: makeRows(300)}
	api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
		if page >= 4 {
			w.WriteHeader(http.StatusForbidden)
			return true
		}
		return false
	}
	c := newClient(t, testConfig(newServer(t, api).URL), WithClock(newFakeClock()))
	_, err := collect(t.Context(), c, PersonDetails, Query{})
	if !errors.Is(err, ErrForbidden) {
		t.Fatalf("err = %v", err)
	}
	for p := 1; p < 30; p++ {
		if n := api.attemptsFor(p); n > 1 {
			t.Errorf("page %d requested %d times", p, n)
		}
	}
	if n := api.requests(); n > 1+4+4 {
		t.Errorf("%d requests: the stream went on after a 403", n)
	}
}

func TestRateLimitHoldsRequestsPerSecond(t *testing.T) {
	const limit, pages = 40.0, 25
	var mu sync.Mutex
	var stamps []time.Time
	api := &fakeAPI{rows: makeRows(pages*2 - 1)}
	api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
		mu.Lock()
		stamps = append(stamps, time.Now())
		mu.Unlock()
		return false
	}
	cfg := testConfig(newServer(t, api).URL)
	cfg.PerPage, cfg.RateLimit, cfg.RateBurst = 2, limit, 1
	c := newClient(t, cfg)
	if _, err := c.All(t.Context(), EmployeeEmploymentDetails, Query{}); err != nil {
		t.Fatal(err)
	}
	if len(stamps) < pages {
		t.Fatalf("%d requests, want at least %d", len(stamps), pages)
	}
	// Over the whole run the rate stays at the limit; any k+1 consecutive
	// arrivals span at least k/limit, less scheduling and dial jitter (a
	// request granted on time may leave late, bunching it with the next).
	// Unlimited, these requests would all arrive within a few milliseconds.
	n := len(stamps)
	if span, want := stamps[n-1].Sub(stamps[0]), time.Duration(float64(n-1)/limit*float64(time.Second))-30*time.Millisecond; span < want {
		t.Errorf("%d requests within %s, want at least %s at %g/s", n, span, want, limit)
	}
	const k = 10
	minSpan := time.Duration(float64(k)/limit*float64(time.Second)) - 80*time.Millisecond
	for i := 0; i+k < n; i++ {
		if span := stamps[i+k].Sub(stamps[i]); span < minSpan {
			t.Fatalf("requests %d..%d arrived within %s, want at least %s at %g/s", i, i+k, span, minSpan, limit)
		}
	}
}

func TestInjectedLimiterTakesATokenPerAttempt(t *testing.T) {
	api := &fakeAPI{rows: makeRows(15)}
	api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
		if page == 1 && attempt == 1 {
			w.WriteHeader(500)
			return true
		}
		return false
	}
	// Three tokens, refilled once an hour: page 1, its retry, page 2.
	lim := rate.NewLimiter(rate.Every(time.Hour), 3)
	cfg := testConfig(newServer(t, api).URL)
	cfg.Concurrency = 1
	c := newClient(t, cfg, WithLimiter(lim), WithClock(newFakeClock()))
	recs, err := c.All(t.Context(), EmployeeEmploymentDetails, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 15 || api.requests() != 3 {
		t.Fatalf("%d records in %d requests, want 15 in 3", len(recs), api.requests())
	}
	if tok := lim.Tokens(); tok > 0.5 {
		t.Errorf("%.2f tokens left, want every attempt (retry included) to take one", tok)
	}
	// The next request must wait for a token: with a short deadline it fails.
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.All(ctx, EmployeeEmploymentDetails, Query{}); err == nil {
		t.Error("a request went out without a token")
	}
}

func TestIsRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&APIError{Status: 429}, true},
		{&APIError{Status: 500}, true},
		{&APIError{Status: 502}, true},
		{&APIError{Status: 503}, true},
		{&APIError{Status: 408}, true},
		{&APIError{Status: 501}, false},
		{&APIError{Status: 400}, false},
		{&APIError{Status: 401}, false},
		{&APIError{Status: 403}, false},
		{&APIError{Status: 404}, false},
		{fmt.Errorf("wrapped: %w", &APIError{Status: 503}), true},
		{fmt.Errorf("%w: unexpected EOF", ErrMalformedPage), true},
		{errTimeout, true},
		{syscall.ECONNRESET, true},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{io.ErrUnexpectedEOF, true},
		{context.Canceled, false},
		{context.DeadlineExceeded, false},
		{errors.New("something else"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := IsRetryable(tt.err); got != tt.want {
			t.Errorf("IsRetryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
