package audit_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go"
	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/audit"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// benchLayout is how the loader lays a year of runs out in files.
type benchLayout struct {
	name string
	// runsPerFile: 0 = one file per (topic, partition, UTC day) however
	// many runs wrote to it (the loader's layout since decision 0047);
	// 1 = one file per (topic, partition, run) (the earlier loader: ~30
	// small files per incremental run).
	runsPerFile int
}

// benchArchive writes (once, cached under the temp directory) an archive of
// employees employees with a year of history as the loader lays it out for
// EXTRACTOR_INTERVAL=interval runs: a baseline day, then every run the
// changes of a workforce at ~3% changes a month (a job-history row, the
// employment and compensation versions and a lifecycle event per change,
// some person changes), 6 partitions per topic, keys partitioned by
// murmur2 like the extractor. Files are written by the loader's own codec
// (schema.Batch → archive.ParquetSchema/ParquetWriter, the loader's one path: zstd, statistics,
// employee_id bloom filter).
func benchArchive(b *testing.B, employees int, interval time.Duration, layout benchLayout) string {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("ukgpro-audit-bench-v1-%d-%s-%s", employees, interval, layout.name))
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	start := time.Now()
	reg, err := schema.Load()
	if err != nil {
		b.Fatal(err)
	}
	topics := []string{"employees", "people", "compensation", "job-history", "lifecycle"}
	type writerSchemas struct {
		s  *schema.Schema
		as *arrow.Schema
		ps *parquet.Schema
	}
	codecs := map[string]writerSchemas{}
	mem := schema.NewPoolAllocator(0)
	for _, t := range topics {
		s := reg.Topic(t)
		as := s.ArrowSchema()
		ps, err := archive.ParquetSchema(s.Name, as, archive.SchemaOptions{})
		if err != nil {
			b.Fatal(err)
		}
		codecs[t] = writerSchemas{s, as, ps}
	}
	type fileKey struct {
		topic string
		part  int
	}
	pending := map[fileKey][]kafka.Message{}
	offsets := map[fileKey]int64{}
	files := 0
	flush := func() {
		for fk, msgs := range pending {
			if len(msgs) == 0 {
				continue
			}
			key := archive.FileKey("ukgpro."+fk.topic, fk.part, msgs[0].Offset, msgs[0].Time)
			path := filepath.Join(dir, filepath.FromSlash(key))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				b.Fatal(err)
			}
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			c := codecs[fk.topic]
			pw, err := archive.NewParquetWriter(f, c.as, c.ps, archive.WriterConfig{})
			if err != nil {
				b.Fatal(err)
			}
			batch := schema.NewBatch(c.s, mem)
			for i := range msgs {
				m := &msgs[i]
				if err := batch.Append(m.Value, schema.Meta{Topic: m.Topic, Partition: int32(m.Partition), Offset: m.Offset,
					Timestamp: m.Time, Key: m.Key, RecordHash: m.Headers[1].Value, EventID: m.Headers[0].Value}); err != nil {
					b.Fatal(err)
				}
			}
			rec := batch.NewRecord()
			err = pw.Write(rec)
			rec.Release()
			if err != nil {
				b.Fatal(err)
			}
			if err := pw.Close(); err != nil {
				b.Fatal(err)
			}
			if err := f.Close(); err != nil {
				b.Fatal(err)
			}
			files++
			delete(pending, fk)
		}
	}
	bal := &kafka.Murmur2Balancer{}
	partsList := []int{0, 1, 2, 3, 4, 5}
	keys := make([]string, employees)
	partOf := make([]int, employees)
	for i := range keys {
		keys[i] = fmt.Sprintf("C%04d/E%011d", 1+i%3, i)
		partOf[i] = bal.Balance(kafka.Message{Key: []byte(keys[i])}, partsList...)
	}
	emit := func(topic string, e int, at time.Time, value string) {
		fk := fileKey{topic, partOf[e]}
		off := offsets[fk]
		offsets[fk]++
		pending[fk] = append(pending[fk], kafka.Message{Topic: "ukgpro." + topic, Partition: fk.part, Offset: off, Time: at,
			Key: []byte(keys[e]), Value: []byte(value), Headers: []kafka.Header{
				{Key: "ce_id", Value: []byte(fmt.Sprintf("%s-%d-%d", topic, fk.part, off))},
				{Key: "ukg_record_hash", Value: []byte(strconv.FormatUint(rand.Uint64(), 16))}}})
	}
	r := rand.New(rand.NewPCG(14, 2026))
	salary := make([]int64, employees)
	jobs := make([]int, employees)
	seq := 0
	day0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	stamp := func(t time.Time) string { return t.Format("2006-01-02T15:04:05.000") }
	emp := func(e int, at time.Time, status string) {
		co, id := keys[e][:5], keys[e][6:]
		emit("employees", e, at, fmt.Sprintf(`{"companyID":%q,"employeeID":%q,"employeeNumber":"%06d","employeeStatusCode":%q,"primaryJobCode":"J%03d","orgLevel1Code":"OPS","orgLevel2Code":"D%02d","jobTitle":"Job title %d","workPhoneNumber":"555%07d","annualSalary":%d.00,"hourlyPayRate":%.4f,"originalHireDate":"2019-03-%02dT00:00:00","lastHireDate":"2019-03-%02dT00:00:00","employeeStatusStartDate":%q,"dateTimeChanged":%q,"fullTimeOrPartTimeCode":"F","payGroupCode":"BW","salaryOrHourly":"S","scheduledAnnualHours":2080}`,
			co, id, e, status, jobs[e], e%40, jobs[e], e, salary[e], float64(salary[e])/2080, 1+e%28, 1+e%28, at.Format(time.DateOnly)+"T00:00:00", stamp(at)))
		emit("compensation", e, at, fmt.Sprintf(`{"companyID":%q,"employeeID":%q,"annualSalary":%d.00,"hourlyPayRate":%.4f,"primaryJobCode":"J%03d","payGroupCode":"BW","currencyCode":"USD"}`,
			co, id, salary[e], float64(salary[e])/2080, jobs[e]))
	}
	hist := func(e int, at time.Time, eff time.Time) {
		seq++
		co, id := keys[e][:5], keys[e][6:]
		emit("job-history", e, at, fmt.Sprintf(`{"companyId":%q,"employeeId":%q,"systemId":"S%011d","jobCode":"J%03d","employeeStatus":"A","annualSalary":%d.00,"hourlyPayRate":%.4f,"jobEffectiveDate":%q,"dateTimeCreated":%q,"orgLevel1Code":"OPS","reasonCode":"200","isRateChange":true}`,
			co, id, seq, jobs[e], salary[e], float64(salary[e])/2080, eff.Format(time.DateOnly)+"T00:00:00", stamp(at)))
	}
	// Baseline: the first run writes every record.
	for e := range employees {
		salary[e], jobs[e] = 40000+int64(r.IntN(60000)), r.IntN(200)
		at := day0.Add(time.Duration(e) * time.Millisecond)
		emp(e, at, "A")
		emit("people", e, at, fmt.Sprintf(`{"companyId":%q,"employeeId":%q,"firstName":"First%d","lastName":"Last%d","emailAddress":"e%d@example.com","dateTimeChanged":%q}`,
			keys[e][:5], keys[e][6:], e, e, e, stamp(at)))
		for k := range 2 + e%3 {
			hist(e, at, day0.AddDate(-3+k, 0, 0))
		}
	}
	flush()
	runs := int(24 * time.Hour / interval)
	perRun := max(1, employees/1000/runs) // ~3% of the workforce a month
	for d := 1; d <= 365; d++ {
		for run := range runs {
			at := day0.AddDate(0, 0, d).Add(time.Duration(run) * interval)
			for range perRun {
				e := r.IntN(employees)
				salary[e] += int64(500 + r.IntN(3000))
				if r.IntN(3) == 0 {
					jobs[e] = r.IntN(200)
				}
				hist(e, at, at.Truncate(24*time.Hour))
				emp(e, at, "A")
				emit("lifecycle", e, at, fmt.Sprintf(`{"event":"employee.compensation_changed","companyId":%q,"employeeId":%q,"key":%q,"effectiveDate":%q,"changes":[{"field":"annualSalary","before":1,"after":2}],"sources":["x"],"detectedAt":%q,"runId":"r%d"}`,
					keys[e][:5], keys[e][6:], keys[e], at.Format(time.DateOnly), at.Format(time.RFC3339), d*runs+run))
			}
			if r.IntN(2) == 0 {
				e := r.IntN(employees)
				emit("people", e, at, fmt.Sprintf(`{"companyId":%q,"employeeId":%q,"firstName":"First%d","lastName":"Changed%d","dateTimeChanged":%q}`,
					keys[e][:5], keys[e][6:], e, d, stamp(at)))
			}
			if layout.runsPerFile == 1 {
				flush()
			}
		}
		flush()
	}
	if err := os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %s: %d employees, %d files in %s", dir, employees, files, time.Since(start).Round(time.Second))
	return dir
}

