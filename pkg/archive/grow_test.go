package archive

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
)

var growDay = time.Date(2026, 4, 2, 8, 0, 0, 0, time.UTC)

// growSchema is a partition's rows as the loader writes them, cut down:
// the offset, an id with a bloom filter, and the raw message.
func growSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "employee_id", Type: arrow.BinaryTypes.String},
		{Name: RawColumn, Type: arrow.BinaryTypes.String},
		{Name: "_kafka_offset", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
}

// growPart writes offsets [from, to) as a Parquet file in a spool file, each
// row's _raw rawBytes long (random hex), in row groups of at most 4 rows.
func growPart(t *testing.T, from, to int64, rawBytes int) Part {
	t.Helper()
	return growPartRows(t, from, to, rawBytes, 4)
}

// growPartRows is growPart with row groups of at most rowGroupRows rows.
func growPartRows(t *testing.T, from, to int64, rawBytes int, rowGroupRows int64) Part {
	t.Helper()
	as, ps, f := growSpool(t)
	cw := &countWriter{w: f}
	w, err := NewParquetWriter(cw, as, ps, WriterConfig{RowGroupRows: rowGroupRows})
	if err != nil {
		t.Fatal(err)
	}
	rec := growRows(as, from, to, rawBytes)
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return Part{File: f, Size: cw.n, FirstOffset: from, FirstTime: growDay.Add(time.Duration(from) * time.Minute),
		Next: to, Rows: to - from, MessageBytes: (to - from) * int64(rawBytes)}
}

// growSpool returns growSchema, its Parquet schema and a spool file closed
// when the test ends.
func growSpool(t *testing.T) (*arrow.Schema, *parquet.Schema, *os.File) {
	t.Helper()
	as := growSchema()
	ps, err := ParquetSchema("employees", as, SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := SpoolFile()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return as, ps, f
}

// growRows is the rows of offsets [from, to) of growSchema: employee ids
// from the offsets, _raw of rawBytes random hex characters (incompressible,
// so sizes are predictable).
func growRows(as *arrow.Schema, from, to int64, rawBytes int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, as)
	defer b.Release()
	raw := make([]byte, rawBytes)
	for off := from; off < to; off++ {
		rand.Read(raw)
		b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("E%05d", off))
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("%x", raw)[:rawBytes])
		b.Field(2).(*array.Int64Builder).Append(off)
	}
	return b.NewRecordBatch()
}

// fileOffsets reads a data file with DuckDB and returns its _kafka_offset
// values in file order, and its row group count.
func fileOffsets(t *testing.T, s Store, key string) ([]int64, int) {
	t.Helper()
	b, err := ReadAll(context.Background(), s, key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "f.parquet")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	db := openDuckDB(t)
	rows, err := db.Query(fmt.Sprintf(`SELECT _kafka_offset FROM read_parquet('%s', file_row_number=true) ORDER BY file_row_number`, p))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var offs []int64
	for rows.Next() {
		var o int64
		if err := rows.Scan(&o); err != nil {
			t.Fatal(err)
		}
		offs = append(offs, o)
	}
	var groups int
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('%s')`, p)).Scan(&groups); err != nil {
		t.Fatal(err)
	}
	// The appended row groups keep their bloom filters and statistics.
	var excluded, kept int
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FILTER (bloom_filter_excludes), count(*) FILTER (NOT bloom_filter_excludes) FROM parquet_bloom_probe('%s', 'employee_id', 'E%05d')`, p, offs[len(offs)-1])).Scan(&excluded, &kept); err != nil {
		t.Fatal(err)
	}
	if kept != 1 {
		t.Errorf("bloom filters: the last id probes as present in %d row groups (%d excluded), want 1", kept, excluded)
	}
	return offs, groups
}

func span(from, to int64) []int64 {
	var out []int64
	for o := from; o < to; o++ {
		out = append(out, o)
	}
	return out
}

