package archive

import (
	"bytes"
	"database/sql"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"
	"github.com/parquet-go/parquet-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// testArrowSchema covers every mapped type, nullable and not.
func testArrowSchema() *arrow.Schema {
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	return arrow.NewSchema([]arrow.Field{
		{Name: "employee_id", Type: arrow.BinaryTypes.String},
		{Name: "company_id", Type: arrow.BinaryTypes.String},
		{Name: "first_name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "hire_date", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "annual_salary", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}, Nullable: true},
		{Name: "hourly_rate", Type: &arrow.Decimal128Type{Precision: 12, Scale: 4}},
		{Name: "is_active", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "weekly_hours", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "date_time_changed", Type: ts, Nullable: true},
		{Name: "_raw", Type: arrow.BinaryTypes.String},
		{Name: "_kafka_topic", Type: arrow.BinaryTypes.String},
		{Name: "_kafka_partition", Type: arrow.PrimitiveTypes.Int32},
		{Name: "_kafka_offset", Type: arrow.PrimitiveTypes.Int64},
		{Name: "_kafka_timestamp", Type: ts},
		{Name: "_key", Type: arrow.BinaryTypes.String},
		{Name: "_record_hash", Type: arrow.BinaryTypes.String},
		{Name: "_event_id", Type: arrow.BinaryTypes.String},
	}, nil)
}

// testRow is one row in Go terms, to compare with what DuckDB returns.
type testRow struct {
	EmployeeID, CompanyID string
	FirstName             *string
	HireDate              *time.Time // midnight UTC
	Salary                *int64     // cents
	Rate                  int64      // 1/10000
	Active                *bool
	Hours                 *int32
	Changed               *time.Time
	Raw                   string
	Offset                int64
	KafkaTS               time.Time
}

func ptr[T any](v T) *T { return &v }

func makeRows(n int) []testRow {
	names := []string{"Zoë", "José", "Łukasz", "李", "O'Brien \"Jr\"", ""}
	base := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	rows := make([]testRow, n)
	for i := range rows {
		r := testRow{
			EmployeeID: fmt.Sprintf("E%06d", i),
			CompanyID:  fmt.Sprintf("C%02d", i%7),
			Rate:       int64(i*37%100000) - 50000, // negatives too
			Offset:     int64(1000 + i),
			KafkaTS:    base.Add(time.Duration(i) * time.Second),
		}
		if i%5 != 0 {
			r.FirstName = ptr(names[i%len(names)])
		}
		if i%4 != 1 {
			r.HireDate = ptr(time.Date(1950+i%90, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC))
		}
		if i%6 != 2 {
			r.Salary = ptr(int64(i)*123456 - 999_999_99) // negative and positive cents
		}
		if i%3 != 0 {
			r.Active = ptr(i%2 == 0)
		}
		if i%7 != 3 {
			r.Hours = ptr(int32(i%60) - 5)
		}
		if i%8 != 4 {
			r.Changed = ptr(base.Add(-time.Duration(i) * time.Hour))
		}
		r.Raw = fmt.Sprintf(`{"employeeId":"E%06d","companyId":"C%02d","firstName":%q,"note":"tab\there, nul-free, emoji 🎉","n":%d}`, i, i%7, names[i%len(names)], i)
		rows[i] = r
	}
	return rows
}

func buildBatch(t testing.TB, schema *arrow.Schema, rows []testRow) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.EmployeeID)
		b.Field(1).(*array.StringBuilder).Append(r.CompanyID)
		if r.FirstName != nil {
			b.Field(2).(*array.StringBuilder).Append(*r.FirstName)
		} else {
			b.Field(2).AppendNull()
		}
		if r.HireDate != nil {
			b.Field(3).(*array.Date32Builder).Append(arrow.Date32FromTime(*r.HireDate))
		} else {
			b.Field(3).AppendNull()
		}
		if r.Salary != nil {
			b.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(*r.Salary))
		} else {
			b.Field(4).AppendNull()
		}
		b.Field(5).(*array.Decimal128Builder).Append(decimal128.FromI64(r.Rate))
		if r.Active != nil {
			b.Field(6).(*array.BooleanBuilder).Append(*r.Active)
		} else {
			b.Field(6).AppendNull()
		}
		if r.Hours != nil {
			b.Field(7).(*array.Int32Builder).Append(*r.Hours)
		} else {
			b.Field(7).AppendNull()
		}
		if r.Changed != nil {
			b.Field(8).(*array.TimestampBuilder).Append(arrow.Timestamp(r.Changed.UnixMicro()))
		} else {
			b.Field(8).AppendNull()
		}
		b.Field(9).(*array.StringBuilder).Append(r.Raw)
		b.Field(10).(*array.StringBuilder).Append("ukgpro.employees")
		b.Field(11).(*array.Int32Builder).Append(3)
		b.Field(12).(*array.Int64Builder).Append(r.Offset)
		b.Field(13).(*array.TimestampBuilder).Append(arrow.Timestamp(r.KafkaTS.UnixMicro()))
		b.Field(14).(*array.StringBuilder).Append(r.CompanyID + "/" + r.EmployeeID)
		b.Field(15).(*array.StringBuilder).Append(fmt.Sprintf("%064x", r.Offset*7919))
		b.Field(16).(*array.StringBuilder).Append(fmt.Sprintf("evt-%d", r.Offset))
	}
	return b.NewRecordBatch()
}

