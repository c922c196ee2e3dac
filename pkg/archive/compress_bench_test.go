package archive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
)

// realisticRows makes rows whose _raw looks like a UKG employment record
// (about 2 KB of JSON with the API's field names and plausible values), so
// compression numbers mean something.
func realisticRows(n int, seed uint64) []testRow {
	r := rand.New(rand.NewPCG(seed, 1))
	first := []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "José", "Zoë", "Łukasz", "Aiko", "Chen", "Fatima"}
	last := []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernández", "O'Brien", "Nguyen", "Kowalski"}
	jobs := []string{"ACCT1", "ENGR2", "SLSREP", "MGR3", "HRGEN", "CSR1", "WHSE2", "DRV1"}
	statuses := []string{"A", "A", "A", "A", "T", "L"}
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rows := make([]testRow, n)
	for i := range rows {
		emp := fmt.Sprintf("%08X", r.Uint32())
		comp := fmt.Sprintf("C%04d", r.IntN(5))
		hire := time.Date(1990+r.IntN(35), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		salary := int64(3_000_000 + r.IntN(20_000_000))
		rec := map[string]any{
			"companyID": comp, "employeeID": emp, "employeeNumber": fmt.Sprintf("%06d", r.IntN(999999)),
			"firstName": first[r.IntN(len(first))], "lastName": last[r.IntN(len(last))],
			"employeeStatusCode": statuses[r.IntN(len(statuses))], "jobCode": jobs[r.IntN(len(jobs))],
			"jobTitle": "Senior " + jobs[r.IntN(len(jobs))] + " Specialist", "fullTimeOrPartTimeCode": "F",
			"orgLevel1Code": fmt.Sprintf("ORG%d", r.IntN(10)), "orgLevel2Code": fmt.Sprintf("DEPT%02d", r.IntN(40)),
			"orgLevel3Code": fmt.Sprintf("CC%03d", r.IntN(300)), "orgLevel4Code": nil,
			"originalHireDate": hire.Format("2006-01-02T15:04:05"), "lastHireDate": hire.AddDate(0, 0, r.IntN(900)).Format("2006-01-02T15:04:05"),
			"dateOfTermination": nil, "dateInJob": hire.AddDate(0, r.IntN(60), 0).Format("2006-01-02T15:04:05"),
			"supervisorID": fmt.Sprintf("%08X", r.Uint32()), "supervisorFirstName": first[r.IntN(len(first))], "supervisorLastName": last[r.IntN(len(last))],
			"annualSalary": float64(salary) / 100, "hourlyPayRate": float64(salary) / 100 / 2080, "payGroup": fmt.Sprintf("PG%d", r.IntN(4)),
			"salaryOrHourly": "S", "scheduledWorkHours": 40.0, "weeklyHours": 40.0, "payPeriodPayRate": float64(salary) / 100 / 26,
			"workLocationCode": fmt.Sprintf("LOC%03d", r.IntN(80)), "workPhoneNumber": fmt.Sprintf("555%07d", r.IntN(9999999)),
			"dateTimeCreated": base.Add(-time.Duration(r.IntN(1e6)) * time.Minute).Format(time.RFC3339Nano),
			"dateTimeChanged": base.Add(-time.Duration(r.IntN(1e5)) * time.Minute).Format(time.RFC3339Nano),
			"isHomeCompany":   true, "isMultipleJob": r.IntN(10) == 0, "leaveReasonCode": nil, "termReason": nil,
			"employeeType": "REG", "deductionGroupCode": "ALL", "earningsGroupCode": "ALL", "shift": "Z",
			"timeclockID": fmt.Sprintf("%d", r.IntN(1e6)), "unionLocal": nil, "unionNational": nil,
			"benefitSeniorityDate": hire.Format("2006-01-02T15:04:05"), "seniorityDate": hire.Format("2006-01-02T15:04:05"),
			"primaryProjectCode": nil, "primaryJobCode": jobs[r.IntN(len(jobs))], "autoAllocate": false, "statusStartDate": hire.Format("2006-01-02T15:04:05"),
			"lastPayDate": "2025-12-31T00:00:00", "nextPerformanceReviewDate": "2026-06-30T00:00:00", "nextSalaryReviewDate": "2026-06-30T00:00:00",
			"jobChangeReasonCode": "MERIT", "isAutopaid": true, "salaryGrade": fmt.Sprintf("G%02d", r.IntN(20)), "mailStop": nil,
			"projectCode": nil, "stepNo": r.IntN(10), "weeklyOrPeriodHours": "W", "clockCode": nil, "positionCode": fmt.Sprintf("POS%05d", r.IntN(20000)),
		}
		raw, _ := json.Marshal(rec)
		rows[i] = testRow{
			EmployeeID: emp, CompanyID: comp, FirstName: ptr(rec["firstName"].(string)), HireDate: &hire,
			Salary: &salary, Rate: salary / 2080, Active: ptr(rec["employeeStatusCode"] == "A"), Hours: ptr(int32(40)),
			Changed: ptr(base.Add(-time.Duration(i) * time.Minute)), Raw: string(raw),
			Offset: int64(i), KafkaTS: base.Add(time.Duration(i) * 3 * time.Millisecond),
		}
	}
	return rows
}

// duckdbSize rewrites a Parquet file with DuckDB's own zstd writer and
// returns the size of DuckDB's file.
func duckdbSize(tb testing.TB, path string) int64 {
	tb.Helper()
	db := openDuckDB(tb)
	out := filepath.Join(tb.TempDir(), "duck.parquet")
	if _, err := db.Exec(fmt.Sprintf(`COPY (SELECT * FROM read_parquet('%s')) TO '%s' (FORMAT parquet, COMPRESSION zstd)`, path, out)); err != nil {
		tb.Fatal(err)
	}
	st, err := os.Stat(out)
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}

