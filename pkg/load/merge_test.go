package load

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// TestMergedFileEqualsOneShot: a day's file grown three times, each growth
// merging the small row groups (archive decision 0143), holds exactly the
// rows — every column, deletions' nulls included — that the loader's codec
// writes in one go, in one row group with the same encodings, compression
// and bloom filter; DuckDB and parquet-go (which reads the page indexes as
// one region) both read it. With flushes of a few rows every string column
// has a dictionary; with flushes of 150 rows of distinct ids, the columns
// the codec writes plain stay plain in the merged row group.
func TestMergedFileEqualsOneShot(t *testing.T) {
	for _, tc := range []struct {
		name   string
		splits [][2]int
	}{
		{"few rows", [][2]int{{0, 10}, {10, 25}, {25, 33}, {33, 60}}},
		{"distinct ids", [][2]int{{0, 150}, {150, 300}, {300, 450}, {450, 600}}},
	} {
		t.Run(tc.name, func(t *testing.T) { mergedEqualsOneShot(t, tc.splits) })
	}
}

func mergedEqualsOneShot(t *testing.T, splits [][2]int) {
	ctx := context.Background()
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, err := newCodec(reg.Topic(kafkax.Employees), archive.WriterConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	topic := "ukgpro.employees"
	msgs := employees(0, splits[len(splits)-1][1])
	day := baseTime.Truncate(24 * time.Hour)
	for i := range msgs {
		msgs[i].Topic, msgs[i].Offset, msgs[i].Time = topic, int64(i), day.Add(time.Duration(i)*time.Second) // one UTC day
		if i%10 == 7 {
			msgs[i].Value = nil // a tombstone: null typed columns
		}
	}
	// write encodes msgs with the loader's codec into a Parquet file at path.
	write := func(path string, msgs []kafka.Message) int64 {
		t.Helper()
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cw := &countingWriter{w: f}
		pw, err := c.newWriter(cw, 0)
		if err != nil {
			t.Fatal(err)
		}
		b := c.newBatch()
		for i := range msgs {
			if err := c.append(b, &msgs[i]); err != nil {
				t.Fatal(err)
			}
		}
		rec := b.NewRecord()
		err = pw.Write(rec)
		rec.Release()
		if err == nil {
			err = pw.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		return cw.n
	}
	dir := t.TempDir()
	oneshot := filepath.Join(dir, "oneshot.parquet")
	write(oneshot, msgs)

	root := t.TempDir()
	files, err := localArchive(t, root).Recover(ctx, topic, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer files.Close()
	var key string
	for i, r := range splits {
		path := filepath.Join(dir, fmt.Sprintf("part%d.parquet", i))
		size := write(path, msgs[r[0]:r[1]])
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := files.Publish(ctx, archive.Part{File: f, Size: size, FirstOffset: int64(r[0]), FirstTime: msgs[r[0]].Time,
			Next: int64(r[1]), Rows: int64(r[1] - r[0]), Grow: i > 0, NewWriter: c.rowWriter(newWriterPool(1, 0))})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if pub.Merged != (i > 0) {
			t.Fatalf("publication %d: merged %v", i, pub.Merged)
		}
		files.Committed(int64(r[1]))
		key = pub.Key
	}
	grown := filepath.Join(root, key)

	db := openDuck(t)
	for _, q := range []string{
		`SELECT count(*) FROM (SELECT * FROM read_parquet('%[1]s', hive_partitioning=false) EXCEPT ALL SELECT * FROM read_parquet('%[2]s', hive_partitioning=false))`,
		`SELECT count(*) FROM (SELECT * FROM read_parquet('%[2]s', hive_partitioning=false) EXCEPT ALL SELECT * FROM read_parquet('%[1]s', hive_partitioning=false))`,
	} {
		var n int
		if err := db.QueryRow(fmt.Sprintf(q, grown, oneshot)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d rows differ between the merged file and the one-shot file (%s)", n, q)
		}
	}
	var rows, groups int
	if err := db.QueryRow(fmt.Sprintf(`SELECT num_rows, num_row_groups FROM parquet_file_metadata('%s')`, grown)).Scan(&rows, &groups); err != nil {
		t.Fatal(err)
	}
	if rows != len(msgs) || groups != 1 {
		t.Fatalf("merged file: %d rows in %d row groups, want %d in 1", rows, groups, len(msgs))
	}
	// The merged row group is encoded as the loader encodes.
	shape := func(path string) []string {
		t.Helper()
		r, err := db.Query(fmt.Sprintf(`SELECT path_in_schema, encodings, compression, bloom_filter_offset IS NOT NULL
			FROM parquet_metadata('%s') ORDER BY column_id`, path))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var out []string
		for r.Next() {
			var col, enc, comp string
			var bloom bool
			if err := r.Scan(&col, &enc, &comp, &bloom); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s %s %s bloom=%v", col, enc, comp, bloom))
		}
		return out
	}
	if got, want := shape(grown), shape(oneshot); !slices.Equal(got, want) {
		t.Fatalf("merged column chunks:\n%s\nwant as the one-shot file:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// parquet-go reads it with its page indexes.
	b, err := os.ReadFile(grown)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(strings.NewReader(string(b)), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if pf.NumRows() != int64(len(msgs)) {
		t.Fatalf("parquet-go reads %d rows, want %d", pf.NumRows(), len(msgs))
	}
}
