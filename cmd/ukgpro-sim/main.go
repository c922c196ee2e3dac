// Command ukgpro-sim serves a simulated UKG Pro tenant (package ukgsim) over
// HTTP: the personnel endpoints with their quirks, a seeded workforce, a
// tenant clock moved by POST /_sim/advance?days=N (optionally purging
// employees and editing job history: &removals=K&corrections=M), and fault
// injection. Every setting is an environment variable or a flag; see --help
// and docs/simulator.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

const prog = "ukgpro-sim"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cfg config
	if err := envconf.Parse(ctx, prog, &cfg, os.Args[1:], nil); err != nil {
		if errors.Is(err, envconf.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", prog, err)
		os.Exit(2)
	}
	log := newLogger(os.Stderr, cfg.LogLevel, term.IsTerminal(int(os.Stderr.Fd())))
	if err := run(ctx, cfg, log, nil); err != nil {
		log.Error("simulator stopped", "err", err)
		os.Exit(1)
	}
}

// newLogger logs JSON unless w is a terminal.
func newLogger(w io.Writer, level string, terminal bool) *slog.Logger {
	lvl, _ := parseLevel(level) // validated
	opts := &slog.HandlerOptions{Level: lvl}
	if terminal {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// run builds the simulator, serves it on cfg.Sim.Addr until ctx ends, then
// shuts down gracefully. ready, if set, receives the listening address.
func run(ctx context.Context, cfg config, log *slog.Logger, ready func(addr string)) error {
	sim, err := ukgsim.New(cfg.Sim, ukgsim.WithLogger(log))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Sim.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Sim.Addr, err)
	}
	srv := &http.Server{
		Handler:           sim,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving simulated UKG Pro tenant", "addr", ln.Addr().String(), "tenant_clock", sim.Now().Format(time.DateTime))
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sim.Close() // release requests hung by the hang fault
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}
