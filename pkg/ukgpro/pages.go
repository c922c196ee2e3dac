package ukgpro

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"math"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Page is one page of an endpoint's list, delivered in page order.
type Page struct {
	Endpoint Endpoint
	// Number is the 1-based page number requested; a reader that stopped
	// after delivering page N resumes with Query.FromPage = N+1.
	Number int
	// Records are the page's rows in server order, minus rows already
	// delivered earlier in this read (see Duplicates).
	Records []Record
	// Rows is how many rows the server sent on this page.
	Rows int
	// Duplicates is how many of them repeated a record identity already
	// seen in this read (a row shifted across a page boundary) and were
	// removed.
	Duplicates int
}

type pageResult struct {
	page    int
	recs    []Record
	end     bool // 404 past page 1
	skipped bool // abandoned before sending: past a known end
	err     error
}

// Pages reads every page of ep matching q and yields them in page order,
// with up to Config.Concurrency requests in flight. The sequence ends after
// the last page, or after yielding one error (the read cannot continue).
// Breaking out of the loop cancels the requests still in flight.
//
// The end of data is an empty page, a 404 on a page after the first, or a
// short page: fewer rows than the largest page seen so far in this read.
// The requested per_Page is never trusted to be the page size, because a
// tenant may cap it lower (ukgpro-api.md §9 row 1). Pages already in flight
// beyond the end are discarded. Rows whose identity (company, employee and,
// on job history, systemId; the row's bytes when it has no ids) was already
// delivered in this read are removed; the read keeps 16 bytes per distinct
// record for that (docs/decisions/0020-ukgpro-paging.md).
func (c *Client) Pages(ctx context.Context, ep Endpoint, q Query) iter.Seq2[Page, error] {
	return func(yield func(Page, error) bool) {
		if !ep.valid() {
			yield(Page{}, fmt.Errorf("ukgpro: unknown endpoint %d", uint8(ep)))
			return
		}
		first := max(q.FromPage, 1)
		v, err := q.values(ep, first, c.cfg.PerPage)
		if err != nil {
			yield(Page{}, err)
			return
		}
		if ep.Unpaged() {
			c.unpaged(ctx, ep, v, first, yield)
			return
		}
		c.pages(ctx, ep, q, first, yield)
	}
}

// unpaged reads an endpoint that returns every row in one response
// (org-levels, locations): one request, one page. Resuming past page 1
// reads nothing.
func (c *Client) unpaged(ctx context.Context, ep Endpoint, v url.Values, first int, yield func(Page, error) bool) {
	if first > 1 {
		return
	}
	recs, err := c.fetch(ctx, ep, 1, ep.Path(), v)
	if err != nil {
		yield(Page{}, err)
		return
	}
	if len(recs) == 0 {
		return
	}
	pg := Page{Endpoint: ep, Number: 1, Rows: len(recs)}
	pg.Records, pg.Duplicates = make(idSet).filter(recs)
	yield(pg, nil)
}

// earlyBody is the Content-Length from which page 1's second page is
// requested as soon as page 1's status line says 200, before its body has
// arrived: a body that large is rows (and takes a while to transfer and
// parse). Smaller bodies are waited for, so an empty first page still costs
// one request.
const earlyBody = 16 << 10

// pageOut is what the reader hands the consumer: a page, or the error that
// ends the read.
type pageOut struct {
	page Page
	err  error
}

// pages runs the read in its own goroutine (readPages) and yields what it
// hands over, so fetching goes on while the consumer works on a page. A
// read that stops before its end always yields an error: a consumer must
// never take an interrupted read for a complete one.
func (c *Client) pages(ctx context.Context, ep Endpoint, q Query, first int, yield func(Page, error) bool) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan pageOut)
	var ended bool // set by readPages before it closes out
	next := first
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		ended = c.readPages(ctx, ep, q, first, out)
	}()
	defer func() {
		cancel() // stops the reader (and its requests) when the consumer breaks
		<-done
	}()
	for po := range out {
		if po.err != nil {
			yield(Page{}, po.err)
			return
		}
		if !yield(po.page, nil) {
			return
		}
		next = po.page.Number + 1
	}
	if !ended {
		// The reader stopped because ctx ended (the consumer did not break).
		err := context.Cause(ctx)
		if err == nil {
			err = context.Canceled
		}
		yield(Page{}, fmt.Errorf("fetch %s page %d: %w", ep, next, err))
	}
}

