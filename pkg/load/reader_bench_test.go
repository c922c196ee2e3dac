package load

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// BenchmarkReaderOverAYearOfArchive: a year of changes (LOADER_BENCH_RECORDS
// records, default 200,000, of 20,000 employees, in time order over 365 days)
// archived by the loader on 6 partitions, then two reader queries with
// DuckDB — one key's timeline, and a current-state scan (the latest row per
// key) — over the loader's files and over the same rows rewritten by DuckDB
// as one file per day. Reported: both times and their ratios (target
// <= 1.2), and the file counts.
func BenchmarkReaderOverAYearOfArchive(b *testing.B) {
	n := envInt("LOADER_BENCH_RECORDS", 200_000)
	const keys, days = 20_000, 365
	kc := testKafka(b, 6)
	emp := kc.Topic(kafkax.Employees)
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
	root := b.TempDir()
	cfg := testConfig()
	cfg.Drain, cfg.RotateRows, cfg.RotateBytes, cfg.FlushInterval = true, 500_000, 64<<20, time.Minute
	cfg.Topics = []string{kafkax.Employees}
	if err := wait(b, runLoader(b, context.Background(), cfg, kc, Options{Archive: localArchive(b, root)}), 20*time.Minute); err != nil {
		b.Fatal(err)
	}
	db := openDuck(b)
	daily := filepath.Join(b.TempDir(), "daily")
	if _, err := db.Exec(fmt.Sprintf(`SET threads = 1; COPY (SELECT * FROM read_parquet('%s', hive_partitioning=true) ORDER BY _kafka_timestamp)
		TO '%s' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (dt))`, glob(root, emp), daily)); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`RESET threads`); err != nil {
		b.Fatal(err)
	}
	loaderFiles := len(listFiles(b, root, emp))
	dailyFiles, _ := filepath.Glob(filepath.Join(daily, "*", "*.parquet"))
	key := fmt.Sprintf("E%011d", keys/2)
	queries := map[string]string{
		"timeline": `SELECT count(*), max(_kafka_offset) FROM (SELECT * FROM read_parquet('%s', hive_partitioning=true) WHERE employee_id = '` + key + `' ORDER BY _kafka_timestamp)`,
		"scan":     `SELECT count(*), max(_kafka_offset) FROM (SELECT * FROM read_parquet('%s', hive_partitioning=true) QUALIFY row_number() OVER (PARTITION BY _key ORDER BY _kafka_timestamp DESC) = 1)`,
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
			res = fmt.Sprint(c)
		}
		return bestT, res
	}
	b.ResetTimer()
	for range b.N {
		for name, q := range queries {
			lt, lr := best(q, glob(root, emp))
			dt, dr := best(q, filepath.Join(daily, "*", "*.parquet"))
			if lr != dr {
				b.Fatalf("%s: %s rows over the loader's files, %s over the daily files", name, lr, dr)
			}
			b.ReportMetric(lt.Seconds(), name+"_loader_s")
			b.ReportMetric(dt.Seconds(), name+"_daily_s")
			b.ReportMetric(lt.Seconds()/dt.Seconds(), name+"_ratio")
		}
	}
	b.ReportMetric(float64(loaderFiles), "loader_files")
	b.ReportMetric(float64(len(dailyFiles)), "daily_files")
}
