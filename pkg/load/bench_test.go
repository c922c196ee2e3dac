package load

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	rtmetrics "runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// employmentRecord is an E2 employment record with every field of the
// employees schema filled (about 2.8 KB of JSON). Values are drawn at
// random (seeded by i) with the cardinalities of a real workforce: ids and
// phone numbers unique, job and position codes in the hundreds or
// thousands, most other codes a handful, so how well a file compresses
// does not depend on which records share a partition.
func employmentRecord(b *strings.Builder, fields []schema.Field, i int) {
	r := rand.New(rand.NewPCG(uint64(i), 0x5eed))
	b.WriteByte('{')
	for j, f := range fields {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(f.JSONName))
		b.WriteByte(':')
		switch {
		case f.JSONName == "companyID":
			fmt.Fprintf(b, `"C%04d"`, 1+r.IntN(3))
		case f.JSONName == "employeeID":
			fmt.Fprintf(b, `"E%011d"`, i)
		case f.Type == schema.Date:
			fmt.Fprintf(b, `"%s"`, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(13000)).Format("2006-01-02T15:04:05"))
		case f.Type == schema.Timestamp:
			fmt.Fprintf(b, `"%s"`, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(700*24*time.Hour)))).Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000"))
		case f.Type == schema.Bool:
			b.WriteString(strconv.FormatBool(r.IntN(4) == 0))
		case f.Type == schema.Decimal:
			fmt.Fprintf(b, "%d.%02d", 15000+r.IntN(235000), r.IntN(100))
		case f.Type == schema.Int || f.Type == schema.Double:
			fmt.Fprintf(b, "%d", r.IntN(1000))
		default:
			v := i // unique per employee
			if c := cardinality(f.JSONName); c > 0 {
				v = r.IntN(c)
			}
			fmt.Fprintf(b, `"%s-%07d-%s"`, strings.ToUpper(f.JSONName[:min(6, len(f.JSONName))]), v, "lorem ipsum"[:v%11])
		}
	}
	b.WriteByte('}')
}