// readPages fetches the pages of a read and hands them to out in page
// order, until the end of the data (it returns true) or an error (handed
// over as the last item) or ctx's end (it returns false).
//
// Up to 2×Concurrency pages past the one the consumer holds are being
// fetched, parsed or waiting to be handed over, but only Concurrency HTTP
// requests are in flight (slots, granted lowest page first): parsing and
// the consumer's work stay off the network's critical path, and one slow
// page does not idle the other slots. The first page goes alone: it shows
// the page size before we fan out, and a 401/403 then costs one request,
// not Concurrency. Its second page starts as soon as its status line says
// 200 (if the body is large), or else when it came back smaller than
// asked (the end, or a tenant cap?) and then alone, so a small read costs
// two requests, not 1+Concurrency.
func (c *Client) readPages(ctx context.Context, ep Endpoint, q Query, first int, out chan<- pageOut) bool {
	ahead := 2 * c.cfg.Concurrency
	slots := newPageSlots(c.cfg.Concurrency)
	results := make(chan pageResult, ahead+1) // workers never block on send
	early := make(chan struct{}, 1)           // page first's status line was 200, with a large body
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel() // requests past the end are not waited for
		wg.Wait()
	}()
	const unbounded = math.MaxInt
	var stop atomic.Int64 // stopAt, for workers deciding whether to still send
	stop.Store(unbounded)
	launch := func(p int) {
		slots.register(p) // before the goroutine: slots go out in page order
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _ := q.values(ep, p, c.cfg.PerPage)
			g := gate{slots: slots, page: p, skip: func() bool { return int64(p) > stop.Load() }}
			if p == first {
				g.ok = func(n int64) {
					if n < 0 || n >= earlyBody {
						select {
						case early <- struct{}{}:
						default:
						}
					}
				}
			}
			recs, err := c.fetchGated(ctx, ep, p, ep.Path(), v, g)
			r := pageResult{page: p, recs: recs, err: err}
			switch {
			case errors.Is(err, errSkipped):
				r.skipped, r.err = true, nil
			case err != nil && p > 1 && errors.Is(err, ErrNotFound):
				r.end, r.err = true, nil
			}
			results <- r
		}()
	}
	fail := func(err error) bool {
		select {
		case out <- pageOut{err: err}:
		case <-ctx.Done():
		}
		return false
	}

	var (
		next              = first // next page to launch
		deliver           = first // next page to hand over
		taken             = first - 1
		stopAt            = unbounded
		relaunch          []int // pages skipped past an end that later moved
		inflight, maxRows int
		firstOK           bool // page first's status was 200 (large body)
		arrived           = map[int]bool{}
		pending           = make(map[int]pageResult, ahead)
		seen              = make(idSet)
		head              *pageOut // the page deliver, ready to hand over
		headTerminal      bool
	)
	for {
		// Which pages may be requested (see the doc comment).
		limit := taken + ahead
		switch {
		case !arrived[first] && firstOK:
			limit = first + 1
		case !arrived[first]:
			limit = first
		case maxRows < c.cfg.PerPage && !arrived[first+1]:
			limit = first + 1
		}
		limit = min(limit, stopAt)
		for len(relaunch) > 0 && relaunch[0] <= limit {
			launch(relaunch[0])
			relaunch = relaunch[1:]
			inflight++
		}
		for next <= limit {
			launch(next)
			next++
			inflight++
		}

		// Prepare the next page to hand over.
		for head == nil {
			r, ok := pending[deliver]
			if !ok {
				break
			}
			delete(pending, deliver)
			if r.err != nil {
				return fail(r.err)
			}
			n := len(r.recs)
			terminal := r.end || n == 0 || n < maxRows
			if terminal && n > 0 && laterHasRows(pending, deliver) {
				// A later page already returned rows, so this short page
				// is not the end: the data moved under us. Read on rather
				// than lose rows.
				c.log.LogAttrs(ctx, slog.LevelWarn, "ukgpro short page before non-empty page; continuing",
					slog.String("endpoint", ep.String()), slog.Int("page", deliver),
					slog.Int("rows", n), slog.Int("max_rows", maxRows))
				terminal = false
				stopAt = unbounded
				stop.Store(unbounded)
			}
			if n == 0 { // always terminal
				return true
			}
			pg := Page{Endpoint: ep, Number: deliver, Rows: n}
			pg.Records, pg.Duplicates = seen.filter(r.recs)
			if pg.Duplicates == n && n > 1 {
				return fail(fmt.Errorf("ukgpro: %s page %d repeats only rows already read; the server seems to ignore the page parameter", ep, deliver))
			}
			c.log.LogAttrs(ctx, slog.LevelDebug, "ukgpro page",
				slog.String("endpoint", ep.String()), slog.Int("page", deliver),
				slog.Int("rows", n), slog.Int("duplicates", pg.Duplicates))
			head, headTerminal = &pageOut{page: pg}, terminal
		}

		var send chan<- pageOut
		var item pageOut
		if head != nil {
			send, item = out, *head
		} else if inflight == 0 {
			return fail(fmt.Errorf("ukgpro: %s: paging stalled at page %d (bug)", ep, deliver))
		}
		select {
		case send <- item:
			head = nil
			taken = deliver
			if headTerminal {
				return true
			}
			deliver++
		case <-early:
			firstOK = true
		case r := <-results:
			inflight--
			if r.err != nil && (errors.Is(r.err, ErrUnauthorized) || errors.Is(r.err, ErrForbidden)) {
				// Every other page would fail the same way: stop now.
				return fail(r.err)
			}
			if r.skipped {
				if r.page <= stopAt { // the end moved past it again
					relaunch = append(relaunch, r.page)
					slices.Sort(relaunch)
				}
				continue
			}
			arrived[r.page] = true
			pending[r.page] = r
			if r.err == nil {
				n := len(r.recs)
				maxRows = max(maxRows, n)
				if r.end || n == 0 || n < maxRows {
					stopAt = min(stopAt, r.page)
					stop.Store(int64(stopAt))
				}
			}
		case <-ctx.Done():
			return false
		}
	}
}

