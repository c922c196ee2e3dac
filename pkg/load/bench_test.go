package load

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	rtmetrics "runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// employmentRecord is an E2 employment record with every field of the
// employees schema filled (about 2 KB of JSON).
func employmentRecord(b *strings.Builder, fields []schema.Field, i int) {
	b.WriteByte('{')
	for j, f := range fields {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(f.JSONName))
		b.WriteByte(':')
		switch {
		case f.JSONName == "companyID":
			b.WriteString(`"C0001"`)
		case f.JSONName == "employeeID":
			fmt.Fprintf(b, `"E%011d"`, i)
		case f.Type == schema.Date:
			fmt.Fprintf(b, `"20%02d-%02d-%02dT00:00:00"`, 10+i%15, 1+i%12, 1+i%28)
		case f.Type == schema.Timestamp:
			fmt.Fprintf(b, `"2024-%02d-16T14:03:11.%03d"`, 1+i%12, i%1000)
		case f.Type == schema.Bool:
			b.WriteString(strconv.FormatBool((i+j)%3 == 0))
		case f.Type == schema.Decimal:
			fmt.Fprintf(b, "%d.%02d", 20000+(i*7+j)%90000, i%100)
		case f.Type == schema.Int || f.Type == schema.Double:
			fmt.Fprintf(b, "%d", (i+j)%1000)
		default:
			fmt.Fprintf(b, `"%s-%05d-%s"`, strings.ToUpper(f.JSONName[:min(6, len(f.JSONName))]), (i*31+j)%20000, "lorem ipsum"[:(i+j)%11])
		}
	}
	b.WriteByte('}')
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkLoaderVsBaselines measures one `loader --drain` of N
// employment-shaped records (LOADER_BENCH_RECORDS, default 200000; the
// target is stated for 1,000,000) on 6 partitions, as a child process
// (so its heap is not the embedded broker's), against two baselines on the
// same data: bare kafka-go consumption of the partitions, and DuckDB
// converting the same records from NDJSON to zstd Parquet. Reported:
// rows/s of each, the ratios (targets: vs DuckDB >= 1.0, vs kafka-go >= 0.5)
// and the loader's peak Go heap (target <= 150 MiB).
func BenchmarkLoaderVsBaselines(b *testing.B) {
	n := envInt("LOADER_BENCH_RECORDS", 200000)
	kc := testKafka(b, 6)
	emp := kc.Topic(kafkax.Employees)
	reg, err := schema.Load()
	if err != nil {
		b.Fatal(err)
	}
	fields := reg.Topic(kafkax.Employees).Fields
	dir := b.TempDir()
	ndjson := filepath.Join(dir, "employees.ndjson")
	f, err := os.Create(ndjson)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var sb strings.Builder
	var bytes int64
	batch := make([]kafka.Message, 0, 5000)
	for i := 0; i < n; i++ {
		sb.Reset()
		employmentRecord(&sb, fields, i)
		v := sb.String()
		bytes += int64(len(v))
		bw.WriteString(v)
		bw.WriteByte('\n')
		m := message(fmt.Sprintf("C0001/E%011d", i), v, 0, "employees/v1.0")
		m.Time = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond) // one extraction run
		batch = append(batch, m)
		if len(batch) == cap(batch) || i == n-1 {
			produce(b, kc, emp, batch...)
			batch = batch[:0]
		}
	}
	bw.Flush()
	f.Close()
	b.Logf("%d records, %.0f bytes of JSON each", n, float64(bytes)/float64(n))

	for i := 0; i < b.N; i++ {
		loaderRate, peak := benchLoaderProcess(b, kc, filepath.Join(dir, fmt.Sprintf("lake-%d", i)), n, i)
		kgRate := benchBareConsume(b, kc, emp, n)
		duckRate := benchDuckDB(b, ndjson, filepath.Join(dir, fmt.Sprintf("duck-%d.parquet", i)), n)
		b.ReportMetric(loaderRate, "loader_rows/s")
		b.ReportMetric(kgRate, "kafkago_rows/s")
		b.ReportMetric(duckRate, "duckdb_rows/s")
		b.ReportMetric(loaderRate/duckRate, "ratio_vs_duckdb")
		b.ReportMetric(loaderRate/kgRate, "ratio_vs_kafkago")
		b.ReportMetric(peak/(1<<20), "peak_heap_MiB")
	}
}