// cardinality is how many distinct values a string field of employmentRecord
// takes; a negative value means one per employee.
func cardinality(field string) int {
	switch field {
	case "employeeNumber", "workPhoneNumber", "integrationRecordId", "timeClockID":
		return -1
	case "supervisorID", "positionCode":
		return 20000
	case "mailstop", "jobTitle", "jobCode", "primaryProjectCode", "orgLevel4Code":
		return 800
	case "orgLevel3Code", "primaryWorkLocationCode", "jobGroupCode", "orgLevel2Code":
		return 120
	}
	return 12
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
// (so its heap is not the embedded broker's), against three baselines on
// the same data, each run after it against the same embedded broker: a bare
// franz-go consume of the partitions (the reference), a bare
// kafka-go consume (the client the loader uses), and DuckDB converting the
// same records from NDJSON to zstd Parquet. Reported: rows/s of each, the
// ratios (targets: vs DuckDB >= 1.5, vs franz-go >= 0.25), the cores the
// loader used (user + system CPU ÷ its run time; the broker in this
// process shares the machine with it, logged too), the loader's peak Go
// heap and its peak RSS (the child's VmHWM, see rssWatch; target <= 150
// MiB on 6 partitions, <= 200 MiB on 36), and the bytes of its files
// against DuckDB's (target <= 1.1). LOADER_BENCH_PARTITIONS sets the
// partitions (default 6); LOADER_BENCH_LOADER_ONLY=1 runs the loader alone,
// b.N times on the same records (to compare builds of the loader: with
// LOADER_BENCH_BINARIES=a,b,… run i starts the (i mod n)-th of those loader
// binaries, built beforehand with go build ./cmd/loader).
func BenchmarkLoaderVsBaselines(b *testing.B) {
	n := envInt("LOADER_BENCH_RECORDS", 200000)
	kc := testKafka(b, envInt("LOADER_BENCH_PARTITIONS", 6))
	emp := kc.Topic(kafkax.Employees)
	reg, err := schema.Load()
	if err != nil {
		b.Fatal(err)
	}
	fields := reg.Topic(kafkax.Employees).Fields
	dir := b.TempDir()
	if d := os.Getenv("LOADER_BENCH_DIR"); d != "" {
		dir = d // kept after the run, to inspect the files
	}
	ndjson := filepath.Join(dir, "employees.ndjson")
	f, err := os.Create(ndjson)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	bytes := produceEmployment(b, kc, emp, n, bw)
	bw.Flush()
	f.Close()
	b.Logf("%d records, %.0f bytes of JSON each", n, float64(bytes)/float64(n))

	for i := 0; i < b.N; i++ {
		loaderRate, peak, rss, cores := benchLoaderProcess(b, kc, filepath.Join(dir, fmt.Sprintf("lake-%d", i)), n, i)
		if os.Getenv("LOADER_BENCH_LOADER_ONLY") != "" {
			// Comparing loader builds: several loader runs on one
			// produced topic (-benchtime Nx), no baselines.
			fmt.Printf("run %d: %s: %.2f µs CPU per row, %.2f cores, %.0f rows/s, peak RSS %.1f MiB\n", i, loaderBuild(i), cores/loaderRate*1e6, cores, loaderRate, rss/(1<<20))
			b.ReportMetric(cores/loaderRate*1e6, "loader_cpu_us/row")
			continue
		}
		// franz-go's rate varied 4× between runs against the embedded
		// broker (47k to 190k rows/s at 1,000,000 records): the better of
		// two consumes is the reference, and its CPU.
		var fgRate, fgCPU float64
		for range 2 {
			c0 := processCPU()
			if r := benchFranzConsume(b, kc, emp, n); r > fgRate {
				fgRate, fgCPU = r, processCPU()-c0
			}
		}
		cpu1 := processCPU()
		kgRate := benchBareConsume(b, kc, emp, n)
		cpu2 := processCPU()
		duckRate, duckCPU := benchDuckDB(b, ndjson, filepath.Join(dir, fmt.Sprintf("duck-%d.parquet", i)), fields, n)
		// CPU per row does not depend on how much of the shared machine
		// each got: the ratios of rows per CPU-second. The bare consumes'
		// CPU includes the embedded broker serving them (this process).
		loaderCPU := cores / loaderRate
		b.ReportMetric(loaderCPU*1e6, "loader_cpu_us/row")
		b.ReportMetric(fgCPU/float64(n)*1e6, "franzgo_cpu_us/row")
		b.ReportMetric((cpu2-cpu1)/float64(n)*1e6, "kafkago_cpu_us/row")
		b.ReportMetric(duckCPU/float64(n)*1e6, "duckdb_cpu_us/row")
		b.ReportMetric(duckCPU/float64(n)/loaderCPU, "cpu_ratio_vs_duckdb")
		b.ReportMetric(fgCPU/float64(n)/loaderCPU, "cpu_ratio_vs_franzgo")
		b.ReportMetric(loaderRate, "loader_rows/s")
		b.ReportMetric(fgRate, "franzgo_rows/s")
		b.ReportMetric(kgRate, "kafkago_rows/s")
		b.ReportMetric(duckRate, "duckdb_rows/s")
		b.ReportMetric(loaderRate/duckRate, "ratio_vs_duckdb")
		b.ReportMetric(loaderRate/fgRate, "ratio_vs_franzgo")
		b.ReportMetric(loaderRate/kgRate, "ratio_vs_kafkago")
		b.ReportMetric(cores, "loader_cpu_cores")
		b.ReportMetric(peak/(1<<20), "peak_heap_MiB")
		b.ReportMetric(rss/(1<<20), "peak_rss_MiB")
		b.ReportMetric(float64(dirBytes(b, filepath.Join(dir, fmt.Sprintf("lake-%d", i))))/float64(dirBytes(b, filepath.Join(dir, fmt.Sprintf("duck-%d.parquet", i)))), "size_vs_duckdb")
	}
}

// loaderBuild is the loader binary of run i from LOADER_BENCH_BINARIES
// ("": the one built from this tree).
func loaderBuild(i int) string {
	bins := os.Getenv("LOADER_BENCH_BINARIES")
	if bins == "" {
		return ""
	}
	list := strings.Split(bins, ",")
	return list[i%len(list)]
}

func benchLoaderProcess(b *testing.B, kc kafkax.Config, root string, n, iter int) (rate, peakHeap, peakRSS, cores float64) {
	addr := freeAddr(b)
	// The Parquet settings are pkg/archive's defaults unless the
	// environment sets them (cmd/loader repeats them in its own tags).
	env := loaderEnv(kc, root, "OPS_ADDR="+addr, fmt.Sprintf("LOADER_GROUP_ID=bench-%d", iter),
		"LOADER_TOPICS=employees", "LOADER_FLUSH_INTERVAL=1m",
		// The default fetch wait, not the tests' 100 ms: kafka-go times a
		// fetch out after it, and the embedded broker, answering six
		// partitions' first fetches at once, took longer (retries).
		"LOADER_FETCH_MAX_WAIT=500ms", "LOADER_ROTATE_ROWS=500000", "LOG_LEVEL="+envStr("LOADER_BENCH_LOG", "warn"),
		"PARQUET_ZSTD_LEVEL="+envStr("PARQUET_ZSTD_LEVEL", strconv.Itoa(archive.DefaultZstdLevel)),
		"PARQUET_ROW_GROUP_BYTES="+envStr("PARQUET_ROW_GROUP_BYTES", strconv.Itoa(archive.DefaultRowGroupBytes)),
		"PARQUET_PAGE_BYTES="+envStr("PARQUET_PAGE_BYTES", strconv.Itoa(archive.DefaultPageBytes)))
	if v := os.Getenv("LOADER_BENCH_GOMEMLIMIT"); v != "" {
		env = append(env, "GOMEMLIMIT="+v) // the loader's only, not this process's (the broker)
	}
	bin := loaderBinary(b) // built before the clock starts: the build is not the loader's time
	if b := loaderBuild(iter); b != "" {
		bin = b
	}
	self0 := processCPU()
	start := time.Now()
	cmd, done := startProgram(b, bin, env, "--drain")
	watch := watchRSS(cmd.Process.Pid)
	profDone := make(chan struct{})
	defer func() { <-profDone }() // no logging after the benchmark returned
	if path := os.Getenv("LOADER_BENCH_CPUPROFILE"); path == "" {
		close(profDone)
	} else {
		// The loader's own CPU profile, from its /debug/pprof, for the
		// first LOADER_BENCH_CPUPROFILE_SECONDS of the drain (cut short
		// if the drain ends first).
		go func() {
			defer close(profDone)
			secs := envInt("LOADER_BENCH_CPUPROFILE_SECONDS", 5)
			up := time.NewTicker(5 * time.Millisecond)
			defer up.Stop()
			for deadline := time.Now().Add(30 * time.Second); ; <-up.C {
				if c, _ := httpGet("http://" + addr + "/healthz"); c == 200 {
					break
				}
				if time.Now().After(deadline) {
					b.Logf("cpu profile: the loader's ops server never answered")
					return
				}
			}
			resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs))
			if err != nil {
				b.Logf("cpu profile: %v", err)
				return
			}
			defer resp.Body.Close()
			f, err := os.Create(path)
			if err == nil {
				_, err = io.Copy(f, resp.Body)
				f.Close()
			}
			b.Logf("cpu profile of the loader (%ds) in %s: %v", secs, path, err)
		}()
	}
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
			peakRSS = float64(watch.Stop()) // not ru_maxrss: see rssWatch
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				// CPU the loader used per second of its run: near 2 on
				// two idle cores when it is CPU-bound.
				cores = time.Duration(ru.Utime.Nano()+ru.Stime.Nano()).Seconds() / el.Seconds()
				// This process (the embedded broker serving the
				// loader's fetches) shares the two cores meanwhile.
				b.Logf("loader: %.1f s user, %.1f s system in %.1f s; this process (the broker): %.1f s", time.Duration(ru.Utime.Nano()).Seconds(), time.Duration(ru.Stime.Nano()).Seconds(), el.Seconds(),
					processCPU()-self0)
			}
			return float64(n) / el.Seconds(), peakHeap, peakRSS, cores
		case <-tick.C:
			if c, body := httpGet("http://" + addr + "/metrics"); c == 200 {
				for _, l := range strings.Split(body, "\n") {
					if v, ok := strings.CutPrefix(l, "go_memstats_heap_inuse_bytes "); ok {
						if h, err := strconv.ParseFloat(v, 64); err == nil && h > peakHeap {
							if path := os.Getenv("LOADER_BENCH_HEAPPROFILE"); path != "" && h > peakHeap*1.02 {
								// The loader's heap profile near its peak.
								if c, prof := httpGet("http://" + addr + "/debug/pprof/heap"); c == 200 {
									os.WriteFile(path, []byte(prof), 0o644)
								}
							}
							peakHeap = h
						}
					}
				}
			}
		}
	}
}

