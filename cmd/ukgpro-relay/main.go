// Command ukgpro-relay delivers the lifecycle topic's events (hired,
// terminated, rehired, job, pay and status changes, removed) to HTTP
// endpoints as CloudEvents, in order per employee, at least once, with
// retries and a dead-letter topic. `ukgpro-relay --help` lists every
// setting; it runs until SIGTERM/SIGINT, then finishes the calls in flight,
// commits and exits 0. See docs/consumers.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ops"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/relay"
)

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var cfg config
	if err := envconf.Parse(ctx, "ukgpro-relay", &cfg, os.Args[1:], nil); err != nil {
		if errors.Is(err, envconf.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "ukgpro-relay: %v\n", err)
		return 2
	}
	// A routes file that is missing or malformed is a bad setting too.
	if _, err := relay.LoadRoutes(cfg.Relay); err != nil {
		fmt.Fprintf(os.Stderr, "ukgpro-relay: %v\n", err)
		return 2
	}
	log := ops.NewLogger(cfg.Log, os.Stderr)
	if err := serve(ctx, cfg, log); err != nil {
		fmt.Fprintf(os.Stderr, "ukgpro-relay: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 1
	}
	return 0
}

func serve(ctx context.Context, cfg config, log *slog.Logger) error {
	srv := ops.New(log)
	r, err := relay.New(cfg.Relay, cfg.Kafka, relay.Options{Logger: log, Registerer: srv.Registry, Ready: srv.SetReady})
	if err != nil {
		return err
	}
	if err := srv.Listen(ctx, cfg.OpsAddr); err != nil {
		return err
	}
	defer srv.Close()
	var routes []string
	for _, rt := range r.Routes() {
		routes = append(routes, rt.Name) // names only: URLs are secrets
	}
	log.Info("relay starting", "group", cfg.Relay.GroupID, "topic", cfg.Kafka.Topic("lifecycle"), "routes", routes,
		"in_flight", cfg.Relay.InFlight, "signed", cfg.Relay.SigningKey != "", "bearer", cfg.Relay.Token != "", "ops_addr", srv.Addr())
	if err := r.Run(ctx); err != nil {
		return err
	}
	log.Info("relay stopped")
	return nil
}