// writeTestFile writes rows in batches of batchRows and returns the path.
func writeTestFile(t testing.TB, rows []testRow, batchRows int, cfg WriterConfig) string {
	t.Helper()
	as := testArrowSchema()
	ps, err := ParquetSchema("employees", as, SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := NewParquetWriter(&buf, as, ps, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for start := 0; start < len(rows); start += batchRows {
		rec := buildBatch(t, as, rows[start:min(len(rows), start+batchRows)])
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Rows() != int64(len(rows)) {
		t.Fatalf("Rows() = %d, want %d", w.Rows(), len(rows))
	}
	p := filepath.Join(t.TempDir(), "f.parquet")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func openDuckDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestParquetDuckDBRoundTrip(t *testing.T) {
	rows := makeRows(3000)
	// Small row groups and pages, so the file has several of each.
	path := writeTestFile(t, rows, 700, WriterConfig{RowGroupRows: 1000, PageBytes: 16 << 10})
	db := openDuckDB(t)

	// Types as DuckDB sees them, in Arrow order.
	q, err := db.Query(fmt.Sprintf(`DESCRIBE SELECT * FROM read_parquet('%s')`, path))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for q.Next() {
		var name, typ string
		var null, key, def, extra sql.NullString
		if err := q.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
			t.Fatal(err)
		}
		got = append(got, name+" "+typ)
	}
	q.Close()
	want := []string{
		"employee_id VARCHAR", "company_id VARCHAR", "first_name VARCHAR", "hire_date DATE",
		"annual_salary DECIMAL(18,2)", "hourly_rate DECIMAL(12,4)", "is_active BOOLEAN",
		"weekly_hours INTEGER", "date_time_changed TIMESTAMP WITH TIME ZONE", "_raw VARCHAR",
		"_kafka_topic VARCHAR", "_kafka_partition INTEGER", "_kafka_offset BIGINT",
		"_kafka_timestamp TIMESTAMP WITH TIME ZONE", "_key VARCHAR", "_record_hash VARCHAR", "_event_id VARCHAR",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("DESCRIBE:\n got %q\nwant %q", got, want)
	}

	// Values, row by row.
	if _, err := db.Exec(`SET TimeZone = 'UTC'`); err != nil {
		t.Fatal(err)
	}
	q, err = db.Query(fmt.Sprintf(`SELECT employee_id, company_id, first_name, hire_date, annual_salary, hourly_rate,
		is_active, weekly_hours, date_time_changed, _raw, _kafka_offset, _kafka_timestamp, _key
		FROM read_parquet('%s') ORDER BY _kafka_offset`, path))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	i := 0
	for ; q.Next(); i++ {
		var (
			emp, comp, raw, key string
			name                sql.NullString
			hire, changed       sql.NullTime
			salary              sql.Null[duckdb.Decimal]
			rate                duckdb.Decimal
			active              sql.NullBool
			hours               sql.NullInt32
			off                 int64
			kts                 time.Time
		)
		if err := q.Scan(&emp, &comp, &name, &hire, &salary, &rate, &active, &hours, &changed, &raw, &off, &kts, &key); err != nil {
			t.Fatal(err)
		}
		r := rows[i]
		check := func(what string, ok bool, got, want any) {
			if !ok {
				t.Errorf("row %d %s = %v, want %v", i, what, got, want)
			}
		}
		check("employee_id", emp == r.EmployeeID, emp, r.EmployeeID)
		check("company_id", comp == r.CompanyID, comp, r.CompanyID)
		check("first_name", name.Valid == (r.FirstName != nil) && (!name.Valid || name.String == *r.FirstName), name, r.FirstName)
		check("hire_date", hire.Valid == (r.HireDate != nil) && (!hire.Valid || hire.Time.Equal(*r.HireDate)), hire, r.HireDate)
		check("annual_salary", salary.Valid == (r.Salary != nil) && (!salary.Valid || salary.V.Scale == 2 && salary.V.Value.Cmp(big.NewInt(*r.Salary)) == 0), salary, r.Salary)
		check("hourly_rate", rate.Scale == 4 && rate.Value.Cmp(big.NewInt(r.Rate)) == 0, rate, r.Rate)
		check("is_active", active.Valid == (r.Active != nil) && (!active.Valid || active.Bool == *r.Active), active, r.Active)
		check("weekly_hours", hours.Valid == (r.Hours != nil) && (!hours.Valid || hours.Int32 == *r.Hours), hours, r.Hours)
		check("date_time_changed", changed.Valid == (r.Changed != nil) && (!changed.Valid || changed.Time.Equal(*r.Changed)), changed, r.Changed)
		check("_raw", raw == r.Raw, raw, r.Raw)
		check("_kafka_offset", off == r.Offset, off, r.Offset)
		check("_kafka_timestamp", kts.Equal(r.KafkaTS), kts, r.KafkaTS)
		check("_key", key == r.CompanyID+"/"+r.EmployeeID, key, r.CompanyID+"/"+r.EmployeeID)
		if t.Failed() {
			t.FailNow()
		}
	}
	if i != len(rows) {
		t.Fatalf("DuckDB read %d rows, want %d", i, len(rows))
	}

	// Filters on statistics-bearing columns give the right counts.
	var n int
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s') WHERE annual_salary < 0`, path)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	wantNeg := 0
	for _, r := range rows {
		if r.Salary != nil && *r.Salary < 0 {
			wantNeg++
		}
	}
	if n != wantNeg {
		t.Errorf("rows with negative salary = %d, want %d", n, wantNeg)
	}
}

func TestParquetMetadata(t *testing.T) {
	rows := makeRows(5000)
	path := writeTestFile(t, rows, 1000, WriterConfig{RowGroupRows: 2000, PageBytes: 8 << 10})
	db := openDuckDB(t)

	// Every column chunk: ZSTD, with min/max statistics (for non-all-null
	// chunks) but _raw's: the bounds of whole JSON documents (kilobytes,
	// twice per row group in the footer) help no reader.
	q, err := db.Query(fmt.Sprintf(`SELECT row_group_id, path_in_schema, compression, stats_min_value IS NOT NULL, stats_max_value IS NOT NULL, stats_null_count
		FROM parquet_metadata('%s')`, path))
	if err != nil {
		t.Fatal(err)
	}
	chunks, groups := 0, map[int64]bool{}
	for q.Next() {
		var rg int64
		var col, comp string
		var hasMin, hasMax bool
		var nulls sql.NullInt64
		if err := q.Scan(&rg, &col, &comp, &hasMin, &hasMax, &nulls); err != nil {
			t.Fatal(err)
		}
		chunks++
		groups[rg] = true
		if comp != "ZSTD" {
			t.Errorf("row group %d %s compression %s, want ZSTD", rg, col, comp)
		}
		if col == RawColumn {
			if hasMin || hasMax {
				t.Errorf("row group %d _raw has min/max statistics", rg)
			}
			continue
		}
		if !hasMin || !hasMax || !nulls.Valid {
			t.Errorf("row group %d %s lacks statistics (min %v max %v nulls %v)", rg, col, hasMin, hasMax, nulls)
		}
	}
	q.Close()
	if len(groups) != 3 || chunks != 3*len(testArrowSchema().Fields()) {
		t.Errorf("%d row groups, %d chunks; want 3 row groups (2000+2000+1000 rows) of %d columns", len(groups), chunks, len(testArrowSchema().Fields()))
	}

	// Page index: parquet-go reads a column index and an offset index for
	// every chunk, with several pages each.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	for _, rg := range pf.RowGroups() {
		for i, cc := range rg.ColumnChunks() {
			ci, err := cc.ColumnIndex()
			if err != nil {
				t.Fatalf("column %d: column index: %v", i, err)
			}
			oi, err := cc.OffsetIndex()
			if err != nil {
				t.Fatalf("column %d: offset index: %v", i, err)
			}
			if ci.NumPages() == 0 || oi.NumPages() != ci.NumPages() {
				t.Errorf("column %d: %d column-index pages, %d offset-index pages", i, ci.NumPages(), oi.NumPages())
			}
		}
	}
	raw, _ := pf.Schema().Lookup("_raw")
	if n := pf.RowGroups()[0].ColumnChunks()[raw.ColumnIndex].(*parquet.FileColumnChunk); n == nil {
		t.Fatal("no _raw chunk")
	}
	if pages := mustOffsetPages(t, pf, raw.ColumnIndex); pages < 10 {
		t.Errorf("_raw has %d pages in row group 0, want many (8 KiB pages)", pages)
	}

	// Bloom filter on employee_id: DuckDB probes it; a present id is never
	// excluded, absent ids are excluded (allowing the filter's false positives).
	probe := func(v string) (excluded int) {
		err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FILTER (WHERE bloom_filter_excludes) FROM parquet_bloom_probe('%s', 'employee_id', '%s')`, path, v)).Scan(&excluded)
		if err != nil {
			t.Fatal(err)
		}
		return excluded
	}
	if ex := probe("E000042"); ex != 2 { // present only in row group 0 of 3
		t.Errorf("bloom probe of E000042 excluded %d row groups, want 2", ex)
	}
	falsePos := 0
	for i := range 100 {
		if probe(fmt.Sprintf("X%06d", i)) != 3 {
			falsePos++
		}
	}
	if falsePos > 5 {
		t.Errorf("%d of 100 absent ids not excluded by the bloom filter", falsePos)
	}
	var bloomCols int
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM parquet_metadata('%s') WHERE bloom_filter_offset IS NOT NULL`, path)).Scan(&bloomCols); err != nil {
		t.Fatal(err)
	}
	if bloomCols != 3 {
		t.Errorf("%d chunks carry a bloom filter, want 3 (employee_id only)", bloomCols)
	}
}

func mustOffsetPages(t *testing.T, pf *parquet.File, col int) int {
	oi, err := pf.RowGroups()[0].ColumnChunks()[col].OffsetIndex()
	if err != nil {
		t.Fatal(err)
	}
	return oi.NumPages()
}

func TestParquetSchemaRejects(t *testing.T) {
	tests := []struct {
		name string
		typ  arrow.DataType
		want string
	}{
		{"ms timestamp", &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, "timestamp[us, tz=UTC]"},
		{"local timestamp", &arrow.TimestampType{Unit: arrow.Microsecond}, "timestamp[us, tz=UTC]"},
		{"wide decimal", &arrow.Decimal128Type{Precision: 20, Scale: 2}, "precision <= 18"},
		{"float32", arrow.PrimitiveTypes.Float32, "no Parquet mapping"},
	}
	for _, tc := range tests {
		_, err := ParquetSchema("x", arrow.NewSchema([]arrow.Field{{Name: "c", Type: tc.typ}}, nil), SchemaOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestParquetWriterRejectsMismatch(t *testing.T) {
	as := testArrowSchema()
	other := arrow.NewSchema([]arrow.Field{{Name: "employee_id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	ps, _ := ParquetSchema("x", other, SchemaOptions{})
	if _, err := NewParquetWriter(&bytes.Buffer{}, as, ps, WriterConfig{}); err == nil {
		t.Fatal("writer accepted a parquet schema without the arrow columns")
	}
	ps, _ = ParquetSchema("x", as, SchemaOptions{})
	w, err := NewParquetWriter(&bytes.Buffer{}, as, ps, WriterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, other)
	b.Field(0).(*array.Int64Builder).Append(1)
	if err := w.Write(b.NewRecordBatch()); err == nil {
		t.Fatal("writer accepted a batch of another schema")
	}
}

// TestParquetFloat64RoundTrip writes DOUBLE columns (nullable and not) with
// row groups cut by bytes in the middle of batches, and reads them back
// with DuckDB: same values, same nulls, one row group per byte budget.
func TestParquetFloat64RoundTrip(t *testing.T) {
	as := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "fte", Type: arrow.PrimitiveTypes.Float64},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "_raw", Type: arrow.BinaryTypes.String},
	}, nil)
	ps, err := ParquetSchema("people", as, SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const n, batch = 5000, 1300
	fte := func(i int) float64 { return float64(i%97)/7 - 3.25 }
	score := func(i int) (float64, bool) { return float64(i) * 1e-3, i%3 != 1 }
	raw := func(i int) string { return fmt.Sprintf(`{"id":%d,"pad":"%s"}`, i, strings.Repeat("x", i%50)) }
	var buf bytes.Buffer
	// About 60 bytes per row: a 64 KiB budget cuts row groups mid-batch.
	w, err := NewParquetWriter(&buf, as, ps, WriterConfig{RowGroupBytes: 64 << 10, PageBytes: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	var rawBytes int64
	for start := 0; start < n; start += batch {
		b := array.NewRecordBuilder(memory.DefaultAllocator, as)
		for i := start; i < min(n, start+batch); i++ {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.Float64Builder).Append(fte(i))
			if v, ok := score(i); ok {
				b.Field(2).(*array.Float64Builder).Append(v)
			} else {
				b.Field(2).AppendNull()
			}
			b.Field(3).(*array.StringBuilder).Append(raw(i))
			rawBytes += int64(len(raw(i)))
		}
		rec := b.NewRecordBatch()
		b.Release()
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "f.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	pf, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	total := rawBytes + n*(8+8+8)
	if got, lo := len(pf.RowGroups()), int(total/(64<<10)); got < lo || got > lo+1 {
		t.Errorf("row groups = %d, want %d or %d for %d bytes in 64 KiB groups", got, lo, lo+1, total)
	}

	db := openDuckDB(t)
	var typ string
	if err := db.QueryRow(fmt.Sprintf(`SELECT typeof(fte) || ' ' || typeof(score) FROM read_parquet('%s') LIMIT 1`, path)).Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if typ != "DOUBLE DOUBLE" {
		t.Errorf("types = %q, want DOUBLE DOUBLE", typ)
	}
	q, err := db.Query(fmt.Sprintf(`SELECT id, fte, score, _raw FROM read_parquet('%s') ORDER BY id`, path))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	i := 0
	for ; q.Next(); i++ {
		var id int64
		var f float64
		var sc sql.NullFloat64
		var r string
		if err := q.Scan(&id, &f, &sc, &r); err != nil {
			t.Fatal(err)
		}
		wantScore, valid := score(i)
		if id != int64(i) || f != fte(i) || sc.Valid != valid || valid && sc.Float64 != wantScore || r != raw(i) {
			t.Fatalf("row %d = (%d, %v, %v, %q), want (%d, %v, %v/%v, %q)", i, id, f, sc, r, i, fte(i), wantScore, valid, raw(i))
		}
	}
	if i != n {
		t.Fatalf("DuckDB read %d rows, want %d", i, n)
	}
}

// TestParquetSchemaCoversEveryTopic: every topic schema of the registry
// maps to Parquet (the loader has no other writer), and the people topic's
// float columns are DOUBLE.
func TestParquetSchemaCoversEveryTopic(t *testing.T) {
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	doubles := 0
	for _, name := range reg.Names() {
		as := reg.Topic(name).ArrowSchema()
		ps, err := ParquetSchema(name, as, SchemaOptions{})
		if err != nil {
			t.Errorf("topic %s: %v", name, err)
			continue
		}
		if _, err := NewParquetWriter(&bytes.Buffer{}, as, ps, WriterConfig{}); err != nil {
			t.Errorf("topic %s: %v", name, err)
		}
		for _, f := range as.Fields() {
			if f.Type.ID() != arrow.FLOAT64 {
				continue
			}
			doubles++
			if l, _ := ps.Lookup(f.Name); l.Node.Type().Kind() != parquet.Double {
				t.Errorf("topic %s column %s: parquet %s, want DOUBLE", name, f.Name, l.Node.Type())
			}
		}
	}
	if doubles == 0 {
		t.Error("no topic has a float64 column; the DOUBLE mapping is untested here")
	}
}