// benchFranzConsume is the bare-consume reference: one franz-go
// (kgo) client in this process reads every partition of topic from its start
// to the high-water mark and counts the records, decoding nothing (the
// records are decompressed, as any consumer must). Client defaults, as a
// user of franz-go gets them.
func benchFranzConsume(b *testing.B, kc kafkax.Config, topic string, n int) float64 {
	hwm := highWaterMarks(b, kc, topic)
	parts := map[int32]kgo.Offset{}
	left := map[int32]int64{}
	for p, end := range hwm {
		if end > 0 {
			parts[int32(p)] = kgo.NewOffset().AtStart()
			left[int32(p)] = end
		}
	}
	start := time.Now()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.Brokers...), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: parts}))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var count int
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			b.Fatalf("franz-go consume: %v", err)
		}
		fs.EachPartition(func(p kgo.FetchTopicPartition) {
			count += len(p.Records)
			if k := len(p.Records); k > 0 && p.Records[k-1].Offset+1 >= left[p.Partition] {
				delete(left, p.Partition)
			}
		})
	}
	el := time.Since(start)
	if count != n {
		b.Fatalf("franz-go consumed %d records, want %d", count, n)
	}
	return float64(n) / el.Seconds()
}

// benchBareConsume is the same bare consume with kafka-go, one Reader per
// partition (the client the loader uses).
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