// TestGrowAppendsRowGroupsVerbatim: publications of one day grow the first
// file under its name; the old bytes stay a prefix of the new version, and
// DuckDB reads every row once, in offset order, with working bloom filters.
func TestGrowAppendsRowGroupsVerbatim(t *testing.T) {
	for _, be := range allBackends(t) {
		t.Run(be.name, func(t *testing.T) {
			ctx := context.Background()
			s := be.open(t)
			p, _, err := Recover(ctx, s, testTopic, 0, -1)
			if err != nil {
				t.Fatal(err)
			}
			var key string
			var prev []byte
			for i, r := range [][2]int64{{0, 10}, {10, 13}, {13, 30}} {
				part := growPart(t, r[0], r[1], 100)
				part.Grow = i > 0
				pub, err := p.Publish(ctx, part)
				if err != nil {
					t.Fatal(err)
				}
				if pub.Grew != (i > 0) {
					t.Fatalf("publication %d: grew %v", i, pub.Grew)
				}
				if i == 0 {
					key = pub.Key
				} else if pub.Key != key {
					t.Fatalf("growth published %s, want %s", pub.Key, key)
				}
				p.Committed(r[1])
				cur, err := ReadAll(ctx, s, key)
				if err != nil {
					t.Fatal(err)
				}
				if _, start, err := parquetFooter(bytes.NewReader(prev), int64(len(prev))); prev != nil && (err != nil || !bytes.Equal(cur[:start], prev[:start])) {
					t.Fatalf("publication %d: the old file up to its footer is not a prefix of the new one (%v)", i, err)
				}
				prev = cur
				tail := p.Tail()
				if tail == nil || tail.Key != key || tail.Rows != r[1] || tail.Next != r[1] || tail.FirstOffset != 0 || !tail.FirstTime.Equal(growDay) {
					t.Fatalf("tail after publication %d: %+v", i, tail)
				}
			}
			objs, err := s.List(ctx, testTopic+"/")
			if err != nil || len(objs) != 1 {
				t.Fatalf("objects %v (%v), want the one grown file", objs, err)
			}
			offs, groups := fileOffsets(t, s, key)
			if !slices.Equal(offs, span(0, 30)) {
				t.Fatalf("offsets %v, want 0..29 once each in order", offs)
			}
			if groups != 3+1+5 {
				t.Errorf("%d row groups, want 9 (3 + 1 + 5 of at most 4 rows)", groups)
			}
			// A restarted loader finds the same tail and keeps growing it.
			p.Close()
			p2, _, err := Recover(ctx, s, testTopic, 0, 30)
			if err != nil {
				t.Fatal(err)
			}
			if tail := p2.Tail(); tail == nil || tail.Key != key || tail.Rows != 30 || tail.MessageBytes != 3000 {
				t.Fatalf("tail after recovery: %+v", tail)
			}
		})
	}
}

// crashAt returns a hook that fails the next step at point on a data file
// (journal writes pass), once armed is set, and disarms itself.
func crashAt(point Point) (hook Hook, armed *atomic.Bool) {
	armed = new(atomic.Bool)
	return func(_ context.Context, p Point, key string) error {
		if p == point && !strings.HasPrefix(key, "_loader/") && armed.CompareAndSwap(true, false) {
			return errCrash
		}
		return nil
	}, armed
}

