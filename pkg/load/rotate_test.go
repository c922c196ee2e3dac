package load

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// TestRotation checks where files are cut, for each limit, on one
// partition: the file names (first offsets) are what a reader relies on.
func TestRotation(t *testing.T) {
	// employee(i) is at 2026-03-01 22:00 + i*90s: offsets 0..79 are on
	// 03-01, 80.. on 03-02.
	for _, tc := range []struct {
		name      string
		from, to  int
		configure func(*Config)
		want      []string // dt/first offset of each file
	}{
		{"rows", 0, 25, func(c *Config) { c.RotateRows = 10 },
			[]string{"2026-03-01/0", "2026-03-01/10", "2026-03-01/20"}},
		{"date change", 70, 95, func(c *Config) {},
			[]string{"2026-03-01/0", "2026-03-02/10"}},
		{"record-time interval", 0, 25, func(c *Config) { c.RotateInterval = 15 * time.Minute }, // 10 records per file
			[]string{"2026-03-01/0", "2026-03-01/10", "2026-03-01/20"}},
		{"bytes", 0, 25, func(c *Config) { c.RotateBytes = int64(len(employee(0).Value)+len(employee(0).Key)) * 12 },
			[]string{"2026-03-01/0", "2026-03-01/12", "2026-03-01/24"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := testKafka(t, 1)
			root := t.TempDir()
			emp := kc.Topic(kafkax.Employees)
			produce(t, kc, emp, employees(tc.from, tc.to)...)
			cfg := testConfig()
			cfg.Drain, cfg.RotateRows, cfg.FlushInterval = true, 1000, time.Hour
			tc.configure(&cfg)
			if err := wait(t, runLoader(t, context.Background(), cfg, kc, Options{Archive: localArchive(t, root)}), 30*time.Second); err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, w := range tc.want {
				var day string
				var off int64
				fmt.Sscanf(w, "%10s/%d", &day, &off)
				want = append(want, fmt.Sprintf("%s/dt=%s/%s+0+%020d.parquet", emp, day, emp, off))
			}
			if got := listFiles(t, root, emp); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("files\n%v\nwant\n%v", got, want)
			}
			exactness(t, openDuck(t), root, emp, map[int]int64{0: int64(tc.to - tc.from)})
		})
	}
}

// TestIdleFlush: rows that reach no rotation limit are written and
// committed after LOADER_FLUSH_INTERVAL of wall-clock time; the second
// flush of the day grows the day's file instead of adding one.
func TestIdleFlush(t *testing.T) {
	kc := testKafka(t, 1)
	root := t.TempDir()
	emp := kc.Topic(kafkax.Employees)
	cfg := testConfig()
	cfg.RotateRows, cfg.FlushInterval = 1000, 300*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := runLoader(t, ctx, cfg, kc, Options{Archive: localArchive(t, root)})
	produce(t, kc, emp, employees(0, 5)...)
	poll(t, 20*time.Second, "the idle flush of 5 rows", func() bool { return len(listFiles(t, root, emp)) == 1 })
	produce(t, kc, emp, employees(5, 8)...)
	db := openDuck(t)
	poll(t, 20*time.Second, "the second idle flush", func() bool {
		var n int
		return db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s')`, glob(root, emp))).Scan(&n) == nil && n == 8
	})
	if files := listFiles(t, root, emp); len(files) != 1 {
		t.Errorf("files %v after two flushes of one day, want one that grew", files)
	}
	exactness(t, db, root, emp, map[int]int64{0: 8})
	cancel()
	if err := wait(t, done, 20*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestRowGroupsStreamIntoOneFile: rows move from the Arrow batch to the
// stage file and into segments of one row group each (memory holds a
// batch and the row group being written, not a file), and the file is
// still published whole at rotation, its segments joined; a tiny
// loader-wide memory budget stages every batch on disk at once, without
// cutting row groups or files (decision 0142).
func TestRowGroupsStreamIntoOneFile(t *testing.T) {
	for _, tc := range []struct {
		name      string
		parquet   archive.WriterConfig
		budget    int64
		rowGroups int
	}{
		{"by rows", archive.WriterConfig{RowGroupRows: 5}, 64 << 20, 5},
		{"by budget", archive.WriterConfig{RowGroupRows: 1000}, 1, 1}, // every row is over a 1-byte budget
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := testKafka(t, 1)
			root := t.TempDir()
			emp := kc.Topic(kafkax.Employees)
			produce(t, kc, emp, employees(0, 25)...)
			cfg := testConfig()
			cfg.Drain, cfg.RotateRows, cfg.FlushInterval, cfg.BufferBytes = true, 1000, time.Hour, tc.budget
			db := openDuck(t)
			groups := func() int {
				var n int
				if err := db.QueryRow(fmt.Sprintf(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('%s')`, glob(root, emp))).Scan(&n); err != nil {
					t.Error(err)
				}
				return n
			}
			var firstRows int64
			var firstGroups int
			hook := func(_ context.Context, s Step, _ string, _ int, next int64) error {
				if s == StepCommit && firstRows == 0 { // the worker's goroutine, before the loader ends
					firstRows, firstGroups = next, groups()
				}
				return nil
			}
			if err := wait(t, runLoader(t, context.Background(), cfg, kc, Options{Archive: localArchive(t, root), Parquet: tc.parquet, Hook: hook}), 30*time.Second); err != nil {
				t.Fatal(err)
			}
			files := listFiles(t, root, emp)
			if len(files) != 1 {
				t.Fatalf("files %v, want one", files)
			}
			if tc.budget == 1 && firstGroups != 1 {
				t.Errorf("first publication: %d row groups for %d rows, want one (the budget stages batches on disk; it does not end row groups)", firstGroups, firstRows)
			}
			if g := groups(); g != tc.rowGroups {
				t.Errorf("%d row groups, want %d", g, tc.rowGroups)
			}
			exactness(t, db, root, emp, map[int]int64{0: 25})
		})
	}
}
