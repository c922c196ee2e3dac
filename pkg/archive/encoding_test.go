package archive

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestStringEncodingChosenPerFile: with the default configuration, a file's
// first batch decides which string columns keep their dictionary: mostly
// distinct ones (employee_id, _key, _record_hash, _event_id) are PLAIN,
// repeating ones (company_id, first_name, _kafka_topic) dictionary-encoded;
// DictionaryAlways keeps every dictionary, and a batch too small to judge
// keeps them too. DuckDB reads every variant back identically.
func TestStringEncodingChosenPerFile(t *testing.T) {
	rows := makeRows(2000)
	dict := []string{"company_id", "first_name", "_kafka_topic"}
	distinct := []string{"employee_id", "_key", "_record_hash", "_event_id"}
	for _, tc := range []struct {
		name      string
		cfg       WriterConfig
		batchRows int
		plain     []string // want PLAIN data pages, no dictionary
		dict      []string // want a dictionary
	}{
		{"sampled", WriterConfig{}, 1000, distinct, dict},
		{"always", WriterConfig{DictionaryAlways: true}, 1000, nil, slicesConcat(dict, distinct)},
		{"first batch too small", WriterConfig{}, 100, nil, slicesConcat(dict, distinct)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTestFile(t, rows, tc.batchRows, tc.cfg)
			db := openDuckDB(t)
			enc := map[string]string{}
			q := fmt.Sprintf(`SELECT path_in_schema, string_agg(DISTINCT encodings, ',') FROM parquet_metadata('%s') GROUP BY ALL`, path)
			rs, err := db.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			for rs.Next() {
				var col, e string
				if err := rs.Scan(&col, &e); err != nil {
					t.Fatal(err)
				}
				enc[col] = e
			}
			for _, c := range tc.plain {
				if strings.Contains(enc[c], "DICTIONARY") {
					t.Errorf("%s: encodings %q, want PLAIN (mostly distinct values)", c, enc[c])
				}
			}
			for _, c := range tc.dict {
				if !strings.Contains(enc[c], "DICTIONARY") {
					t.Errorf("%s: encodings %q, want a dictionary", c, enc[c])
				}
			}
			var n int
			var ids string
			if err := db.QueryRow(fmt.Sprintf(`SELECT count(*), min(employee_id) || max(employee_id) FROM read_parquet('%s')`, path)).Scan(&n, &ids); err != nil {
				t.Fatal(err)
			}
			if n != len(rows) || ids != rows[0].EmployeeID+rows[len(rows)-1].EmployeeID {
				t.Errorf("read back %d rows, ids %s", n, ids)
			}
		})
	}
}

func slicesConcat(a, b []string) []string { return append(append([]string{}, a...), b...) }

// TestEndRowGroup: EndRowGroup cuts a row group where the caller asks (the
// loader does so to stay within its memory budget) and frees its memory;
// an empty row group is not written.
func TestEndRowGroup(t *testing.T) {
	as := testArrowSchema()
	ps, err := ParquetSchema("employees", as, SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := NewParquetWriter(&buf, as, ps, WriterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	rows := makeRows(90)
	for _, cut := range [][2]int{{0, 10}, {10, 40}, {40, 90}} {
		rec := buildBatch(t, as, rows[cut[0]:cut[1]])
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		if w.RowGroupBytes() <= 0 {
			t.Fatalf("RowGroupBytes = %d after a write", w.RowGroupBytes())
		}
		if err := w.EndRowGroup(); err != nil {
			t.Fatal(err)
		}
		if w.RowGroupBytes() != 0 {
			t.Fatalf("RowGroupBytes = %d after EndRowGroup", w.RowGroupBytes())
		}
		if err := w.EndRowGroup(); err != nil { // nothing to end: no empty group
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for _, rg := range f.RowGroups() {
		sizes = append(sizes, rg.NumRows())
	}
	if fmt.Sprint(sizes) != "[10 30 50]" {
		t.Errorf("row groups %v, want [10 30 50]", sizes)
	}
}
