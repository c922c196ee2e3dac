package schema

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/schemas"
)

// writeParquet writes one record batch as a Parquet file with the writer
// and the schema function the loader uses (archive.ParquetWriter,
// archive.ParquetSchema).
func writeParquet(t *testing.T, s *Schema, rec arrow.RecordBatch, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := archiveWriter(f, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// archiveWriter is the loader's Parquet writer of s's archive on w.
func archiveWriter(w io.Writer, s *Schema) (*archive.ParquetWriter, error) {
	as := s.ArrowSchema()
	ps, err := archive.ParquetSchema(s.Name, as, archive.SchemaOptions{})
	if err != nil {
		return nil, err
	}
	return archive.NewParquetWriter(w, as, ps, archive.WriterConfig{})
}

// duckType is what DuckDB's DESCRIBE must show for an x-type, stated
// independently of the package's DDL code.
func duckType(xtype string) string {
	switch xtype {
	case "string", "json":
		return "VARCHAR"
	case "int":
		return "BIGINT"
	case "bool":
		return "BOOLEAN"
	case "date":
		return "DATE"
	case "timestamp":
		return "TIMESTAMP WITH TIME ZONE"
	case "double":
		return "DOUBLE"
	}
	return strings.ToUpper(xtype)
}

func openDuck(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	return db
}

// A Parquet file written from the derived schema is read by DuckDB with the
// declared types, for every topic, and the values round-trip.
func TestDuckDBReadsDerivedParquet(t *testing.T) {
	db := openDuck(t)
	dir := t.TempDir()
	reg := registry(t)
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range reg.Names() {
		s := reg.Topic(n)
		t.Run(n, func(t *testing.T) {
			b := NewBatch(s, nil)
			defer b.Release()
			for i, ex := range s.Examples {
				m := meta(fmt.Sprintf("Q4T9Z/E%d", i))
				m.RecordHash = []byte("h1")
				if s.Opaque {
					m.Headers = headersOf(t, s, ex)
				}
				if err := b.Append(ex, m); err != nil {
					t.Fatal(err)
				}
			}
			if !s.Opaque {
				for i := 0; i < 50; i++ {
					if err := b.Append(fullRecord(s, r), meta("k")); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				// a dead letter whose original value is not UTF-8
				m := meta("k")
				m.Headers = DeadLetter{Reason: "invalid_json", Stage: "loader", OriginTopic: "ukgpro.employees"}.Headers()
				if err := b.Append([]byte{0xff, 0xfe, '{'}, m); err != nil {
					t.Fatal(err)
				}
			}
			rec := b.NewRecord()
			defer rec.Release()
			path := filepath.Join(dir, n, "dt=2024-07-02", n+"+1+00000000000000000007.parquet")
			writeParquet(t, s, rec, path)

			rows, err := db.Query(fmt.Sprintf("DESCRIBE SELECT * FROM read_parquet('%s', hive_partitioning = false)", path))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				var name, typ string
				var null, key, def, extra sql.NullString
				if err := rows.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
					t.Fatal(err)
				}
				got = append(got, name+" "+typ)
			}
			rows.Close()
			var want []string
			for _, c := range fileColumns(t, s) {
				want = append(want, c.column+" "+duckType(c.xtype))
			}
			want = append(want, "_raw VARCHAR", "_kafka_topic VARCHAR", "_kafka_partition INTEGER", "_kafka_offset BIGINT",
				"_kafka_timestamp TIMESTAMP WITH TIME ZONE", "_key VARCHAR", "_record_hash VARCHAR", "_event_id VARCHAR", "_record_id VARCHAR", "_deleted BOOLEAN")
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("DESCRIBE:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			var count int
			if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM read_parquet('%s')", path)).Scan(&count); err != nil || count != int(rec.NumRows()) {
				t.Errorf("count = %d, %v; want %d", count, err, rec.NumRows())
			}
		})
	}

	// Values round-trip (employees example, ukgpro-api.md §7 E2).
	path := filepath.Join(dir, "employees", "dt=2024-07-02", "employees+1+00000000000000000007.parquet")
	var (
		salary, rate, hire, changed, supervisor, raw string
		home                                         bool
		term                                         sql.NullString
		partition                                    int32
		kts                                          time.Time
	)
	err := db.QueryRow(fmt.Sprintf(`SELECT annual_salary::VARCHAR, hourly_pay_rate::VARCHAR, original_hire_date::VARCHAR,
		strftime(date_time_changed, '%%Y-%%m-%%d %%H:%%M:%%S.%%f'), supervisor_id, is_home_company, termination_date::VARCHAR, _raw, _kafka_partition, _kafka_timestamp
		FROM read_parquet('%s') WHERE _key = 'Q4T9Z/E0'`, path)).Scan(&salary, &rate, &hire, &changed, &supervisor, &home, &term, &raw, &partition, &kts)
	if err != nil {
		t.Fatal(err)
	}
	ex := string(topic(t, "employees").Examples[0])
	if salary != "43680.0000" || rate != "21.0000" || hire != "2019-01-07" || changed != "2024-02-16 14:03:11.517000" ||
		supervisor != "B7QW9M0000A1" || !home || term.Valid || raw != ex || partition != 1 || !kts.Equal(meta("").Timestamp) {
		t.Errorf("round trip: salary %s rate %s hire %s changed %s supervisor %s home %v term %v partition %d kts %v raw ok %v",
			salary, rate, hire, changed, supervisor, home, term, partition, kts, raw == ex)
	}
	// The dead letter's undecodable bytes survive in _raw.
	var dlqRaw string
	if err := db.QueryRow(fmt.Sprintf("SELECT _raw FROM read_parquet('%s') WHERE reason = 'invalid_json'",
		filepath.Join(dir, "dlq", "dt=2024-07-02", "dlq+1+00000000000000000007.parquet"))).Scan(&dlqRaw); err != nil {
		t.Fatal(err)
	}
	if b, err := DecodeOpaque(dlqRaw); err != nil || string(b) != "\xff\xfe{" {
		t.Errorf("dlq _raw %q decodes to %q, %v", dlqRaw, b, err)
	}
}

// Schema evolution: a minor version adds an optional field; files of both
// versions read together through the generated DuckDB view (union_by_name).
func TestMinorVersionFilesReadTogether(t *testing.T) {
	v10, err := schemas.FS.ReadFile("employees/v1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	v11 := addProperty(t, v10, "1.1", "badgeColor", `{"type":["string","null"],"x-column":"badge_color","x-type":"string","x-pii":"none"}`)
	reg, err := LoadFS(fstest.MapFS{
		"employees/v1.0.json": {Data: v10},
		"employees/v1.1.json": {Data: v11},
	})
	if err != nil {
		t.Fatal(err)
	}
	vs := reg.Versions("employees")
	if len(vs) != 2 || reg.Topic("employees").Version != (Version{1, 1}) {
		t.Fatalf("versions %v", vs)
	}
	if err := CheckCompatible(vs[0], vs[1]); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i, s := range vs {
		b := NewBatch(s, nil)
		rec := []byte(`{"companyID":"C","employeeID":"E` + fmt.Sprint(i) + `","badgeColor":"green","annualSalary":1.5}`)
		if err := b.Append(rec, meta("C/E")); err != nil {
			t.Fatal(err)
		}
		r := b.NewRecord()
		writeParquet(t, s, r, filepath.Join(dir, fmt.Sprintf("dt=2024-07-0%d", i+1), "employees+0+0.parquet"))
		r.Release()
		b.Release()
	}
	ddl, err := vs[1].DDL("duckdb", "employees", dir)
	if err != nil {
		t.Fatal(err)
	}
	db := openDuck(t)
	if _, err := db.Exec(ddl); err != nil {
		t.Fatalf("%v\n%s", err, ddl)
	}
	rows, err := db.Query("SELECT employee_id, badge_color, annual_salary::VARCHAR, dt::VARCHAR FROM employees ORDER BY employee_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, sal, dt string
		var badge sql.NullString
		if err := rows.Scan(&id, &badge, &sal, &dt); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %v %s %s", id, badge.String, sal, dt))
	}
	// v1.0 archived the unknown badgeColor only in _raw; v1.1 has the column.
	want := "E0  1.5000 2024-07-01|E1 green 1.5000 2024-07-02"
	if strings.Join(got, "|") != want {
		t.Errorf("rows %q, want %q", strings.Join(got, "|"), want)
	}
}

// addProperty returns a copy of a schema document with one more property and
// another version (test helper; real versions are files in schemas/).
func addProperty(t testing.TB, doc []byte, version, name, prop string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	m["x-version"] = json.RawMessage(`"` + version + `"`)
	props := string(m["properties"])
	i := strings.LastIndex(props, "}")
	m["properties"] = json.RawMessage(props[:i] + `,"` + name + `":` + prop + "}")
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
