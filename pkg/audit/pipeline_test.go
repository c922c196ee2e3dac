package audit_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	envpipeline "github.com/ukgpro-stream/ukgpro-stream/internal/testenv/pipeline"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/load"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// pipeline is the real extractor and loader, in process, between the
// simulator (HTTP) and an embedded broker (Kafka protocol over TCP),
// writing a local archive: what the audit tool reads in production.
type pipeline struct {
	t    *testing.T
	sim  *ukgsim.Sim
	url  string
	kc   kafkax.Config
	root string
	x    *extract.Extractor
	log  *slog.Logger
}

func newPipeline(t *testing.T, simCfg ukgsim.Config) *pipeline {
	t.Helper()
	sim, url := testenv.Sim(t, simCfg)
	p := &pipeline{t: t, sim: sim, url: url, root: filepath.Join(t.TempDir(), "archive"),
		log: slog.New(slog.DiscardHandler),
		kc: kafkax.Config{Brokers: testenv.Kafka(t), TopicPrefix: "ukgpro.", ClientID: "audit-test",
			DialTimeout: 5 * time.Second, Partitions: 3, ReplicationFactor: 1,
			MinCompactionLag: time.Hour, DLQRetention: time.Hour}}
	if os.Getenv("AUDIT_TEST_LOG") != "" {
		p.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	policy := envpipeline.Redactor(t, reg)
	api, err := ukgpro.New(ukgpro.Config{BaseURL: url, Username: "svc-demo", Password: "demo-password",
		CustomerAPIKey: "DEMO-KEY", PerPage: 200, Concurrency: 4, MaxRetries: 8,
		RetryBase: time.Millisecond, RetryMax: 20 * time.Millisecond, RequestTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := extract.Config{Mode: "incremental", FullEvery: 20 * 24 * time.Hour, Overlap: 48 * time.Hour,
		Endpoints: []string{"employee-employment-details", "person-details", "compensation-details", "employee-job-history-details"},
		BatchSize: 1000, Linger: 2 * time.Millisecond, WriteTimeout: 10 * time.Second}
	p.x, err = extract.New(cfg, &p.kc, extract.Deps{Source: api, Validator: extract.RegistryValidator(reg),
		Redactor: policy, Logger: p.log, BaseURL: url, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.x.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.x.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return p
}

// extract runs the extractor once (as `extractor --once`).
func (p *pipeline) extract() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := p.x.Run(ctx); err != nil {
		p.t.Fatalf("extractor run: %v", err)
	}
}

// drain runs a loader of group into root until it caught up (as
// `loader --drain`).
func (p *pipeline) drain(kc kafkax.Config, group, root string) {
	p.t.Helper()
	store, err := archive.NewLocal(root)
	if err != nil {
		p.t.Fatal(err)
	}
	cfg := load.Config{
		GroupID: group, RotateRows: 500000, RotateBytes: 64 << 20, BatchBytes: 1 << 20, BufferBytes: 32 << 20,
		RotateInterval: 24 * time.Hour, FlushInterval: time.Minute, FetchMaxBytes: 4 << 20, FetchBufferBytes: 32 << 20,
		FetchMaxWait: 100 * time.Millisecond, SessionTimeout: 2 * time.Second, HeartbeatInterval: 200 * time.Millisecond,
		RebalanceTimeout: 3 * time.Second, JoinGroupBackoff: 100 * time.Millisecond, CommitTimeout: 5 * time.Second,
		DLQTimeout: 5 * time.Second, Drain: true,
	}
	l, err := load.New(cfg, kc, load.Options{Archive: load.StoreArchive{Store: store}, Logger: p.log})
	if err != nil {
		p.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := l.Run(ctx); err != nil {
		p.t.Fatalf("loader drain: %v", err)
	}
}

// step is one extractor run and one loader drain.
func (p *pipeline) step() {
	p.extract()
	p.drain(p.kc, "ukgpro-loader", p.root)
}
