package extract

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
)

// endpointRun is one endpoint's share of a run. Only its goroutine touches
// the state records of its topic.
type endpointRun struct {
	x         *Extractor
	log       *slog.Logger
	runID     string
	r         route
	rep       *EndpointReport
	recs      *records
	baselined bool
	full      bool // a full pass: records met are marked seen (vanished)
	h         *hooks
	// prevScope is the company scope of the endpoint's last complete run
	// (EndpointState.Companies).
	prevScope []string
}

// hooks connect the endpoints of one run (see Run for the order).
type hooks struct {
	// rows: the job-history rows published in this run, newest per
	// employee (filled by job-history, read by employment).
	rows rowIndex
	// changed: employees whose employment record was published (filled by
	// employment); refetch: the same map, read by compensation.
	changed, refetch map[[2]string]bool
	// forceFull: compensation must read everything (no change list).
	forceFull bool
	// removed collects the run's acknowledged deletions (for the
	// employee.removed events); allowMass lets this run past the
	// mass-delete guard (EXTRACTOR_ALLOW_MASS_DELETE).
	removed   *removals
	allowMass bool
	// home: employeeId → home company, for routes whose rows carry no
	// company (contacts; read by runEndpoint before the route's pages).
	home map[string]string
}

// runEndpoint extracts one endpoint: a full pass, or the incremental window
// since its last run. cands is the compensation plan (nil elsewhere).
func (x *Extractor) runEndpoint(ctx context.Context, log *slog.Logger, runID string, tenantNow time.Time, r route, rep *EndpointReport, h *hooks) error {
	if h == nil {
		h = &hooks{}
	}
	name := r.ep.String()
	log = log.With("endpoint", name)
	es := x.state.Endpoint(name)
	full := x.cfg.Mode == "full" || !es.Baselined || es.Watermark.IsZero() || r.inc == incNone
	if !full && x.cfg.FullEvery > 0 && tenantNow.Sub(es.LastFullStart) >= x.cfg.FullEvery {
		full = true
	}
	if h.forceFull || !x.scope.within(es.Companies) {
		full = true
	}
	er := &endpointRun{x: x, log: log, runID: runID, r: r, rep: rep, recs: x.state.records(r.topic),
		baselined: es.Baselined, h: h, prevScope: es.Companies}
	rep.Full = full

	var q ukgpro.Query
	since := es.Watermark.Add(-x.cfg.Overlap)
	if r.rowIndex {
		// The rows read here date this run's employment changes: reach back
		// to employment's window when employment is behind (its last run
		// failed or was killed after job history completed).
		if ew := x.state.Endpoint(epEmployment).Watermark; !ew.IsZero() && ew.Before(es.Watermark) {
			since = ew.Add(-x.cfg.Overlap)
		}
	}
	switch {
	case full:
		er.startFull()
	case r.inc == incChanged:
		q.DateTimeChanged = ukgpro.After(since)
	case r.inc == incCreated: // job history rows are created, not changed
		q.DateTimeCreated = ukgpro.After(since)
	}
	log.Info("endpoint started", "full", full, "since", since.Format(time.DateOnly))
	expected := 0
	if full {
		expected = es.FullPages
	}
	x.prog.Start(name, full, expected)
	var err error
	started := time.Now()
	defer func() {
		x.prog.Done(name, err)
		x.metrics.observeRun(name, full, err, time.Since(started))
	}()

	// The run's start on the tenant clock is the next window's start.
	runStart := tenantNow
	if r.homeCompany {
		if h.home, err = x.homeCompanies(ctx); err != nil {
			err = fmt.Errorf("%s: %w", name, err)
			return err
		}
	}
	if !full && r.inc == incRefetch {
		// compensation-details has no change filter: refetch the employees
		// whose employment changed, unless a full pass is cheaper.
		keys := make([][2]string, 0, len(h.refetch))
		for k := range h.refetch {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+"/"+a[1], b[0]+"/"+b[1]) })
		if len(keys) >= es.FullPages && es.FullPages > 0 {
			full, rep.Full = true, true
			er.startFull()
			err = er.read(ctx, q)
		} else {
			err = er.perEmployee(ctx, keys)
		}
	} else {
		err = er.read(ctx, q)
	}
	if err != nil {
		err = fmt.Errorf("%s: %w", name, err)
		return err
	}
	if full {
		if err = er.vanished(ctx, tenantNow); err != nil {
			err = fmt.Errorf("%s: %w", name, err)
			return err
		}
		es.LastFullStart = runStart
		es.FullPages = rep.Pages
		es.Baselined = true
	}
	es.Watermark = runStart
	es.LastRunID = runID
	es.CatchUp = false
	es.Companies = x.scope.ids
	msg, err := endpointMessage(x.kcfg.Topic(kafkax.ExtractorState), name, es)
	if err != nil {
		return err
	}
	if err = x.write(context.WithoutCancel(ctx), []kafka.Message{msg}); err != nil {
		err = fmt.Errorf("%s: checkpoint: %w", name, err)
		return err
	}
	x.state.setEndpoint(name, es)
	x.metrics.lastSuccess.WithLabelValues(name).SetToCurrentTime()
	log.Info("endpoint finished", "pages", rep.Pages, "rows", rep.Rows, "published", rep.Published,
		"unchanged", rep.Unchanged, "dlq", rep.DLQ, "tombstones", rep.Tombstones, "lifecycle", rep.Lifecycle)
	if rep.OutOfScope > 0 {
		log.Warn("the tenant returned records of companies outside EXTRACTOR_COMPANIES; they were dropped", "records", rep.OutOfScope)
	}
	return nil
}

// read pages the endpoint, one company at a time when the run is scoped
// (EXTRACTOR_COMPANIES): a single-company filter is what every UKG tenant
// honours (comma lists are less certain, ukgpro-api.md §2).
func (er *endpointRun) read(ctx context.Context, q ukgpro.Query) error {
	if er.x.scope.all() || er.r.tenantWide || !er.r.ep.HasCompanyFilter() {
		// Without a company filter the whole list is read and the records
		// of other companies are dropped (publish).
		return er.pages(ctx, q)
	}
	for _, c := range er.x.scope.ids {
		cq := q
		cq.CompanyID = c
		if err := er.pages(ctx, cq); err != nil {
			return fmt.Errorf("company %s: %w", c, err)
		}
	}
	return nil
}

// startFull begins a full pass: no record is met yet.
func (er *endpointRun) startFull() {
	er.full = true
	er.recs.clearSeen()
}

// pages reads the endpoint page by page and publishes each page before
// asking for the next one to be delivered.
func (er *endpointRun) pages(ctx context.Context, q ukgpro.Query) error {
	for page, err := range er.x.src.Pages(ctx, er.r.ep, q) {
		if err != nil {
			return err
		}
		er.rep.Pages++
		er.rep.Rows += page.Rows
		er.x.metrics.pages.WithLabelValues(er.r.ep.String()).Inc()
		published := er.rep.Published
		if err := er.publish(ctx, page.Records); err != nil {
			return fmt.Errorf("page %d: %w", page.Number, err)
		}
		er.x.prog.Page(er.r.ep.String(), page.Rows, er.rep.Published-published)
	}
	return nil
}