// benchDuckDB times DuckDB's own NDJSON → zstd Parquet conversion of the
// same records writing the same columns as the loader: every typed column
// of the schema (DECIMAL, DATE, TIMESTAMP as declared) plus _raw, the
// record's JSON text (read_ndjson_objects, positionally joined).
func benchDuckDB(b *testing.B, ndjson, out string, fields []schema.Field, n int) (rate, cpuSeconds float64) {
	db := openDuck(b)
	var cols, sel []string
	for _, f := range fields {
		read, expr := duckType(f), quoteIdent(f.JSONName)
		if f.Type == schema.Date {
			read, expr = "TIMESTAMP", "CAST("+expr+" AS DATE)"
		}
		cols = append(cols, fmt.Sprintf("'%s': '%s'", f.JSONName, read))
		sel = append(sel, expr+" AS "+quoteIdent(f.Column))
	}
	q := fmt.Sprintf(`COPY (SELECT t.*, CAST(r.json AS VARCHAR) AS _raw
		FROM (SELECT %s FROM read_json('%s', format='newline_delimited', columns={%s})) t
		POSITIONAL JOIN read_ndjson_objects('%s') r) TO '%s' (FORMAT parquet, COMPRESSION zstd)`,
		strings.Join(sel, ", "), ndjson, strings.Join(cols, ", "), ndjson, out)
	cpu0, start := processCPU(), time.Now()
	if _, err := db.Exec(q); err != nil {
		b.Fatal(err)
	}
	el, cpu := time.Since(start), processCPU()-cpu0
	var rows int64
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s') WHERE _raw IS NOT NULL`, out)).Scan(&rows); err != nil || rows != int64(n) {
		b.Fatalf("duckdb wrote %d rows (%v), want %d", rows, err, n)
	}
	return float64(n) / el.Seconds(), cpu
}