// TestGrowthCrashPoints crashes a growth at every point, then recovers from
// the committed offset and re-publishes: the file never keeps rows past the
// committed offset, nothing is left behind, every offset ends up archived
// once. The S3 backends use parts above the multipart threshold, so the
// crash at "part" kills an upload in the middle; the previous object must
// be intact.
func TestGrowthCrashPoints(t *testing.T) {
	points := []Point{PointJournal, PointPart, PointSync, PointPublish, PointPublished, 0} // 0: published, never committed
	for _, be := range allBackends(t) {
		for _, point := range points {
			raw := 100
			if be.name != "local" && point == PointPart {
				raw = 120 << 10 // 60 rows of 120 KiB: more than a 5 MiB part, so a multipart upload
			}
			name := point.String()
			if point == 0 {
				name = "uncommitted"
			}
			t.Run(be.name+"/"+name, func(t *testing.T) {
				ctx := context.Background()
				hook, armed := crashAt(point)
				s := be.open(t, WithHook(hook))
				p, _, err := Recover(ctx, s, testTopic, 0, -1, WithHook(hook))
				if err != nil {
					t.Fatal(err)
				}
				first, err := p.Publish(ctx, growPart(t, 0, 10, raw))
				if err != nil {
					t.Fatal(err)
				}
				p.Committed(10)
				before, err := ReadAll(ctx, s, first.Key)
				if err != nil {
					t.Fatal(err)
				}
				part := growPart(t, 10, 60, raw)
				part.Grow = true
				armed.Store(point != 0)
				_, err = p.Publish(ctx, part)
				switch {
				case point == 0 && err != nil:
					t.Fatal(err)
				case point != 0 && !errors.Is(err, errCrash):
					t.Fatalf("growth = %v, want the crash at %v", err, point)
				}
				if point == PointPart || point == PointSync || point == PointPublish || point == PointJournal {
					// Not replaced: the previous object is intact.
					now, err := ReadAll(ctx, s, first.Key)
					if err != nil || !bytes.Equal(now, before) {
						t.Fatalf("the file changed before its replacement was published (%v)", err)
					}
				}

				// Restart: the group's committed offset is still 10. The
				// crashed process is gone, and its partition lock with it.
				p.Close()
				p, rec, err := Recover(ctx, s, testTopic, 0, 10, WithHook(hook))
				if err != nil {
					t.Fatal(err)
				}
				offs, _ := fileOffsets(t, s, first.Key)
				if !slices.Equal(offs, span(0, 10)) {
					t.Fatalf("after recovery the file holds %v, want 0..9", offs)
				}
				wantCut := point == PointPublished || point == 0
				if got := slices.Contains(rec.Truncated, first.Key); got != wantCut {
					t.Errorf("truncated %v, want %v (recovery %+v)", got, wantCut, rec)
				}
				if k := be.leftovers(t, s, first.Key); k != 0 {
					t.Errorf("%d interrupted writes left after recovery", k)
				}
				again := growPart(t, 10, 60, raw)
				again.Grow = p.Tail() != nil
				if _, err := p.Publish(ctx, again); err != nil {
					t.Fatal(err)
				}
				p.Committed(60)
				if all := archivedOffsets(t, s); !slices.Equal(all, span(0, 60)) {
					t.Fatalf("archive holds %v, want 0..59 exactly once", all)
				}
			})
		}
	}
}

// TestTruncateKeepsTheBytesBeforeTheGrowth: cutting a grown file back gives
// the previous version's bytes up to its footer, and a valid file.
func TestTruncateKeepsTheBytesBeforeTheGrowth(t *testing.T) {
	a, b := growPart(t, 0, 9, 50), growPart(t, 9, 20, 50)
	var grown, cut bytes.Buffer
	base := make([]byte, a.Size)
	if _, err := a.File.ReadAt(base, 0); err != nil {
		t.Fatal(err)
	}
	groups, err := spliceParquet(&grown, a.File, a.Size, b.File, b.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := truncateParquet(&cut, bytes.NewReader(grown.Bytes()), int64(grown.Len()), groups, ""); err != nil {
		t.Fatal(err)
	}
	_, start, _ := parquetFooter(bytes.NewReader(base), int64(len(base)))
	if !bytes.HasPrefix(cut.Bytes(), base[:start]) || cut.Len() > 2*len(base) {
		t.Fatalf("truncated file (%d bytes) is not the base (%d bytes) up to its footer plus page indexes and a footer", cut.Len(), len(base))
	}
	if got := parquetGoOffsets(t, cut.Bytes()); !slices.Equal(got, span(0, 9)) {
		t.Fatalf("parquet-go reads %v from the truncated file", got)
	}
	md, _, err := parquetFooter(bytes.NewReader(cut.Bytes()), int64(cut.Len()))
	if err != nil || md.NumRows != 9 || len(md.RowGroups) != groups {
		t.Fatalf("truncated footer: %v rows, %v groups, %v", md.NumRows, len(md.RowGroups), err)
	}
	// A corrupt part is refused, never spliced.
	other := growPart(t, 20, 21, 10)
	if _, err := spliceParquet(&bytes.Buffer{}, other.File, other.Size, bytes.NewReader([]byte("PAR1xxxxPAR1")), 12); err == nil {
		t.Error("splice of a corrupt part succeeded")
	}
}
