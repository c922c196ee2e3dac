package extract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
)

// runRoutes runs the selected routes of one run, each in its own goroutine
// once the routes it comes after are done, wiring the hooks that connect
// job history, employment and compensation. It returns the routes' errors;
// an optional route answering 403 is a skip (rep.Skipped), not an error.
func (x *Extractor) runRoutes(ctx context.Context, log *slog.Logger, runID string, tenantNow time.Time, rep *Report,
	removed *removals, allowMass bool) []error {
	routes, named, _ := selectRoutes(x.cfg.Endpoints) // validated by New
	enabled := map[string]*EndpointReport{}
	for _, r := range routes {
		enabled[r.name()] = &EndpointReport{}
		rep.Endpoints[r.name()] = enabled[r.name()]
	}
	var (
		mu   sync.Mutex
		errs []error
	)
	fail := func(er *EndpointReport, err error) {
		er.Err = err
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}

	// The job-history rows date employment's lifecycle events; before the
	// baseline no event is derived (unless hires are backfilled), so the
	// index (one row per employee) is not built.
	var rows rowIndex
	if x.state.Endpoint(epEmployment).Baselined || x.cfg.BackfillHires {
		rows = newRowIndex()
	}
	changed := map[[2]string]bool{}
	empOK := enabled[epEmployment] != nil // written by employment, read by compensation after it
	catchUp := false
	if er := enabled[epCompensation]; er != nil && enabled[epEmployment] != nil {
		// Until compensation completes, a restart must know that it has
		// employment changes to follow (see EndpointState.CatchUp).
		cs := x.state.Endpoint(epCompensation)
		catchUp = cs.CatchUp
		cs.CatchUp = true
		msg, err := endpointMessage(x.kcfg.Topic(kafkax.ExtractorState), epCompensation, cs)
		if err == nil {
			err = x.write(context.WithoutCancel(ctx), []kafka.Message{msg})
		}
		if err != nil {
			fail(er, fmt.Errorf("%s: checkpoint: %w", epCompensation, err))
			catchUp = true
		} else {
			x.state.setEndpoint(epCompensation, cs)
		}
	}

	done := map[string]chan struct{}{}
	for _, r := range routes {
		done[r.name()] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for _, r := range routes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[r.name()])
			for _, dep := range r.after {
				if ch, ok := done[dep]; ok {
					<-ch
				}
			}
			h := &hooks{removed: removed, allowMass: allowMass}
			switch {
			case r.rowIndex:
				h.rows = rows
			case r.events == evEmployment:
				h.rows, h.changed = rows, changed
			case r.inc == incRefetch:
				h.refetch, h.forceFull = changed, !empOK || catchUp
			}
			er := enabled[r.name()]
			err := x.runEndpoint(ctx, log, runID, tenantNow, r, er, h)
			switch {
			case err == nil:
				x.metrics.skipped.WithLabelValues(r.name()).Set(0)
			case r.optional && !named && errors.Is(err, ukgpro.ErrForbidden):
				// The account lacks the role: skip, say which role.
				er.Skipped = true
				x.metrics.skipped.WithLabelValues(r.name()).Set(1)
				log.Warn("endpoint skipped: the service account lacks its role; grant View on it to extract this endpoint",
					"endpoint", r.name(), "role", r.ep.Permission(), "topic", x.kcfg.Topic(r.topic))
				mu.Lock()
				rep.Skipped = append(rep.Skipped, Skipped{Endpoint: r.name(), Role: r.ep.Permission()})
				mu.Unlock()
			default:
				if r.events == evEmployment {
					empOK = false
				}
				fail(er, err)
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(rep.Skipped, func(a, b Skipped) int { return routeIndex(a.Endpoint) - routeIndex(b.Endpoint) })
	return errs
}

func routeIndex(name string) int {
	return slices.IndexFunc(routeTable, func(r route) bool { return r.name() == name })
}