func laterHasRows(pending map[int]pageResult, page int) bool {
	for p, r := range pending {
		if p > page && r.err == nil && len(r.recs) > 0 {
			return true
		}
	}
	return false
}

// idSet remembers the identities delivered in one read: 16 bytes of
// SHA-256 per record, so 1M job-history rows cost about 40 MB with map
// overhead, and collisions are out of the question.
type idSet map[[16]byte]struct{}

func (s idSet) filter(recs []Record) ([]Record, int) {
	kept := recs[:0]
	for _, r := range recs {
		var h [32]byte
		if r.CompanyID == "" && r.EmployeeID == "" && r.RowID == "" && r.Code == "" {
			h = sha256.Sum256(append([]byte{1}, r.Raw...))
		} else {
			h = sha256.Sum256([]byte("\x00" + r.CompanyID + "\x00" + r.EmployeeID + "\x00" + r.RowID + "\x00" + r.Code))
		}
		k := [16]byte(h[:16])
		if _, dup := s[k]; dup {
			continue
		}
		s[k] = struct{}{}
		kept = append(kept, r)
	}
	return kept, len(recs) - len(kept)
}

// Fetch calls fn for every page of ep matching q, in page order; it stops at
// the first error from the read or from fn.
func (c *Client) Fetch(ctx context.Context, ep Endpoint, q Query, fn func(Page) error) error {
	for pg, err := range c.Pages(ctx, ep, q) {
		if err != nil {
			return err
		}
		if err := fn(pg); err != nil {
			return err
		}
	}
	return nil
}

