package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
)

// writeSegments appends one complete Parquet file per range of offsets to
// a spool file, all with one reused writer (as the loader's writer pool
// does), in row groups of at most rowGroupRows rows, and returns where
// each lies. Each row's _raw is rawBytes of random hex; pages are 4 KiB.
func writeSegments(t *testing.T, ranges [][2]int64, rowGroupRows int64, rawBytes int) (io.ReaderAt, []Segment) {
	t.Helper()
	as, ps, f := growSpool(t)
	w, err := NewParquetWriter(io.Discard, as, ps, WriterConfig{RowGroupRows: rowGroupRows, PageBytes: 4 << 10, SchemaAsGiven: true}.WithSharedEncoders())
	if err != nil {
		t.Fatal(err)
	}
	var segs []Segment
	var end int64
	for _, r := range ranges {
		cw := &countWriter{w: io.NewOffsetWriter(f, end)}
		w.Reset(cw)
		rec := growRows(as, r[0], r[1], rawBytes)
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		segs = append(segs, Segment{Offset: end, Size: cw.n})
		end += cw.n
	}
	return f, segs
}

// readJoined reads a joined file whole through ReadAt, in odd-sized reads
// that cross its pieces.
func readJoined(t *testing.T, j *JoinedParquet) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, 777)
	for off := int64(0); ; {
		n, err := j.ReadAt(buf, off)
		out = append(out, buf[:n]...)
		off += int64(n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if int64(len(out)) != j.Size() {
		t.Fatalf("read %d bytes, Size() = %d", len(out), j.Size())
	}
	return out
}

// duckOffsets writes b to a file and returns, as DuckDB reads it, its
// _kafka_offset values in file order and its row group count; it checks
// that the bloom filter of the last row's id finds it in one row group.
func duckOffsets(t *testing.T, b []byte) ([]int64, int) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "joined.parquet")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	db := openDuckDB(t)
	rows, err := db.Query(fmt.Sprintf(`SELECT _kafka_offset, employee_id, length(_raw) FROM read_parquet('%s', file_row_number=true) ORDER BY file_row_number`, p))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var offs []int64
	for rows.Next() {
		var o int64
		var id string
		var n int
		if err := rows.Scan(&o, &id, &n); err != nil {
			t.Fatal(err)
		}
		if id != fmt.Sprintf("E%05d", o) || n != 40 {
			t.Fatalf("row of offset %d: id %q, _raw of %d bytes", o, id, n)
		}
		offs = append(offs, o)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var groups int
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('%s')`, p)).Scan(&groups); err != nil {
		t.Fatal(err)
	}
	var kept int
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FILTER (NOT bloom_filter_excludes) FROM parquet_bloom_probe('%s', 'employee_id', 'E%05d')`, p, offs[len(offs)-1])).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if kept != 1 {
		t.Errorf("bloom filters: the last id probes as present in %d row groups, want 1", kept)
	}
	return offs, groups
}

// TestJoinParquetSegments: segments written one after the other in a
// spool file by one reused writer join into one file that DuckDB reads
// whole (every row once, in order, with the segments' row groups and
// bloom filters), and whose offset indexes parquet-go follows to every
// page.
func TestJoinParquetSegments(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ranges [][2]int64
		rg     int64 // rows per row group within a segment
		groups int
		pages  int // at least, of _kafka_offset
	}{
		{"one segment", [][2]int64{{0, 10}}, 100, 1, 1},
		{"three segments", [][2]int64{{0, 10}, {10, 13}, {13, 30}}, 100, 3, 3},
		{"one-row segments", [][2]int64{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}}, 100, 5, 5},
		{"segments of several row groups", [][2]int64{{0, 10}, {10, 13}, {13, 30}}, 4, 3 + 1 + 5, 9},
		{"many pages per chunk", [][2]int64{{0, 2000}, {2000, 2500}}, 10000, 2, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, segs := writeSegments(t, tc.ranges, tc.rg, 40)
			j, err := JoinParquet(r, segs)
			if err != nil {
				t.Fatal(err)
			}
			last := tc.ranges[len(tc.ranges)-1][1]
			if j.RowGroups() != tc.groups || j.Rows() != last {
				t.Fatalf("joined: %d row groups, %d rows; want %d, %d", j.RowGroups(), j.Rows(), tc.groups, last)
			}
			b := readJoined(t, j)
			offs, groups := duckOffsets(t, b)
			if !slices.Equal(offs, span(0, last)) {
				t.Fatalf("DuckDB read offsets %v, want 0..%d once each in order", offs, last-1)
			}
			if groups != tc.groups {
				t.Errorf("DuckDB sees %d row groups, want %d", groups, tc.groups)
			}
			pf, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			pagesRead := 0
			for _, rg := range pf.RowGroups() {
				col := rg.ColumnChunks()[2]
				oi, err := col.OffsetIndex()
				if err != nil {
					t.Fatal(err)
				}
				pages := col.Pages()
				for i := range oi.NumPages() {
					// Each page where the offset index says it is.
					if err := pages.SeekToRow(oi.FirstRowIndex(i)); err != nil {
						t.Fatal(err)
					}
					pg, err := pages.ReadPage()
					if err != nil {
						t.Fatalf("page %d: %v", i, err)
					}
					vals := make([]parquet.Value, pg.NumValues())
					n, _ := pg.Values().ReadValues(vals)
					for _, v := range vals[:n] {
						got = append(got, v.Int64())
					}
					parquet.Release(pg)
					pagesRead++
				}
				pages.Close()
			}
			if !slices.Equal(got, span(0, last)) {
				t.Fatalf("parquet-go read %d offsets through the offset indexes, want %d in order", len(got), last)
			}
			if pagesRead < tc.pages {
				t.Errorf("%d pages of _kafka_offset, want at least %d", pagesRead, tc.pages)
			}
		})
	}
}