func duckType(f schema.Field) string {
	switch f.Type {
	case schema.Int:
		return "BIGINT"
	case schema.Bool:
		return "BOOLEAN"
	case schema.Date, schema.Timestamp:
		return "TIMESTAMP"
	case schema.Decimal:
		return fmt.Sprintf("DECIMAL(%d,%d)", f.Precision, f.Scale)
	case schema.Double:
		return "DOUBLE"
	}
	return "VARCHAR"
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// dirBytes is the size of the file at path, or of the .parquet files under it.
func dirBytes(b *testing.B, path string) int64 {
	var n int64
	err := filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return err
		}
		fi, err := d.Info()
		n += fi.Size()
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// processCPU is the user + system CPU seconds this process used so far.
func processCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
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
	produceEmployment(b, kc, emp, n, nil)
	cfg := testConfig()
	// cmd/loader's defaults where they shape memory and batching.
	cfg.Drain, cfg.RotateRows, cfg.RotateBytes, cfg.BufferBytes = true, 500000, 64<<20, int64(envInt("LOADER_BUFFER_BYTES", 32<<20))
	cfg.BatchBytes = int64(envInt("LOADER_BATCH_BYTES", 1<<20))
	cfg.FlushInterval, cfg.FetchMaxBytes, cfg.FetchBufferBytes = time.Minute, 10<<20, 32<<20
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

// BenchmarkCodecEmployees is the loader's CPU path without Kafka: decode
// employment records into a partition's batch (Arrow), move them into the
// Parquet writer every LOADER_BATCH_BYTES, and finish the file into
// io.Discard. It isolates the per-row cost of decoding and writing.
func BenchmarkCodecEmployees(b *testing.B) {
	reg, err := schema.Load()
	if err != nil {
		b.Fatal(err)
	}
	s := reg.Topic(kafkax.Employees)
	const n = 20000
	msgs := make([]kafka.Message, n)
	var sb strings.Builder
	var bytes int64
	for i := range msgs {
		sb.Reset()
		employmentRecord(&sb, s.Fields, i)
		msgs[i] = message(fmt.Sprintf("C0001/E%011d", i), sb.String(), i, "employees/v1.0")
		msgs[i].Topic, msgs[i].Offset = "ukgpro.employees", int64(i)
		bytes += int64(len(msgs[i].Value))
	}
	c, err := newCodec(s, archive.WriterConfig{ZstdLevel: envInt("PARQUET_ZSTD_LEVEL", 0), RawZstdLevel: envInt("PARQUET_RAW_ZSTD_LEVEL", 0)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	batchBytes := int64(envInt("LOADER_BATCH_BYTES", 1<<20))
	b.SetBytes(bytes)
	b.ReportAllocs()
	b.ResetTimer()
	out := &countingWriter{w: io.Discard}
	for range b.N {
		batch := c.newBatch()
		pw, err := c.newWriter(out, 0)
		if err != nil {
			b.Fatal(err)
		}
		spill := func() {
			rec := batch.NewRecord()
			defer rec.Release()
			if err := pw.Write(rec); err != nil {
				b.Fatal(err)
			}
		}
		var size int64
		for i := range msgs {
			if err := c.append(batch, &msgs[i]); err != nil {
				b.Fatal(err)
			}
			if size += int64(len(msgs[i].Value) + len(msgs[i].Key)); size >= batchBytes {
				spill()
				size = 0
			}
		}
		spill()
		if err := pw.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(out.n)/float64(b.N*n), "parquet-bytes/row")
}
