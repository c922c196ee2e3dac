// Command extractor pages the UKG Pro REST API and publishes every record to
// Kafka, keyed per employee, with change detection, checkpoints, the PII
// policy and derived lifecycle events. `extractor --help` lists every
// setting; `extractor --once` runs one extraction and exits.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ops"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/pii"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/progress"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
)

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var cfg config
	if err := envconf.Parse(ctx, "extractor", &cfg, os.Args[1:], nil); err != nil {
		if errors.Is(err, envconf.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "extractor: %v\n", err)
		return 2
	}
	log := ops.NewLogger(cfg.Log, os.Stderr)
	limit := setMemoryLimit()
	if err := serve(ctx, cfg, log, limit); err != nil {
		fmt.Fprintf(os.Stderr, "extractor: %s\n", oneLine(err))
		if _, ok := errors.AsType[*extract.MassDeleteError](err); ok {
			return 3 // the mass-delete guard refused: a human decides
		}
		return 1
	}
	return 0
}

func serve(ctx context.Context, cfg config, log *slog.Logger, memLimit int64) error {
	reg, err := schema.Load()
	if err != nil {
		return err
	}
	policy, err := pii.New(cfg.PII, pii.ClassesOf(reg.PIIClasses()))
	if err != nil {
		return err
	}
	srv := ops.New(log)
	metrics := extract.NewMetrics(srv.Registry)
	if err := srv.Listen(ctx, cfg.OpsAddr); err != nil {
		return err
	}
	defer srv.Close()

	var disp *progress.Display
	if cfg.Once && (cfg.Progress == "on" || cfg.Progress == "auto" && ops.IsTerminal(os.Stderr)) {
		disp = progress.New(os.Stderr)
		// The display replaces the info lines; warnings still show.
		log = ops.NewLogger(ops.LogConfig{Format: "text", Level: "warn"}, os.Stderr)
	}
	var obs ukgpro.Observer = metrics
	if disp != nil {
		obs = retryTee{metrics, disp}
	}
	api, err := ukgpro.New(cfg.UKG, ukgpro.WithLogger(log), ukgpro.WithObserver(obs))
	if err != nil {
		return err
	}
	deps := extract.Deps{Source: api, Validator: extract.RegistryValidator(reg), Redactor: policy,
		Logger: log, Metrics: metrics, BaseURL: cfg.UKG.BaseURL, Concurrency: cfg.UKG.Concurrency}
	if disp != nil {
		deps.Progress = disp
	}
	x, err := extract.New(cfg.Extractor, &cfg.Kafka, deps)
	if err != nil {
		return err
	}
	defer x.Close()
	if err := x.Start(ctx); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if memLimit != math.MaxInt64 {
		warnIfNearLimit(log, memLimit)
	}
	srv.SetReady(true, "")

	for {
		rep, err := x.Run(ctx)
		if disp != nil {
			disp.Wait()
			printReport(rep)
		}
		if ctx.Err() != nil {
			log.Info("stopped by signal; what was read is published and checkpointed")
			return nil
		}
		if cfg.Once {
			if cfg.OpsAddr != "" {
				lingerForScrape(ctx, log, cfg.MetricsLinger)
			}
			return err
		}
		if err != nil {
			log.Error("run failed; retrying at the next interval", "err", err)
		}
		select {
		case <-ctx.Done():
			log.Info("stopped by signal")
			return nil
		case <-time.After(cfg.Extractor.Interval):
		}
	}
}

// lingerForScrape keeps the ops server up for d after a --once run, so
// Prometheus scrapes the run's final values before the process (a CronJob's
// pod) ends. A signal ends the wait.
func lingerForScrape(ctx context.Context, log *slog.Logger, d time.Duration) {
	if d <= 0 {
		return
	}
	log.Info("run finished; serving /metrics before exiting", "linger", d.String())
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

type retryTee struct {
	*extract.Metrics
	disp *progress.Display
}

func (t retryTee) ObserveRetry(endpoint, reason string) {
	t.Metrics.ObserveRetry(endpoint, reason)
	t.disp.Retry(endpoint)
}

func printReport(rep *extract.Report) {
	if rep == nil {
		return
	}
	fmt.Fprintf(os.Stderr, "run %s\n", rep.RunID)
	for name, r := range rep.Endpoints {
		status := "ok"
		if r.Err != nil {
			status = "FAILED"
		}
		fmt.Fprintf(os.Stderr, "  %-29s %-6s full=%-5v pages=%d rows=%d published=%d unchanged=%d dlq=%d lifecycle=%d\n",
			name, status, r.Full, r.Pages, r.Rows, r.Published, r.Unchanged, r.DLQ, r.Lifecycle)
	}
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }
