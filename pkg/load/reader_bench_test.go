package load

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// BenchmarkReaderOverAYearOfArchive: a year of changes (LOADER_BENCH_RECORDS
// records, default 200,000, of 20,000 employees, in time order over 365 days)
// on LOADER_BENCH_PARTITIONS partitions (default 6), then two reader queries with DuckDB — one key's
// timeline, and a current-state scan (the latest row per key) — over four
// archives of the same rows:
//
//   - grown: what a loader running all year leaves. Each (partition, day)
//     file is published LOADER_BENCH_RUNS_PER_DAY times (default 6, an
//     extractor run every 4 hours) through the loader's codec and
//     archive.Partition, each publication growing the day's file;
//   - drained: `loader --drain` over the whole year at once (a catch-up):
//     one file per (partition, day), each written in one go;
//   - oneshot: the same rows written by DuckDB as one file per (partition,
//     day) (COPY … PARTITION_BY (dt, _kafka_partition)): the best this
//     layout can be with another writer;
//   - daily: DuckDB's one file per day (the reference).
//
// Reported: every time, and the ratios grown ÷ oneshot (what growth costs:
// row groups per file, footers, statistics), oneshot ÷ daily (what the
// per-partition layout's file count costs) and grown ÷ daily and drained ÷
// daily (the ratio, target <= 1.2).
func BenchmarkReaderOverAYearOfArchive(b *testing.B) {
	n := envInt("LOADER_BENCH_RECORDS", 200_000)
	runsPerDay := envInt("LOADER_BENCH_RUNS_PER_DAY", 6)
	const keys, days = 20_000, 365
	kc := testKafka(b, envInt("LOADER_BENCH_PARTITIONS", 6))
	emp := kc.Topic(kafkax.Employees)
	// Every key has several rows: kfake compacts a compact,delete topic
	// whenever it likes (it has no min.compaction.lag.ms), which would
	// leave the latest row per key only. This year keeps all its rows.
	cl := &kafka.Client{Transport: testenv.Transport(b), Addr: kafka.TCP(kc.Brokers...), Timeout: 10 * time.Second}
	res, err := cl.AlterConfigs(context.Background(), &kafka.AlterConfigsRequest{Resources: []kafka.AlterConfigRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: emp,
		Configs: []kafka.AlterConfigRequestConfig{{Name: "cleanup.policy", Value: "delete"}, {Name: "retention.ms", Value: "-1"}},
	}}})
	if err == nil {
		for _, e := range res.Errors {
			err = errors.Join(err, e)
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	step := time.Duration(days) * 24 * time.Hour / time.Duration(n)
	batch := make([]kafka.Message, 0, 5000)
	for i := 0; i < n; i++ {
		m := employee(i % keys)
		m.Time = start.Add(time.Duration(i) * step)
		batch = append(batch, m)
		if len(batch) == cap(batch) || i == n-1 {
			produce(b, kc, emp, batch...)
			batch = batch[:0]
		}
	}
	drained := b.TempDir()
	cfg := testConfig()
	cfg.Drain, cfg.RotateRows, cfg.RotateBytes, cfg.FlushInterval = true, 500_000, 64<<20, time.Minute
	cfg.Topics = []string{kafkax.Employees}
	if err := wait(b, runLoader(b, context.Background(), cfg, kc, Options{Archive: localArchive(b, drained)}), 20*time.Minute); err != nil {
		b.Fatal(err)
	}
	grown := b.TempDir()
	growArchive(b, kc, emp, localArchive(b, grown), runsPerDay)

	db := openDuck(b)
	daily := filepath.Join(b.TempDir(), "daily")
	oneshot := filepath.Join(b.TempDir(), "oneshot")
	for _, q := range []string{
		`SET threads = 1`, // one file per partition directory
		fmt.Sprintf(`COPY (SELECT * FROM read_parquet('%s', hive_partitioning=true) ORDER BY _kafka_timestamp)
			TO '%s' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (dt))`, glob(drained, emp), daily),
		fmt.Sprintf(`COPY (SELECT * FROM read_parquet('%s', hive_partitioning=true) ORDER BY _kafka_partition, _kafka_offset)
			TO '%s' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (dt, _kafka_partition))`, glob(drained, emp), oneshot),
		`RESET threads`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	archives := []struct{ name, glob string }{
		{"grown", glob(grown, emp)},
		{"drained", glob(drained, emp)},
		{"oneshot", filepath.Join(oneshot, "*", "*", "*.parquet")},
		{"daily", filepath.Join(daily, "*", "*.parquet")},
	}
	shape := map[string]float64{} // reported after ResetTimer, which drops metrics
	for _, a := range archives {
		files, err := filepath.Glob(a.glob)
		if err != nil {
			b.Fatal(err)
		}
		var rowGroups, rows, distinct int64
		if err := db.QueryRow(fmt.Sprintf(`SELECT sum(num_row_groups), sum(num_rows) FROM parquet_file_metadata('%s')`, a.glob)).Scan(&rowGroups, &rows); err != nil {
			b.Fatal(err)
		}
		if err := db.QueryRow(fmt.Sprintf(`SELECT count(DISTINCT (_kafka_partition, _kafka_offset)) FROM read_parquet('%s', hive_partitioning=true)`, a.glob)).Scan(&distinct); err != nil {
			b.Fatal(err)
		}
		if rows != int64(n) || distinct != int64(n) {
			b.Fatalf("the %s archive holds %d rows, %d distinct offsets; want %d", a.name, rows, distinct, n)
		}
		shape[a.name+"_files"] = float64(len(files))
		shape[a.name+"_rowgroups/file"] = float64(rowGroups) / float64(len(files))
		shape[a.name+"_footer_bytes/file"] = float64(footerBytes(b, files)) / float64(len(files))
	}
	key := fmt.Sprintf("E%011d", 1) // present in every ceil(n/keys)-th stretch
	queries := []struct{ name, sql string }{
		{"timeline", `SELECT count(*), max(_kafka_offset) FROM (SELECT * FROM read_parquet('%s', hive_partitioning=true) WHERE employee_id = '` + key + `' ORDER BY _kafka_timestamp)`},
		{"scan", `SELECT count(*), max(_kafka_offset) FROM (SELECT * FROM read_parquet('%s', hive_partitioning=true) QUALIFY row_number() OVER (PARTITION BY _key ORDER BY _kafka_timestamp DESC) = 1)`},
	}
	best := func(q, g string) (time.Duration, string) {
		var bestT time.Duration
		var res string
		for range 3 {
			t0 := time.Now()
			var c, o int64
			if err := db.QueryRow(fmt.Sprintf(q, g)).Scan(&c, &o); err != nil {
				b.Fatal(err)
			}
			if el := time.Since(t0); bestT == 0 || el < bestT {
				bestT = el
			}
			res = fmt.Sprint(c, o)
		}
		return bestT, res
	}
	b.ResetTimer()
	for range b.N {
		for _, q := range queries {
			t := map[string]float64{}
			var want string
			for _, a := range archives {
				el, res := best(q.sql, a.glob)
				if want == "" {
					want = res
				} else if res != want {
					b.Fatalf("%s: %s over the %s archive, %s over the grown one", q.name, res, a.name, want)
				}
				t[a.name] = el.Seconds()
				b.ReportMetric(el.Seconds(), q.name+"_"+a.name+"_s")
			}
			b.ReportMetric(t["grown"]/t["oneshot"], q.name+"_grown/oneshot")
			b.ReportMetric(t["oneshot"]/t["daily"], q.name+"_oneshot/daily")
			b.ReportMetric(t["grown"]/t["daily"], q.name+"_grown/daily")
			b.ReportMetric(t["drained"]/t["daily"], q.name+"_drained/daily")
		}
	}
	for k, v := range shape {
		b.ReportMetric(v, k)
	}
}

// footerBytes is the total size of the Parquet footers (FileMetaData) of
// files: what a reader fetches and decodes per file before any data.
func footerBytes(b *testing.B, files []string) int64 {
	var total int64
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		fi, err := f.Stat()
		if err != nil {
			b.Fatal(err)
		}
		var tail [8]byte
		if _, err := f.ReadAt(tail[:], fi.Size()-8); err != nil {
			b.Fatal(err)
		}
		f.Close()
		total += int64(tail[0]) | int64(tail[1])<<8 | int64(tail[2])<<16 | int64(tail[3])<<24
	}
	return total
}

// growArchive writes every record of topic into arch the way a loader that
// runs all year does: each partition's rows are published once per slot
// of 24h / runsPerDay of record time (an extractor run's burst, flushed
// after it), through the loader's codec and archive.Partition, and every
// publication after the first of a UTC day grows that day's file.
func growArchive(b *testing.B, kc kafkax.Config, topic string, arch Archive, runsPerDay int) {
	reg, err := schema.Load()
	if err != nil {
		b.Fatal(err)
	}
	c, err := newCodec(reg.Topic(kafkax.Employees), archive.WriterConfig{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	slot := int64(86400 / runsPerDay)
	hwm := highWaterMarks(b, kc, topic)
	for _, p := range slices.Sorted(maps.Keys(hwm)) {
		end := hwm[p]
		if end == 0 {
			continue
		}
		files, err := arch.Recover(ctx, topic, p, -1)
		if err != nil {
			b.Fatal(err)
		}
		spool, err := archive.SpoolFile()
		if err != nil {
			b.Fatal(err)
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(kc.Brokers...),
			kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {int32(p): kgo.NewOffset().At(0)}}))
		if err != nil {
			b.Fatal(err)
		}
		var (
			pool               = newWriterPool(1, 0)
			batch              = c.newBatch()
			first, next, bytes int64
			firstTime          time.Time
		)
		publish := func() {
			if err := spool.Truncate(0); err != nil {
				b.Fatal(err)
			}
			cw := &countingWriter{w: &offsetWriter{f: spool}}
			pw, err := c.newWriter(cw, 0)
			if err != nil {
				b.Fatal(err)
			}
			rows := batch.Len()
			rec := batch.NewRecord()
			err = pw.Write(rec)
			rec.Release()
			if err == nil {
				err = pw.Close()
			}
			if err != nil {
				b.Fatal(err)
			}
			tail := files.Tail()
			grow := tail != nil && day(tail.FirstTime) == day(firstTime)
			_, err = files.Publish(ctx, archive.Part{File: spool, Size: cw.n, FirstOffset: first, FirstTime: firstTime,
				Next: next, Rows: int64(rows), MessageBytes: bytes, Grow: grow, NewWriter: c.rowWriter(pool)})
			if err != nil {
				b.Fatal(err)
			}
			files.Committed(next)
			bytes = 0
		}
		for next < end {
			fs := cl.PollFetches(ctx)
			if err := fs.Err0(); err != nil {
				b.Fatal(err)
			}
			for it := fs.RecordIter(); !it.Done(); {
				rec := it.Next()
				if rec.Offset != next {
					b.Fatalf("partition %d: offset %d after %d", p, rec.Offset, next-1)
				}
				m := kafka.Message{Topic: rec.Topic, Partition: int(rec.Partition), Offset: rec.Offset, Key: rec.Key, Value: rec.Value, Time: rec.Timestamp}
				for _, h := range rec.Headers {
					m.Headers = append(m.Headers, kafka.Header{Key: h.Key, Value: h.Value})
				}
				if batch.Len() > 0 && m.Time.Unix()/slot != firstTime.Unix()/slot {
					publish()
				}
				if batch.Len() == 0 {
					first, firstTime = m.Offset, m.Time
				}
				if err := c.append(batch, &m); err != nil {
					b.Fatal(err)
				}
				bytes += int64(len(m.Value) + len(m.Key))
				next = m.Offset + 1
			}
		}
		publish()
		cl.Close()
		spool.Close()
	}
}

// offsetWriter writes to f from its start, whatever f's offset.
type offsetWriter struct {
	f   *os.File
	off int64
}

func (w *offsetWriter) Write(p []byte) (int, error) {
	n, err := w.f.WriteAt(p, w.off)
	w.off += int64(n)
	return n, err
}
