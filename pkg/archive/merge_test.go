package archive

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// mergeable is part with the writer its rows were written with, so a
// growth may merge (decision 0143).
func mergeable(t *testing.T, part Part) Part {
	t.Helper()
	as := growSchema()
	ps, err := ParquetSchema("employees", as, SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Every writer lent to a merge must be given back exactly once (the
	// loader's pool would otherwise run out of writers).
	var lent atomic.Int64
	t.Cleanup(func() {
		if n := lent.Load(); n != 0 {
			t.Errorf("%d merge writers never given back", n)
		}
	})
	part.NewWriter = func(ctx context.Context, w io.Writer, plain []string) (*ParquetWriter, func(bool), error) {
		ps, err := WithPlainColumns(ps, as, plain)
		if err != nil {
			return nil, nil, err
		}
		pw, err := NewParquetWriter(w, as, ps, WriterConfig{RowGroupRows: 4, SchemaAsGiven: true})
		if err != nil {
			return nil, nil, err
		}
		lent.Add(1)
		var once atomic.Bool
		return pw, func(bool) {
			if !once.CompareAndSwap(false, true) {
				t.Errorf("merge writer given back twice")
			}
			lent.Add(-1)
		}, nil
	}
	return part
}

// flushPart is what a flush of an extractor run's rows publishes: offsets
// [from, to) in one row group, mergeable.
func flushPart(t *testing.T, from, to int64, rawBytes int) Part {
	t.Helper()
	return mergeable(t, growPartRows(t, from, to, rawBytes, 1<<20))
}

// parquetGoOffsets reads a file with parquet-go and returns its
// _kafka_offset values in file order.
func parquetGoOffsets(t *testing.T, b []byte) []int64 {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	col, ok := f.Schema().Lookup("_kafka_offset")
	if !ok {
		t.Fatal("no _kafka_offset column")
	}
	var offs []int64
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		buf := make([]parquet.Row, 16)
		for {
			n, err := rows.ReadRows(buf)
			for _, r := range buf[:n] {
				for _, v := range r {
					if v.Column() == col.ColumnIndex {
						offs = append(offs, v.Int64())
					}
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
	}
	return offs
}

// requireReferencedBytesKept fails unless every byte old's footer points to
// (pages, bloom filters, page indexes) is the same in cur: a reader that
// read old's footer and then reads cur's bytes (a local reader does not, an
// S3 reader with ranged GETs might) reads what the footer described.
func requireReferencedBytesKept(t *testing.T, old, cur []byte) {
	t.Helper()
	md, _, err := parquetFooter(bytes.NewReader(old), int64(len(old)))
	if err != nil {
		t.Fatal(err)
	}
	for r, rg := range md.RowGroups {
		for i := range rg.Columns {
			c := &rg.Columns[i]
			for _, rng := range [][2]int64{
				{chunkStart(c), c.MetaData.TotalCompressedSize},
				{c.MetaData.BloomFilterOffset, int64(max(c.MetaData.BloomFilterLength, 0))},
				{c.ColumnIndexOffset, int64(c.ColumnIndexLength)},
				{c.OffsetIndexOffset, int64(c.OffsetIndexLength)},
			} {
				from, n := rng[0], rng[1]
				if from <= 0 || n <= 0 {
					continue
				}
				if from+n > int64(len(cur)) || !bytes.Equal(old[from:from+n], cur[from:from+n]) {
					t.Fatalf("row group %d column %d: bytes %d..%d the old footer points to changed", r, i, from, from+n)
				}
			}
		}
	}
}

// deadBytes is a file's bytes that its footer does not point to.
func deadBytes(t *testing.T, b []byte) (dead, live int64) {
	t.Helper()
	md, start, err := parquetFooter(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	live = int64(len(parquetMagic)) + int64(len(b)) - start
	for i := range md.RowGroups {
		live += rowGroupSpan(&md.RowGroups[i])
	}
	return int64(len(b)) - live, live
}

// TestGrowMergesSmallRowGroups: six publications of a day, as an extractor
// run every 4 hours leaves them, end as one file of one row group. Each
// version is the whole previous version (footer included) plus appended
// bytes, so every byte an earlier footer points to is where it was; DuckDB
// and parquet-go read every row once, in offset order, with working bloom
// filters. A catch-up's big rows are appended, not re-encoded, and the
// next small publication merges only the small row groups at the end.
func TestGrowMergesSmallRowGroups(t *testing.T) {
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
			for i, r := range [][2]int64{{0, 8}, {8, 17}, {17, 25}, {25, 30}, {30, 41}, {41, 48}} {
				part := flushPart(t, r[0], r[1], 300)
				part.Grow = i > 0
				pub, err := p.Publish(ctx, part)
				if err != nil {
					t.Fatal(err)
				}
				if pub.Grew != (i > 0) || pub.Merged != (i > 0) {
					t.Fatalf("publication %d: grew %v, merged %v", i, pub.Grew, pub.Merged)
				}
				if i == 0 {
					key = pub.Key
				}
				p.Committed(r[1])
				cur, err := ReadAll(ctx, s, key)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(cur, prev) {
					t.Fatalf("publication %d: the previous version is not a prefix of the new one", i)
				}
				if prev != nil {
					requireReferencedBytesKept(t, prev, cur)
				}
				prev = cur
				offs, groups := fileOffsets(t, s, key)
				if !slices.Equal(offs, span(0, r[1])) {
					t.Fatalf("publication %d: DuckDB reads %v, want 0..%d once each in order", i, offs, r[1]-1)
				}
				if groups != 1 {
					t.Errorf("publication %d: %d row groups, want 1", i, groups)
				}
				if got := parquetGoOffsets(t, cur); !slices.Equal(got, span(0, r[1])) {
					t.Fatalf("publication %d: parquet-go reads %v", i, got)
				}
				if dead, live := deadBytes(t, cur); dead > live+deadSlack {
					t.Errorf("publication %d: %d dead bytes, %d live: over the bound", i, dead, live)
				}
			}
			// A catch-up: rows far past mergeBytes are appended as they
			// are (no dead bytes added), then a small publication merges
			// with the catch-up's last small row groups only.
			big := mergeable(t, growPart(t, 48, 120, 120<<10))
			big.Grow = true
			before, _ := deadBytes(t, prev)
			pub, err := p.Publish(ctx, big)
			if err != nil || !pub.Grew || pub.Merged {
				t.Fatalf("catch-up growth: %+v, %v; want appended", pub, err)
			}
			p.Committed(120)
			cur, err := ReadAll(ctx, s, key)
			if err != nil {
				t.Fatal(err)
			}
			requireReferencedBytesKept(t, prev, cur)
			prev = cur
			if after, _ := deadBytes(t, cur); after-before > 4<<10 {
				t.Errorf("appending a catch-up added %d dead bytes (from %d to %d), want only an earlier copy of the page indexes", after-before, before, after)
			}
			_, groupsAfterCatchUp := fileOffsets(t, s, key)
			small := flushPart(t, 120, 126, 300)
			small.Grow = true
			if pub, err := p.Publish(ctx, small); err != nil || !pub.Merged {
				t.Fatalf("small growth after a catch-up: %+v, %v; want merged", pub, err)
			}
			p.Committed(126)
			offs, groups := fileOffsets(t, s, key)
			if !slices.Equal(offs, span(0, 126)) {
				t.Fatalf("DuckDB reads %v, want 0..125 once each in order", offs)
			}
			if groups >= groupsAfterCatchUp || groups < 2 {
				t.Errorf("%d row groups after merging into %d: want fewer, and the catch-up's first ones kept", groups, groupsAfterCatchUp)
			}
			cur, err = ReadAll(ctx, s, key)
			if err != nil {
				t.Fatal(err)
			}
			requireReferencedBytesKept(t, prev, cur)
			if got := parquetGoOffsets(t, cur); !slices.Equal(got, span(0, 126)) {
				t.Fatalf("parquet-go reads %v", got)
			}
		})
	}
}

// TestMergeDeadBytesStayBounded: a partition fed all day and flushed
// often grows its file many times; its dead bytes never pass its live
// bytes plus deadSlack, and its rows stay exact.
func TestMergeDeadBytesStayBounded(t *testing.T) {
	ctx := context.Background()
	s := localBackend().open(t)
	p, _, err := Recover(ctx, s, testTopic, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	const per, n = 20, 60 // publications of 20 rows of 8 KB
	var key string
	merged := 0
	for i := range n {
		part := flushPart(t, int64(i*per), int64((i+1)*per), 8<<10)
		part.Grow = i > 0
		pub, err := p.Publish(ctx, part)
		if err != nil {
			t.Fatal(err)
		}
		key = pub.Key
		if pub.Merged {
			merged++
		}
		p.Committed(int64((i + 1) * per))
		b, err := ReadAll(ctx, s, key)
		if err != nil {
			t.Fatal(err)
		}
		if dead, live := deadBytes(t, b); dead > live+deadSlack {
			t.Fatalf("after publication %d: %d dead bytes, %d live: over the bound", i, dead, live)
		}
	}
	offs, groups := fileOffsets(t, s, key)
	if !slices.Equal(offs, span(0, per*n)) {
		t.Fatalf("DuckDB reads %d offsets, want 0..%d once each in order", len(offs), per*n-1)
	}
	b, _ := ReadAll(ctx, s, key)
	dead, live := deadBytes(t, b)
	t.Logf("%d publications, %d merged: %d row groups, %d live bytes, %d dead", n, merged, groups, live, dead)
	if merged == 0 || groups >= n {
		t.Errorf("%d merges, %d row groups for %d publications: want fewer row groups than publications", merged, groups, n)
	}
}

// TestMergeCrashPoints crashes a growth that merges at every point, then
// recovers from the committed offset (twice: a recovery may itself be
// interrupted) and re-publishes: the file holds exactly the committed rows
// after each recovery, the previous object is intact until the replace,
// nothing is left behind, every offset ends up archived once. On S3 the
// crash at "part" kills a multipart upload of a merged file.
func TestMergeCrashPoints(t *testing.T) {
	points := []Point{PointJournal, PointPart, PointSync, PointPublish, PointPublished, 0} // 0: published, never committed
	for _, be := range allBackends(t) {
		for _, point := range points {
			raw, base := 100, int64(50)
			if be.name != "local" && point == PointPart {
				raw, base = 120<<10, 100 // a base of 100 rows of 120 KiB: the merged file is past a 5 MiB part
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
				first, err := p.Publish(ctx, mergeable(t, growPart(t, 0, base, raw)))
				if err != nil {
					t.Fatal(err)
				}
				p.Committed(base)
				before, err := ReadAll(ctx, s, first.Key)
				if err != nil {
					t.Fatal(err)
				}
				part := flushPart(t, base, base+10, 100)
				part.Grow = true
				armed.Store(point != 0)
				pub, err := p.Publish(ctx, part)
				switch {
				case point == 0 && (err != nil || !pub.Merged):
					t.Fatalf("growth: %+v, %v; want merged", pub, err)
				case point != 0 && !errors.Is(err, errCrash):
					t.Fatalf("growth = %v, want the crash at %v", err, point)
				}
				if point == PointPart || point == PointSync || point == PointPublish || point == PointJournal {
					now, err := ReadAll(ctx, s, first.Key)
					if err != nil || !bytes.Equal(now, before) {
						t.Fatalf("the file changed before its replacement was published (%v)", err)
					}
				}
				// Restart with the group's committed offset still at base,
				// twice.
				for attempt := range 2 {
					p.Close()
					var rec Recovery
					p, rec, err = Recover(ctx, s, testTopic, 0, base, WithHook(hook))
					if err != nil {
						t.Fatal(err)
					}
					offs, _ := fileOffsets(t, s, first.Key)
					if !slices.Equal(offs, span(0, base)) {
						t.Fatalf("after recovery %d the file holds %v, want 0..%d", attempt, offs, base-1)
					}
					wantCut := attempt == 0 && (point == PointPublished || point == 0)
					if got := slices.Contains(rec.Truncated, first.Key); got != wantCut {
						t.Errorf("recovery %d: truncated %v, want %v (%+v)", attempt, got, wantCut, rec)
					}
					now, err := ReadAll(ctx, s, first.Key)
					if err != nil {
						t.Fatal(err)
					}
					_, start, err := parquetFooter(bytes.NewReader(before), int64(len(before)))
					if err != nil || !bytes.HasPrefix(now, before[:start]) {
						t.Fatalf("recovery %d: the file is not the version before the growth up to its footer (%v)", attempt, err)
					}
				}
				if k := be.leftovers(t, s, first.Key); k != 0 {
					t.Errorf("%d interrupted writes left after recovery", k)
				}
				again := flushPart(t, base, base+10, 100)
				again.Grow = p.Tail() != nil
				if _, err := p.Publish(ctx, again); err != nil {
					t.Fatal(err)
				}
				p.Committed(base + 10)
				if all := archivedOffsets(t, s); !slices.Equal(all, span(0, base+10)) {
					t.Fatalf("archive holds %v, want 0..%d exactly once", all, base+9)
				}
			})
		}
	}
}

// TestMergePlan: which trailing row groups a growth merges.
func TestMergePlan(t *testing.T) {
	for _, tc := range []struct {
		describe string
		base     []int64 // uncompressed bytes of the base's row groups
		baseSize int64   // of the base file (its row groups span 0 bytes here: the rest is dead)
		part     []int64
		keep     int
		merges   bool
	}{
		{"one small row group", []int64{10 << 10}, 0, []int64{10 << 10}, 0, true},
		{"several small ones", []int64{10 << 10, 10 << 10, 10 << 10}, 0, []int64{10 << 10}, 0, true},
		{"a catch-up's big group stays", []int64{16 << 20, 10 << 10}, 0, []int64{10 << 10}, 1, true},
		{"up to mergeBytes", []int64{3 << 20, 1 << 20}, 0, []int64{10 << 10}, 1, true},
		{"nothing small to merge", []int64{16 << 20}, 0, []int64{10 << 10}, 1, false},
		{"a catch-up's part of several row groups is appended", []int64{10 << 10}, 0, []int64{10 << 10, 10 << 10}, 1, false},
		{"a big part is appended", []int64{10 << 10}, 0, []int64{5 << 20}, 1, false},
		{"dead bytes at their bound", []int64{10 << 10}, 2 << 20, []int64{10 << 10}, 1, false},
	} {
		keep, merges := mergePlan(fileMetaOf(tc.base...), tc.baseSize, fileMetaOf(tc.part...))
		if keep != tc.keep || merges != tc.merges {
			t.Errorf("%s: keep %d, merge %v; want %d, %v", tc.describe, keep, merges, tc.keep, tc.merges)
		}
	}
}

// fileMetaOf is a footer with row groups of the given uncompressed sizes.
func fileMetaOf(sizes ...int64) *format.FileMetaData {
	md := &format.FileMetaData{}
	for _, n := range sizes {
		md.RowGroups = append(md.RowGroups, format.RowGroup{Columns: []format.ColumnChunk{{MetaData: format.ColumnMetaData{TotalUncompressedSize: n}}}})
	}
	return md
}
