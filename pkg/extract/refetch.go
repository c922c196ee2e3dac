package extract

import (
	"context"
	"fmt"
	"sync"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
)

// perEmployee refetches the given employees' records, UKG_CONCURRENCY at a
// time, publishing in batches.
func (er *endpointRun) perEmployee(ctx context.Context, keys [][2]string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		recs []ukgpro.Record
		err  error
	}
	jobs := make(chan [2]string)
	results := make(chan result)
	var wg sync.WaitGroup
	for range er.x.conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				recs, err := er.x.src.Employee(ctx, er.r.ep, k[0], k[1])
				if err != nil {
					err = fmt.Errorf("employee %s/%s: %w", k[0], k[1], err)
				}
				select {
				case results <- result{recs, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, k := range keys {
			select {
			case jobs <- k:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var batch []ukgpro.Record
	var firstErr error
	for res := range results {
		er.rep.Calls++
		if res.err != nil {
			if firstErr == nil {
				firstErr = res.err
				cancel()
			}
			continue
		}
		er.rep.Rows += len(res.recs)
		batch = append(batch, res.recs...)
		if len(batch) >= 200 {
			published := er.rep.Published
			if err := er.publish(ctx, batch); err != nil && firstErr == nil {
				firstErr = err
				cancel()
			}
			er.x.prog.Page(er.r.ep.String(), len(batch), er.rep.Published-published)
			batch = batch[:0]
		}
	}
	if firstErr != nil {
		return firstErr
	}
	return er.publish(ctx, batch)
}
