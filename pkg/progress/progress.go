// Package progress draws a live display of a one-shot extraction on a
// terminal: one bar per endpoint with pages, records, rate, retries and an
// ETA (from the previous full pass's page count). It implements
// extract.Progress and ukgpro.Observer's retry hook; off a terminal the
// program logs JSON instead and does not use this package.
package progress

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Display is the terminal progress of one or more runs.
type Display struct {
	p    *mpb.Progress
	mu   sync.Mutex
	bars map[string]*endpointBar
}

type endpointBar struct {
	bar                  *mpb.Bar
	start                time.Time
	pages, rows, publish atomic.Int64
	retries              atomic.Int64
	last                 time.Time
}

// New draws on w (a terminal).
func New(w io.Writer) *Display {
	return &Display{
		p:    mpb.New(mpb.WithOutput(w), mpb.WithWidth(32), mpb.WithRefreshRate(200*time.Millisecond)),
		bars: map[string]*endpointBar{},
	}
}

// Start implements extract.Progress.
func (d *Display) Start(endpoint string, full bool, expectedPages int) {
	eb := &endpointBar{start: time.Now(), last: time.Now()}
	kind := "incremental"
	if full {
		kind = "full"
	}
	eb.bar = d.p.AddBar(int64(expectedPages),
		mpb.PrependDecorators(
			decor.Name(fmt.Sprintf("%-29s %-11s", endpoint, kind)),
		),
		mpb.AppendDecorators(
			decor.Any(func(decor.Statistics) string {
				el := time.Since(eb.start).Seconds()
				rate := 0.0
				if el > 0 {
					rate = float64(eb.rows.Load()) / el
				}
				return fmt.Sprintf(" %5d pages %8d rows %7d published %6.0f rows/s %3d retries",
					eb.pages.Load(), eb.rows.Load(), eb.publish.Load(), rate, eb.retries.Load())
			}),
			decor.OnComplete(decor.EwmaETA(decor.ET_STYLE_GO, 30, decor.WCSyncSpace), " done"),
		),
	)
	d.mu.Lock()
	d.bars[endpoint] = eb
	d.mu.Unlock()
}

func (d *Display) bar(endpoint string) *endpointBar {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bars[endpoint]
}

// Page implements extract.Progress.
func (d *Display) Page(endpoint string, rows, published int) {
	eb := d.bar(endpoint)
	if eb == nil {
		return
	}
	eb.pages.Add(1)
	eb.rows.Add(int64(rows))
	eb.publish.Add(int64(published))
	now := time.Now()
	eb.bar.EwmaIncrBy(1, now.Sub(eb.last))
	eb.last = now
}

// Done implements extract.Progress.
func (d *Display) Done(endpoint string, err error) {
	eb := d.bar(endpoint)
	if eb == nil {
		return
	}
	if err != nil {
		eb.bar.Abort(false)
		return
	}
	eb.bar.SetTotal(-1, true)
}

// Retry counts a retry of endpoint (wire it from ukgpro.Observer).
func (d *Display) Retry(endpoint string) {
	if eb := d.bar(endpoint); eb != nil {
		eb.retries.Add(1)
	}
}

// Wait flushes the display; call it when the run is over.
func (d *Display) Wait() { d.p.Wait() }