func benchLoaderProcess(b *testing.B, kc kafkax.Config, root string, n, iter int) (rate, peakHeap float64) {
	addr := freeAddr(b)
	// The Parquet settings are pkg/archive's defaults unless the
	// environment sets them (cmd/loader repeats them in its own tags).
	env := loaderEnv(kc, root, "OPS_ADDR="+addr, fmt.Sprintf("LOADER_GROUP_ID=bench-%d", iter),
		"LOADER_TOPICS=employees", "LOADER_FLUSH_INTERVAL=1m", "LOADER_ROTATE_ROWS=500000", "LOG_LEVEL="+envStr("LOADER_BENCH_LOG", "warn"),
		"PARQUET_ZSTD_LEVEL="+envStr("PARQUET_ZSTD_LEVEL", strconv.Itoa(archive.DefaultZstdLevel)),
		"PARQUET_ROW_GROUP_BYTES="+envStr("PARQUET_ROW_GROUP_BYTES", strconv.Itoa(archive.DefaultRowGroupBytes)),
		"PARQUET_PAGE_BYTES="+envStr("PARQUET_PAGE_BYTES", strconv.Itoa(archive.DefaultPageBytes)))
	loaderBinary(b) // built before the clock starts: the build is not the loader's time
	start := time.Now()
	_, done := startLoader(b, env, "--drain")
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			el := time.Since(start)
			if err != nil {
				b.Fatalf("loader --drain: %v", err)
			}
			var rows int64
			db := openDuck(b)
			if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s')`, glob(root, kc.Topic(kafkax.Employees)))).Scan(&rows); err != nil {
				b.Fatal(err)
			}
			if rows != int64(n) {
				b.Fatalf("loader archived %d rows, want %d", rows, n)
			}
			return float64(n) / el.Seconds(), peakHeap
		case <-tick.C:
			if c, body := httpGet("http://" + addr + "/metrics"); c == 200 {
				for _, l := range strings.Split(body, "\n") {
					if v, ok := strings.CutPrefix(l, "go_memstats_heap_inuse_bytes "); ok {
						if h, err := strconv.ParseFloat(v, 64); err == nil && h > peakHeap {
							peakHeap = h
						}
					}
				}
			}
		}
	}
}

func benchBareConsume(b *testing.B, kc kafkax.Config, topic string, n int) float64 {
	hwm := highWaterMarks(b, kc, topic)
	start := time.Now()
	errs := make(chan error, len(hwm))
	for p, end := range hwm {
		go func() {
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: kc.Brokers, Topic: topic, Partition: p, MaxBytes: 10 << 20, MaxWait: 100 * time.Millisecond})
			defer r.Close()
			for {
				m, err := r.FetchMessage(context.Background())
				if err != nil {
					errs <- err
					return
				}
				if m.Offset+1 >= end {
					errs <- nil
					return
				}
			}
		}()
	}
	for range hwm {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

func benchDuckDB(b *testing.B, ndjson, out string, n int) float64 {
	db := openDuck(b)
	start := time.Now()
	if _, err := db.Exec(fmt.Sprintf(`COPY (SELECT * FROM read_json('%s', format='newline_delimited')) TO '%s' (FORMAT parquet, COMPRESSION zstd)`, ndjson, out)); err != nil {
		b.Fatal(err)
	}
	el := time.Since(start)
	var rows int64
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s')`, out)).Scan(&rows); err != nil || rows != int64(n) {
		b.Fatalf("duckdb wrote %d rows (%v), want %d", rows, err, n)
	}
	return float64(n) / el.Seconds()
}

func envStr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// BenchmarkDrainInProcess is one drain of LOADER_BENCH_RECORDS records run
// inside the test process (with the broker), for CPU profiles.
func BenchmarkDrainInProcess(b *testing.B) {
	n := envInt("LOADER_BENCH_RECORDS", 50000)
	kc := testKafka(b, 6)
	emp := kc.Topic(kafkax.Employees)
	reg, err := schema.Load()
	if err != nil {
		b.Fatal(err)
	}
	fields := reg.Topic(kafkax.Employees).Fields
	var sb strings.Builder
	batch := make([]kafka.Message, 0, 5000)
	for i := 0; i < n; i++ {
		sb.Reset()
		employmentRecord(&sb, fields, i)
		m := message(fmt.Sprintf("C0001/E%011d", i), sb.String(), 0, "employees/v1.0")
		m.Time = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
		batch = append(batch, m)
		if len(batch) == cap(batch) || i == n-1 {
			produce(b, kc, emp, batch...)
			batch = batch[:0]
		}
	}
	cfg := testConfig()
	// cmd/loader's defaults where they shape memory and batching.
	cfg.Drain, cfg.RotateRows, cfg.RotateBytes, cfg.BufferBytes = true, 500000, 64<<20, int64(envInt("LOADER_BUFFER_BYTES", 32<<20))
	cfg.FlushInterval, cfg.FetchMaxBytes = time.Minute, 10<<20
	pcfg := archive.WriterConfig{RowGroupBytes: int64(envInt("PARQUET_ROW_GROUP_BYTES", 0)), ZstdLevel: envInt("PARQUET_ZSTD_LEVEL", 0)}
	cfg.Topics = []string{kafkax.Employees}
	if p := os.Getenv("LOADER_BENCH_PEAK_HEAP_PROFILE"); p != "" {
		stop := peakHeapProfile(b, p)
		defer stop()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cfg.GroupID = fmt.Sprintf("bench-%d", i)
		start := time.Now()
		if err := wait(b, runLoader(b, context.Background(), cfg, kc, Options{Archive: localArchive(b, b.TempDir()), Parquet: pcfg}), 10*time.Minute); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
	}
}

// peakHeapProfile writes the heap profile to path each time the live heap
// (as of the last GC) reaches a new high, so the file shows what was live at
// the peak; the broker's messages are in it too (they are in this process).
func peakHeapProfile(b *testing.B, path string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		sample := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
		var peak uint64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				b.Logf("peak live heap %.0f MiB (profile %s)", float64(peak)/(1<<20), path)
				return
			case <-tick.C:
			}
			rtmetrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak+peak/10 {
				peak = v
				if f, err := os.Create(path); err == nil {
					pprof.Lookup("heap").WriteTo(f, 0)
					f.Close()
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}
