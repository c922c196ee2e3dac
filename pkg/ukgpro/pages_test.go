package ukgpro

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
)

func TestPagesEndOfData(t *testing.T) {
	tests := []struct {
		name     string
		rows     int
		perPage  int
		cap      int
		notFound bool
		conc     int
		// maxRequests bounds the requests: the data pages, the one that
		// shows the end, and at most conc-1 discarded in flight.
		wantPages int
	}{
		{name: "short last page", rows: 35, perPage: 10, conc: 4, wantPages: 4},
		{name: "exact multiple ends on empty page", rows: 40, perPage: 10, conc: 4, wantPages: 4},
		{name: "404 past the end", rows: 40, perPage: 10, notFound: true, conc: 4, wantPages: 4},
		{name: "short page then 404 style", rows: 23, perPage: 10, notFound: true, conc: 3, wantPages: 3},
		{name: "server caps page below the ask", rows: 50, perPage: 10, cap: 7, conc: 4, wantPages: 8},
		{name: "server caps, exact multiple of cap", rows: 49, perPage: 10, cap: 7, conc: 4, wantPages: 7},
		{name: "cap with 404 end", rows: 21, perPage: 10, cap: 7, notFound: true, conc: 2, wantPages: 3},
		{name: "no data", rows: 0, perPage: 10, conc: 4, wantPages: 0},
		{name: "single short page", rows: 3, perPage: 10, conc: 4, wantPages: 1},
		{name: "sequential", rows: 95, perPage: 10, conc: 1, wantPages: 10},
		{name: "page size one", rows: 5, perPage: 1, conc: 4, wantPages: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{rows: makeRows(tt.rows), cap: tt.cap, notFound: tt.notFound}
			srv := newServer(t, api)
			cfg := testConfig(srv.URL)
			cfg.PerPage, cfg.Concurrency = tt.perPage, tt.conc
			c := newClient(t, cfg)
			pages, err := collect(t.Context(), c, EmployeeEmploymentDetails, Query{})
			if err != nil {
				t.Fatalf("Pages: %v", err)
			}
			if got := rawRows(pages); !slices.Equal(got, api.rows) {
				t.Fatalf("got %d rows, want the %d served, in order:\n got %q\nwant %q", len(got), len(api.rows), got, api.rows)
			}
			if len(pages) != tt.wantPages {
				t.Errorf("got %d pages, want %d", len(pages), tt.wantPages)
			}
			for i, p := range pages {
				if p.Number != i+1 || p.Endpoint != EmployeeEmploymentDetails || p.Duplicates != 0 {
					t.Errorf("page %d: Number=%d Endpoint=%v Duplicates=%d", i, p.Number, p.Endpoint, p.Duplicates)
				}
			}
			// The data pages plus the page that ends it (unless a short
			// page did), plus at most 2·conc-1 pages already on their way
			// when the end showed.
			if max := tt.wantPages + 2*tt.conc; api.requests() > max {
				t.Errorf("%d requests, want at most %d", api.requests(), max)
			}
		})
	}
}

func TestPagesDeliversInOrderWhileResponsesArriveOutOfOrder(t *testing.T) {
	const conc, perPage, rows = 4, 5, 5*16 + 2
	// The server holds requests until conc of them wait (or, for the
	// first page and the tail, until none arrived for 100 ms), then answers
	// them in reverse page order, each after the previous one's response
	// was written.
	var mu sync.Mutex
	var batch []int
	gates := map[int]chan struct{}{}
	after := map[int]int{}
	inflight, maxInflight := 0, 0
	flush := func() { // mu held
		if len(batch) == 0 {
			return
		}
		slices.Sort(batch)
		slices.Reverse(batch)
		for i := 0; i+1 < len(batch); i++ {
			after[batch[i]] = batch[i+1]
		}
		close(gates[batch[0]])
		batch = nil
	}
	idle := time.AfterFunc(time.Hour, func() {
		mu.Lock()
		flush()
		mu.Unlock()
	})
	defer idle.Stop()
	api := &fakeAPI{rows: makeRows(rows)}
	api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
		mu.Lock()
		g := make(chan struct{})
		gates[page] = g
		batch = append(batch, page)
		inflight++
		maxInflight = max(maxInflight, inflight)
		if len(batch) == conc {
			flush()
		} else {
			idle.Reset(100 * time.Millisecond)
		}
		mu.Unlock()
		defer func() {
			mu.Lock()
			inflight--
			mu.Unlock()
		}()
		select {
		case <-g:
			return false
		case <-r.Context().Done():
			return true
		}
	}
	api.after = func(page int) {
		mu.Lock()
		defer mu.Unlock()
		if n, ok := after[page]; ok {
			close(gates[n])
		}
	}
	srv := newServer(t, api)
	cfg := testConfig(srv.URL)
	cfg.PerPage, cfg.Concurrency = perPage, conc
	c := newClient(t, cfg)
	pages, err := collect(t.Context(), c, EmployeeEmploymentDetails, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rawRows(pages); !slices.Equal(got, api.rows) {
		t.Fatalf("got %d rows, want %d in order", len(got), len(api.rows))
	}
	for i, p := range pages {
		if p.Number != i+1 {
			t.Fatalf("page %d delivered as number %d", i+1, p.Number)
		}
	}
	api.mu.Lock()
	order := slices.Clone(api.order)
	api.mu.Unlock()
	if slices.IsSorted(order) {
		t.Errorf("server answered in page order %v; the test did not exercise reordering", order)
	}
	mu.Lock()
	defer mu.Unlock()
	if maxInflight != conc {
		t.Errorf("max %d requests in flight, want %d", maxInflight, conc)
	}
}

