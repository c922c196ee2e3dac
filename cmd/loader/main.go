// Command loader archives the ukgpro Kafka topics as Hive-partitioned
// Parquet files, exactly once, as one member of a consumer group.
// `loader --help` lists every setting; `loader --drain` archives what the
// topics hold and exits; without it the loader runs until SIGTERM/SIGINT,
// then flushes, commits and exits 0.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/segmentio/kafka-go/compress"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkazstd"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/load"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ops"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var cfg config
	if err := envconf.Parse(ctx, "loader", &cfg, os.Args[1:], nil); err != nil {
		if errors.Is(err, envconf.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "loader: %v\n", err)
		return 2
	}
	log := ops.NewLogger(cfg.Log, os.Stderr)
	// The memory budget: the Go soft limit (unless GOMEMLIMIT is set),
	// lowered to 90% of the container's limit (cgroup v1 or v2), and the
	// source of the loader's buffer sizes (decision 0135).
	container, _ := memlimit.FromCgroup() // 0 and an error outside a memory cgroup
	_, gomemlimit := os.LookupEnv("GOMEMLIMIT")
	budget, limit := load.MemoryLimit(cfg.Loader.MemoryBytes, debug.SetMemoryLimit(-1), gomemlimit, container)
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	cfg.Loader.MemoryBytes = budget
	// kafka-go's zstd codec holds a decoder with the producer's window
	// (8 MiB) for every partition decompressing a batch at once; this one
	// decodes whole batches with one decoder per core (pkg/kafkazstd).
	// kafka-go's codec table is process-wide, so it is installed here,
	// once, before any reader starts.
	zc, err := kafkazstd.New(runtime.GOMAXPROCS(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "loader: %v\n", err)
		return 1
	}
	compress.Codecs[compress.Zstd] = zc
	if err := serve(ctx, cfg, log); err != nil {
		fmt.Fprintf(os.Stderr, "loader: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 1
	}
	return 0
}

func serve(ctx context.Context, cfg config, log *slog.Logger) error {
	srv := ops.New(log)
	if err := srv.Listen(ctx, cfg.OpsAddr); err != nil {
		return err
	}
	defer srv.Close()
	store, err := archive.Open(ctx, cfg.Archive, archive.WithLogger(log))
	if err != nil {
		return err
	}
	loc, err := cfg.Schema.Location()
	if err != nil {
		return err
	}
	topics := cfg.Loader.Topics
	if len(topics) == 0 {
		topics = kafkax.DataTopics
	}
	// Creating missing topics lets a loader start before the extractor; a
	// cluster that forbids it (ACLs) is fine when the topics exist.
	if err := kafkax.EnsureTopics(ctx, &cfg.Kafka, topics...); err != nil {
		log.Warn("ensure topics", "err", err)
	}
	l, err := load.New(cfg.Loader, cfg.Kafka, load.Options{
		Archive:       load.StoreArchive{Store: store, Options: []archive.Option{archive.WithLogger(log)}},
		Logger:        log,
		Registerer:    srv.Registry,
		Ready:         srv.SetReady,
		SchemaOptions: []schema.Option{schema.WithLocation(loc)},
		Parquet:       cfg.Parquet,
	})
	if err != nil {
		return err
	}
	log.Info("loader starting", "group", cfg.Loader.GroupID, "topics", load.Topics(cfg.Loader, cfg.Kafka),
		"output", cfg.Archive.Output, "drain", cfg.Loader.Drain, "ops_addr", srv.Addr(), "memory_budget", cfg.Loader.MemoryBytes, "gomemlimit", debug.SetMemoryLimit(-1))
	if err := l.Run(ctx); err != nil {
		return err
	}
	log.Info("loader stopped")
	return nil
}