// BenchmarkAudit measures the audit queries over a year of archive of
// AUDIT_BENCH_EMPLOYEES (default 200,000) employees. Metrics: files_opened
// and files_total per query (what pruning left), ms per query (ns/op), and
// history rows/s.
func BenchmarkAudit(b *testing.B) {
	employees := 200000
	if v, err := strconv.Atoi(os.Getenv("AUDIT_BENCH_EMPLOYEES")); err == nil && v > 0 {
		employees = v
	}
	layouts := []benchLayout{{"daily", 0}}
	if os.Getenv("AUDIT_BENCH_OLD_LAYOUT") != "" {
		layouts = append(layouts, benchLayout{"per-run", 1})
	}
	for _, layout := range layouts {
		b.Run("layout="+layout.name, func(b *testing.B) {
			root := benchArchive(b, employees, 4*time.Hour, layout)
			ctx := context.Background()
			cache := b.TempDir()
			open := func(b *testing.B) *audit.Archive {
				a, err := audit.Open(ctx, audit.Config{Archive: archive.Config{Output: root}, TopicPrefix: "ukgpro.", CacheDir: cache}, nil)
				if err != nil {
					b.Fatal(err)
				}
				return a
			}
			key := fmt.Sprintf("C%04d/E%011d", 1+4242%3, 4242)
			mid := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
			// The key index is built once (and then refreshed incrementally).
			t0 := time.Now()
			a := open(b)
			if _, err := a.Timeline(ctx, key); err != nil {
				b.Fatal(err)
			}
			a.Close()
			b.Logf("key index built in %s", time.Since(t0).Round(time.Millisecond))
			// cpu_ms/op is the process's CPU time (Go and DuckDB threads)
			// per query: on a machine shared with other work, wall time
			// (ns/op) measures the contention as much as the query.
			var cpu0 time.Duration
			report := func(b *testing.B, st audit.Stats) {
				b.ReportMetric(float64(st.FilesOpened), "files_opened")
				b.ReportMetric(float64(st.FilesTotal), "files_total")
				b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu_ms/op")
			}
			b.Run("timeline-one", func(b *testing.B) {
				cpu0 = cpuTime()
				var st audit.Stats
				for b.Loop() {
					a := open(b)
					if _, err := a.Timeline(ctx, key); err != nil {
						b.Fatal(err)
					}
					st = a.Stats()
					a.Close()
				}
				report(b, st)
			})
			b.Run("as-of-one", func(b *testing.B) {
				cpu0 = cpuTime()
				var st audit.Stats
				for b.Loop() {
					a := open(b)
					if _, err := a.AsOf(ctx, audit.AsOfQuery{KnownAt: mid, Employee: key}); err != nil {
						b.Fatal(err)
					}
					st = a.Stats()
					a.Close()
				}
				report(b, st)
			})
			b.Run("as-of-all", func(b *testing.B) {
				cpu0 = cpuTime()
				var st audit.Stats
				var rows int
				for b.Loop() {
					a := open(b)
					res, err := a.AsOf(ctx, audit.AsOfQuery{KnownAt: mid})
					if err != nil {
						b.Fatal(err)
					}
					rows = len(res.Rows)
					st = a.Stats()
					a.Close()
				}
				report(b, st)
				b.ReportMetric(float64(rows), "employees")
			})
			b.Run("history-employees", func(b *testing.B) {
				cpu0 = cpuTime()
				out := b.TempDir()
				var rows int64
				for b.Loop() {
					a := open(b)
					res, err := a.History(ctx, "employees", out)
					if err != nil {
						b.Fatal(err)
					}
					rows = res.Rows[0][1].(int64)
					a.Close()
				}
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(rows), "rows")
				report(b, audit.Stats{})
			})
		})
	}
}

// cpuTime is the CPU time (user + system) the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
