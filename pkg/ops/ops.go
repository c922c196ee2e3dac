// Package ops serves a program's operational endpoints: Prometheus metrics on
// /metrics, liveness on /healthz, readiness on /readyz and Go's profiler on
// /debug/pprof/. The registry is passed in (never the global default), and
// readiness is a flag the program sets when it can do its job.
package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is the ops HTTP server of one program.
type Server struct {
	Registry *prometheus.Registry
	ready    atomic.Bool
	reason   atomic.Value // string: why not ready
	srv      *http.Server
	ln       net.Listener
	log      *slog.Logger
}

// New builds a server with a fresh registry holding the Go and process
// collectors. Listen starts it.
func New(log *slog.Logger) *Server {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{Registry: reg, log: log}
	s.reason.Store("starting")
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if s.ready.Load() {
			fmt.Fprintln(w, "ready")
			return
		}
		http.Error(w, "not ready: "+s.reason.Load().(string), http.StatusServiceUnavailable)
	})
	// Go's profiler, as most Go daemons serve it: CPU and heap profiles of a
	// running loader or extractor show where time and memory go. Profiles
	// hold stacks and sizes, never record values or secrets.
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return s
}

// SetReady marks the program ready (true) or not, with the reason shown by
// /readyz while not ready.
func (s *Server) SetReady(ready bool, reason string) {
	s.reason.Store(reason)
	s.ready.Store(ready)
}

// Listen binds addr (":0" picks a free port) and serves in the background
// until ctx ends or Close is called. An empty addr disables the server.
func (s *Server) Listen(ctx context.Context, addr string) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen for /metrics on %s (OPS_ADDR): %w", addr, err)
	}
	s.ln = ln
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("ops server stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		s.Close()
	}()
	return nil
}

// Addr is the bound address, or "" before Listen.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Close stops the server.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}