func TestPagesRemovesRowsRepeatedAcrossPageBoundaries(t *testing.T) {
	// A row inserted before every page is read shifts the data by one
	// each time: page p≥2 starts with the row page p-1 ended with.
	all := makeRows(31)
	const size = 5
	api := &fakeAPI{rows: all}
	api.rowsFor = func(page, sz int) []string {
		lo := min((page-1)*(sz-1), len(all))
		return all[lo:min(lo+sz, len(all))]
	}
	srv := newServer(t, api)
	cfg := testConfig(srv.URL)
	cfg.PerPage = size
	c := newClient(t, cfg)
	pages, err := collect(t.Context(), c, EmployeeEmploymentDetails, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rawRows(pages); !slices.Equal(got, all) {
		t.Fatalf("got %d rows, want each of the %d once, in order", len(got), len(all))
	}
	dups := 0
	for _, p := range pages {
		dups += p.Duplicates
		if p.Rows != len(p.Records)+p.Duplicates {
			t.Errorf("page %d: Rows=%d, Records=%d, Duplicates=%d", p.Number, p.Rows, len(p.Records), p.Duplicates)
		}
	}
	if want := len(pages) - 1; dups != want {
		t.Errorf("%d duplicates removed, want %d (one per boundary)", dups, want)
	}
}

func TestPagesJobHistoryIdentityIncludesSystemID(t *testing.T) {
	// Two job-history rows of one employee differ only by systemId: both
	// are kept; the exact repeat is removed.
	rows := []string{
		`{"companyId":"Q4T9Z","employeeId":"B7QX2K0000A1","systemId":"S1","jobCode":"A"}`,
		`{"companyId":"Q4T9Z","employeeId":"B7QX2K0000A1","systemId":"S2","jobCode":"B"}`,
		`{"companyId":"Q4T9Z","employeeId":"B7QX2K0000A1","systemId":"S2","jobCode":"B"}`,
	}
	api := &fakeAPI{rows: rows}
	c := newClient(t, testConfig(newServer(t, api).URL))
	recs, err := c.All(t.Context(), JobHistoryDetails, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].SystemID != "S1" || recs[1].SystemID != "S2" {
		t.Fatalf("got %+v, want systemIds S1, S2", recs)
	}
	if recs[0].Key() != "Q4T9Z/B7QX2K0000A1" {
		t.Errorf("Key() = %q", recs[0].Key())
	}
}

func TestPagesErrorOnPageFailsTheRunNamingEndpointAndPage(t *testing.T) {
	api := &fakeAPI{rows: makeRows(60)}
	api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
		if page == 3 {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"title":"Bad Request","status":400,"detail":"per_Page too large"}`))
			return true
		}
		return false
	}
	c := newClient(t, testConfig(newServer(t, api).URL))
	pages, err := collect(t.Context(), c, PersonDetails, Query{})
	if err == nil {
		t.Fatal("want an error")
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Page != 3 || ae.Endpoint != "person-details" {
		t.Fatalf("err = %v, want *APIError 400 on person-details page 3", err)
	}
	for _, s := range []string{"person-details", "page 3", "per_Page too large"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if len(pages) != 2 {
		t.Errorf("%d pages delivered before the failure, want 2", len(pages))
	}
	if n := api.attemptsFor(3); n != 1 {
		t.Errorf("page 3 requested %d times; a 400 must not be retried", n)
	}
}

func TestPagesBreakCancelsInFlight(t *testing.T) {
	api := &fakeAPI{rows: makeRows(500)}
	c := newClient(t, testConfig(newServer(t, api).URL))
	n := 0
	for _, err := range c.Pages(t.Context(), EmployeeEmploymentDetails, Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 3 {
			break
		}
	}
	// 3 delivered + at most 2·conc fetched ahead when we stopped.
	if got := api.requests(); got > 3+8 {
		t.Errorf("%d requests after stopping at page 3", got)
	}
}

func TestPagesResumesFromPage(t *testing.T) {
	api := &fakeAPI{rows: makeRows(47), notFound: true}
	c := newClient(t, testConfig(newServer(t, api).URL))
	pages, err := collect(t.Context(), c, EmployeeEmploymentDetails, Query{FromPage: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := rawRows(pages); !slices.Equal(got, api.rows[20:]) {
		t.Fatalf("resumed at page 3: got %d rows, want %d", len(got), len(api.rows[20:]))
	}
	if pages[0].Number != 3 {
		t.Errorf("first page is %d, want 3", pages[0].Number)
	}
	// Resuming past the end is an empty read, not an error.
	pages, err = collect(t.Context(), c, EmployeeEmploymentDetails, Query{FromPage: 9})
	if err != nil || len(pages) != 0 {
		t.Fatalf("past the end: %d pages, err %v", len(pages), err)
	}
}

func TestPagesNotFoundOnFirstPageIsAnError(t *testing.T) {
	c := newClient(t, testConfig(newServer(t, http.NotFoundHandler()).URL))
	_, err := collect(t.Context(), c, PersonDetails, Query{})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound (a wrong base URL must not read as no data)", err)
	}
}

func TestPagesRepeatedPageIsAnError(t *testing.T) {
	// A server that ignores page would loop forever; the client notices.
	rows := makeRows(4)
	api := &fakeAPI{rows: rows, rowsFor: func(page, size int) []string { return rows }}
	c := newClient(t, testConfig(newServer(t, api).URL))
	_, err := collect(t.Context(), c, EmployeeEmploymentDetails, Query{})
	if err == nil || !strings.Contains(err.Error(), "page 2") {
		t.Fatalf("err = %v, want an error naming page 2", err)
	}
}

func TestPagesContextCancelled(t *testing.T) {
	api := &fakeAPI{rows: makeRows(40)}
	arrived := make(chan struct{}, 16)
	api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
		arrived <- struct{}{}
		<-r.Context().Done()
		return true
	}
	c := newClient(t, testConfig(newServer(t, api).URL))
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := collect(ctx, c, EmployeeEmploymentDetails, Query{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestPagesFetchesAheadWhileTheConsumerWorks(t *testing.T) {
	// While the consumer holds page 1, pages 2..1+2·conc are fetched (and
	// no more: the window bounds what waits in memory).
	const conc = 2
	api := &fakeAPI{rows: makeRows(10 * 10)}
	cfg := testConfig(newServer(t, api).URL)
	cfg.Concurrency = conc
	c := newClient(t, cfg)
	var got []string
	for p, err := range c.Pages(t.Context(), EmployeeEmploymentDetails, Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.Number == 1 {
			testenv.Eventually(t, 10*time.Second, "pages 2..5 requested while page 1 is consumed", func() bool {
				return api.requests() >= 1+2*conc
			})
			if n := api.requests(); n > 1+2*conc {
				t.Errorf("%d requests while the consumer holds page 1, want at most %d", n, 1+2*conc)
			}
		}
		got = append(got, rawRows([]Page{p})...)
	}
	if !slices.Equal(got, api.rows) {
		t.Fatalf("got %d rows, want the %d served, in order", len(got), len(api.rows))
	}
}

func TestPagesSecondPageStartsAtTheFirstStatusLine(t *testing.T) {
	// Page 1 answers 200 and the start of a large body, then waits for
	// page 2's request before finishing: page 2 must not wait for page 1's
	// body.
	api := &fakeAPI{rows: makeRows(35)}
	page2 := make(chan struct{})
	var once sync.Once
	var late atomic.Bool
	api.hook = func(w http.ResponseWriter, r *http.Request, page, attempt int) bool {
		switch page {
		case 2:
			once.Do(func() { close(page2) })
			return false
		case 1:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, "["+strings.Join(api.rows[:5], ",")+","+strings.Repeat(" ", earlyBody))
			w.(http.Flusher).Flush()
			select {
			case <-page2:
			case <-time.After(3 * time.Second): // a failure (under the 5 s request timeout), not a synchronisation
				late.Store(true)
			case <-r.Context().Done():
				return true
			}
			io.WriteString(w, strings.Join(api.rows[5:10], ",")+"]")
			return true
		}
		return false
	}
	cfg := testConfig(newServer(t, api).URL)
	c := newClient(t, cfg)
	pages, err := collect(t.Context(), c, EmployeeEmploymentDetails, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rawRows(pages); !slices.Equal(got, api.rows) {
		t.Fatalf("got %d rows, want the %d served, in order", len(got), len(api.rows))
	}
	if late.Load() {
		t.Error("page 2 was requested only after page 1's body had arrived")
	}
}

func TestPagesSmallReadsCostOneOrTwoRequests(t *testing.T) {
	// An empty first page ends the read alone; a short first page costs the
	// one request that shows the end (or a tenant cap) besides.
	for _, tt := range []struct{ rows, want int }{{0, 1}, {3, 2}} {
		api := &fakeAPI{rows: makeRows(tt.rows)}
		c := newClient(t, testConfig(newServer(t, api).URL))
		if _, err := collect(t.Context(), c, EmployeeEmploymentDetails, Query{}); err != nil {
			t.Fatal(err)
		}
		if n := api.requests(); n != tt.want {
			t.Errorf("%d rows: %d requests, want %d", tt.rows, n, tt.want)
		}
	}
}