// All collects every record of ep matching q. Meant for small reads (one
// company, one employee); stream large ones with Pages.
func (c *Client) All(ctx context.Context, ep Endpoint, q Query) ([]Record, error) {
	var out []Record
	err := c.Fetch(ctx, ep, q, func(p Page) error {
		out = append(out, p.Records...)
		return nil
	})
	return out, err
}

// EmployeeEmploymentDetails reads E2 (the employees topic).
func (c *Client) EmployeeEmploymentDetails(ctx context.Context, q Query) iter.Seq2[Page, error] {
	return c.Pages(ctx, EmployeeEmploymentDetails, q)
}

// PersonDetails reads E4 (the people topic).
func (c *Client) PersonDetails(ctx context.Context, q Query) iter.Seq2[Page, error] {
	return c.Pages(ctx, PersonDetails, q)
}

// CompensationDetails reads E5 (the compensation topic).
func (c *Client) CompensationDetails(ctx context.Context, q Query) iter.Seq2[Page, error] {
	return c.Pages(ctx, CompensationDetails, q)
}

// JobHistoryDetails reads E6 (the job-history topic).
func (c *Client) JobHistoryDetails(ctx context.Context, q Query) iter.Seq2[Page, error] {
	return c.Pages(ctx, JobHistoryDetails, q)
}

// EmployeeChanges reads E7: one current snapshot per employee changed
// between start and end (tenant-local wall time, sent as
// YYYY-MM-DDTHH:MM:SS). UKG asks callers to keep the window's end at least 3
// hours in the past and to call at most about 8 times a day.
func (c *Client) EmployeeChanges(ctx context.Context, start, end time.Time) iter.Seq2[Page, error] {
	return c.Pages(ctx, EmployeeChanges, Query{StartDate: start, EndDate: end})
}

// Employee refetches one employee's rows from ep, e.g. after
// employee-changes reported them changed. Person and compensation details
// use /companies/{companyId}/employees/{employeeId}/…, employee-changes uses
// /employee-changes/{employeeId} (rows of other companies are dropped when
// companyID is set); employment details and job history filter the list by
// companyID/employeeID. A 404 or no rows returns an error matching
// ErrNotFound.
func (c *Client) Employee(ctx context.Context, ep Endpoint, companyID, employeeID string) ([]Record, error) {
	if !ep.valid() {
		return nil, fmt.Errorf("ukgpro: unknown endpoint %d", uint8(ep))
	}
	if employeeID == "" {
		return nil, fmt.Errorf("ukgpro: %s: employee id is empty", ep)
	}
	path := ep.employeePath(companyID, employeeID)
	if path == "" {
		recs, err := c.All(ctx, ep, Query{CompanyID: companyID, EmployeeID: employeeID})
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			return nil, noRows(ep, companyID, employeeID)
		}
		return recs, nil
	}
	// One unpaged request: UKG then applies its default (maximum) page size,
	// far above one employee's rows.
	recs, err := c.fetch(ctx, ep, 0, path, nil)
	if err != nil {
		return nil, err
	}
	kept := recs[:0]
	for _, r := range recs {
		if companyID != "" && r.CompanyID != "" && r.CompanyID != companyID {
			continue
		}
		kept = append(kept, r)
	}
	if len(kept) == 0 {
		return nil, noRows(ep, companyID, employeeID)
	}
	return kept, nil
}

func noRows(ep Endpoint, companyID, employeeID string) error {
	return fmt.Errorf("ukgpro: %s has no rows for employee %s/%s: %w", ep, companyID, employeeID, ErrNotFound)
}

// JobHistoryRow fetches one job-history row by its systemId.
func (c *Client) JobHistoryRow(ctx context.Context, systemID string) (Record, error) {
	if systemID == "" {
		return Record{}, errors.New("ukgpro: employee-job-history-details: system id is empty")
	}
	recs, err := c.fetch(ctx, JobHistoryDetails, 0, JobHistoryDetails.Path()+"/"+url.PathEscape(systemID), nil)
	if err != nil {
		return Record{}, err
	}
	if len(recs) == 0 {
		return Record{}, &APIError{Status: 404, Endpoint: JobHistoryDetails.String(), Detail: "empty response"}
	}
	return recs[0], nil
}
