package ukgpro

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

const (
	testUser     = "svc-test"
	testPassword = "pw-Tr0ub4dor-SECRET"
	testKey      = "CUSTKEY-7d1f0e"
	testUserKey  = "USERKEY-99aa"
)

func testConfig(url string) Config {
	return Config{
		BaseURL:        url,
		Username:       testUser,
		Password:       envconf.Secret(testPassword),
		CustomerAPIKey: envconf.Secret(testKey),
		PerPage:        10,
		Concurrency:    4,
		MaxRetries:     5,
		RetryBase:      10 * time.Millisecond,
		RetryMax:       100 * time.Millisecond,
		RequestTimeout: 5 * time.Second,
	}
}

// fakeClock advances virtual time on Sleep and records every wait.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// recObserver records observer calls.
type recObserver struct {
	mu       sync.Mutex
	statuses []int
	retries  []string
}

func (o *recObserver) ObserveRequest(ep string, status int, _ time.Duration) {
	o.mu.Lock()
	o.statuses = append(o.statuses, status)
	o.mu.Unlock()
}

func (o *recObserver) ObserveRetry(ep, reason string) {
	o.mu.Lock()
	o.retries = append(o.retries, ep+":"+reason)
	o.mu.Unlock()
}

func (o *recObserver) retryList() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.retries...)
}

// makeRows returns n E2-style rows with distinct identities.
func makeRows(n int) []string {
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf(`{"companyID":"C%04d","employeeID":"E%011d","n":%d,"name":"row \u00e9 %d"}`, i%3, i, i, i)
	}
	return rows
}

// fakeAPI serves rows of one list endpoint with UKG's paging, a tenant page
// cap and an optional hook that may answer a request itself.
type fakeAPI struct {
	rows       []string
	cap        int  // server page-size cap, 0 = none
	notFound   bool // 404 instead of [] past the last page
	perPageKey string

	// hook may write the response itself (return true); attempt counts the
	// requests for that page so far, from 1.
	hook func(w http.ResponseWriter, r *http.Request, page, attempt int) bool
	// after is called once a page's rows have been written.
	after func(page int)
	// rowsFor may replace the rows served for a page (shifted data).
	rowsFor func(page, size int) []string

	mu       sync.Mutex
	attempts map[int]int
	total    int
	order    []int // pages in the order their responses were written
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(testUser+":"+testPassword))
	if r.Header.Get("Authorization") != want || r.Header.Get("US-Customer-Api-Key") != testKey {
		w.Header().Set("WWW-Authenticate", "Basic")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	key := f.perPageKey
	if key == "" {
		key = "per_Page"
	}
	size, err := strconv.Atoi(q.Get(key))
	if err != nil || page < 1 || size < 1 {
		http.Error(w, `{"title":"bad paging"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	if f.attempts == nil {
		f.attempts = map[int]int{}
	}
	f.attempts[page]++
	f.total++
	attempt := f.attempts[page]
	f.mu.Unlock()
	if f.hook != nil && f.hook(w, r, page, attempt) {
		return
	}
	if f.cap > 0 && size > f.cap {
		size = f.cap
	}
	var rows []string
	if f.rowsFor != nil {
		rows = f.rowsFor(page, size)
	} else {
		lo := min((page-1)*size, len(f.rows))
		hi := min(lo+size, len(f.rows))
		rows = f.rows[lo:hi]
	}
	if len(rows) == 0 && f.notFound && page > 1 {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, "["+strings.Join(rows, ",")+"]")
	f.mu.Lock()
	f.order = append(f.order, page)
	f.mu.Unlock()
	if f.after != nil {
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		f.after(page)
	}
}

func (f *fakeAPI) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.total
}

func (f *fakeAPI) attemptsFor(page int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[page]
}

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func newClient(t *testing.T, cfg Config, opts ...Option) *Client {
	t.Helper()
	c, err := New(cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// collect reads every page and returns the pages and the first error.
func collect(ctx context.Context, c *Client, ep Endpoint, q Query) ([]Page, error) {
	var pages []Page
	for p, err := range c.Pages(ctx, ep, q) {
		if err != nil {
			return pages, err
		}
		pages = append(pages, p)
	}
	return pages, nil
}

func rawRows(pages []Page) []string {
	var out []string
	for _, p := range pages {
		for _, r := range p.Records {
			out = append(out, string(r.Raw))
		}
	}
	return out
}

// logBuffer is a debug-level JSON logger writing into a buffer.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