type compressVariant struct {
	name string
	cfg  WriterConfig
	raw  encoding.Encoding // nil: the default
}

// writeVariant writes rows with one configuration and returns the file.
func writeVariant(tb testing.TB, rows []testRow, v compressVariant) []byte {
	tb.Helper()
	as := testArrowSchema()
	ps, err := ParquetSchema("employees", as, SchemaOptions{RawEncoding: v.raw})
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := NewParquetWriter(&buf, as, ps, v.cfg)
	if err != nil {
		tb.Fatal(err)
	}
	const batch = 8192
	for start := 0; start < len(rows); start += batch {
		rec := buildBatch(tb, as, rows[start:min(len(rows), start+batch)])
		if err := w.Write(rec); err != nil {
			tb.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkRawCompression writes the same realistic rows with several
// settings and reports each file's size relative to DuckDB's zstd output of
// the same columns (size-vs-duckdb; the target is <= 1.1) and the writer's
// speed. Run: go test -run '^$' -bench RawCompression -benchtime 1x ./pkg/archive
func BenchmarkRawCompression(b *testing.B) {
	rows := realisticRows(50_000, 7)
	var rawBytes int64
	for _, r := range rows {
		rawBytes += int64(len(r.Raw))
	}
	// DuckDB's reference size, from our default file.
	def := writeVariant(b, rows, compressVariant{})
	p := filepath.Join(b.TempDir(), "ours.parquet")
	os.WriteFile(p, def, 0o644)
	duck := duckdbSize(b, p)
	variants := []compressVariant{
		{name: "default"},
		{name: "zstd1", cfg: WriterConfig{ZstdLevel: 1}},
		{name: "zstd2", cfg: WriterConfig{ZstdLevel: 2}},
		{name: "zstd3", cfg: WriterConfig{ZstdLevel: 3}},
		{name: "zstd4", cfg: WriterConfig{ZstdLevel: 4}},
		{name: "page64K", cfg: WriterConfig{PageBytes: 64 << 10}},
		{name: "page256K", cfg: WriterConfig{PageBytes: 256 << 10}},
		{name: "page4M", cfg: WriterConfig{PageBytes: 4 << 20}},
		{name: "zstd1-page4M", cfg: WriterConfig{ZstdLevel: 1, PageBytes: 4 << 20}},
		{name: "zstd2-page4M", cfg: WriterConfig{ZstdLevel: 2, PageBytes: 4 << 20}},
		{name: "zstd2-page8M", cfg: WriterConfig{ZstdLevel: 2, PageBytes: 8 << 20}},
		{name: "zstd3-page2M", cfg: WriterConfig{PageBytes: 2 << 20}},
		{name: "rawPlain", raw: &parquet.Plain},
		{name: "rawDeltaLength", raw: &parquet.DeltaLengthByteArray},
		{name: "rawDict", raw: &parquet.RLEDictionary},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			var size int
			start := time.Now()
			for range b.N {
				size = len(writeVariant(b, rows, v))
			}
			el := time.Since(start)
			b.ReportMetric(float64(size)/float64(duck), "size-vs-duckdb")
			b.ReportMetric(float64(rawBytes)/float64(size), "raw-ratio")
			b.ReportMetric(float64(len(rows)*b.N)/el.Seconds(), "rows/s")
			b.ReportMetric(float64(size), "bytes")
			b.ReportMetric(float64(duck), "duckdb-bytes")
		})
	}
}

// BenchmarkParquetWriter streams realistic 2 KB rows into io.Discard and
// reports rows/s, MB/s of _raw and the peak heap in use, which row groups
// bound. Run: go test -run '^$' -bench ParquetWriter -benchtime 1x ./pkg/archive
func BenchmarkParquetWriter(b *testing.B) {
	for _, rg := range []int64{32 << 20, 64 << 20, 128 << 20} {
		b.Run(fmt.Sprintf("rowgroup%dMiB", rg>>20), func(b *testing.B) { benchmarkParquetWriter(b, WriterConfig{RowGroupBytes: rg}) })
	}
}

func benchmarkParquetWriter(b *testing.B, cfg WriterConfig) {
	const total = 300_000
	rows := realisticRows(16_384, 11)
	as := testArrowSchema()
	batches := []arrow.RecordBatch{
		buildBatch(b, as, rows[:8192]),
		buildBatch(b, as, rows[8192:]),
	}
	var rawBytes int64
	for _, r := range rows {
		rawBytes += int64(len(r.Raw))
	}
	ps, err := ParquetSchema("employees", as, SchemaOptions{})
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseHeap := ms.HeapAlloc
	var peak uint64
	b.ResetTimer()
	for range b.N {
		w, err := NewParquetWriter(io.Discard, as, ps, cfg)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i*8192 < total; i++ {
			if err := w.Write(batches[i%2]); err != nil {
				b.Fatal(err)
			}
			if i%4 == 3 {
				b.StopTimer()
				runtime.GC() // live heap, not garbage awaiting collection
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
				b.StartTimer()
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	el := b.Elapsed()
	written := float64(b.N) * float64((total+8191)/8192*8192)
	b.ReportMetric(written/el.Seconds(), "rows/s")
	b.ReportMetric(written*float64(rawBytes)/float64(len(rows))/el.Seconds()/1e6, "raw-MB/s")
	b.ReportMetric(float64(peak-min(peak, baseHeap))/(1<<20), "peak-live-heap-MiB")
}