// TestJoinedFileGrowsAndCutsBack: a joined file can be grown by another
// joined file (the loader's growth of the day's file) and cut back to its
// own row groups (recovery from a growth that was not committed), as a
// file written in one go can.
func TestJoinedFileGrowsAndCutsBack(t *testing.T) {
	ra, sa := writeSegments(t, [][2]int64{{0, 5}, {5, 9}}, 100, 40)
	rb, sb := writeSegments(t, [][2]int64{{9, 12}, {12, 20}, {20, 21}}, 100, 40)
	a, err := JoinParquet(ra, sa)
	if err != nil {
		t.Fatal(err)
	}
	b, err := JoinParquet(rb, sb)
	if err != nil {
		t.Fatal(err)
	}
	var grown, cut bytes.Buffer
	groups, err := spliceParquet(&grown, a, a.Size(), b, b.Size())
	if err != nil {
		t.Fatal(err)
	}
	offs, n := duckOffsets(t, grown.Bytes())
	if !slices.Equal(offs, span(0, 21)) || n != 5 {
		t.Fatalf("grown file: offsets %v in %d row groups, want 0..20 in 5", offs, n)
	}
	if err := truncateParquet(&cut, bytes.NewReader(grown.Bytes()), int64(grown.Len()), groups, ""); err != nil {
		t.Fatal(err)
	}
	base := readJoined(t, a)
	_, start, _ := parquetFooter(bytes.NewReader(base), int64(len(base)))
	if !bytes.HasPrefix(cut.Bytes(), base[:start]) {
		t.Fatal("the file cut back does not start with the joined file's bytes")
	}
	if offs, n := duckOffsets(t, cut.Bytes()); !slices.Equal(offs, span(0, 9)) || n != 2 {
		t.Fatalf("file cut back: offsets %v in %d row groups, want 0..8 in 2", offs, n)
	}
}

// TestJoinParquetRefuses: segments of different schemas, a corrupt
// segment and no segments are errors, never a file.
func TestJoinParquetRefuses(t *testing.T) {
	r, segs := writeSegments(t, [][2]int64{{0, 5}, {5, 9}}, 100, 40)
	if _, err := JoinParquet(r, nil); err == nil {
		t.Error("joined no segments")
	}
	bad := []Segment{segs[0], {Offset: segs[1].Offset + 1, Size: segs[1].Size - 1}}
	if _, err := JoinParquet(r, bad); err == nil {
		t.Error("joined a corrupt segment")
	}
	// A segment with one more column (a newer schema version) cannot join.
	f, err := SpoolFile()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var end int64
	var mixed []Segment
	wider := arrow.NewSchema(append(growSchema().Fields(), arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true}), nil)
	for _, as := range []*arrow.Schema{growSchema(), wider} {
		ps, err := ParquetSchema("employees", as, SchemaOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cw := &countWriter{w: io.NewOffsetWriter(f, end)}
		w, err := NewParquetWriter(cw, as, ps, WriterConfig{SchemaAsGiven: true})
		if err != nil {
			t.Fatal(err)
		}
		b := array.NewRecordBuilder(memory.DefaultAllocator, as)
		b.Field(0).(*array.StringBuilder).Append("E1")
		b.Field(1).(*array.StringBuilder).Append("{}")
		b.Field(2).(*array.Int64Builder).Append(1)
		if as == wider {
			b.Field(3).(*array.Int64Builder).Append(1)
		}
		rec := b.NewRecordBatch()
		b.Release()
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		mixed = append(mixed, Segment{Offset: end, Size: cw.n})
		end += cw.n
	}
	if _, err := JoinParquet(f, mixed); !errors.Is(err, errSchemaChanged) {
		t.Errorf("joining segments of two schemas: %v, want errSchemaChanged", err)
	}
}
