package load

import (
	"context"
	"database/sql"
	"fmt"
	"path"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// groupOffsets returns the group's committed offset per partition of topic
// (partitions without a commit are absent).
func groupOffsets(ctx context.Context, kc kafkax.Config, group, topic string) (map[int]int64, error) {
	tr := &kafka.Transport{} // not kafka-go's process-wide one (see testenv.Transport)
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(kc.Brokers...), Transport: tr, Timeout: 10 * time.Second}
	var parts []int
	for p := range kc.Partitions {
		parts = append(parts, p)
	}
	res, err := cl.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		return nil, err
	}
	out := map[int]int64{}
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			return nil, p.Error
		}
		if p.CommittedOffset >= 0 {
			out[p.Partition] = p.CommittedOffset
		}
	}
	return out, nil
}

// readerView is what one glob read of a topic's archive saw.
type readerView struct {
	rows, distinct int64
	below          map[int]int64 // rows per partition below the committed offset read just before
}

// globRead reads the group's committed offsets, then globs topic's archive
// once with DuckDB, as a reader would.
func globRead(ctx context.Context, db *sql.DB, kc kafkax.Config, group, root, topic string) (map[int]int64, readerView, error) {
	committed, err := groupOffsets(ctx, kc, group, topic)
	if err != nil {
		return nil, readerView{}, err
	}
	v := readerView{below: map[int]int64{}}
	if len(committed) == 0 {
		return committed, v, nil
	}
	var cases []string
	for p, c := range committed {
		cases = append(cases, fmt.Sprintf("(_kafka_partition = %d AND _kafka_offset < %d)", p, c))
	}
	q := fmt.Sprintf(`SELECT _kafka_partition, count(*), count(DISTINCT _kafka_offset), count(*) FILTER (WHERE %s)
		FROM read_parquet('%s') GROUP BY ALL`, strings.Join(cases, " OR "), glob(root, topic))
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		if strings.Contains(err.Error(), "No files found") {
			return committed, v, nil
		}
		return nil, v, err
	}
	defer rows.Close()
	for rows.Next() {
		var p int
		var n, d, below int64
		if err := rows.Scan(&p, &n, &d, &below); err != nil {
			return nil, v, err
		}
		v.rows += n
		v.distinct += d
		v.below[p] = below
	}
	return committed, v, rows.Err()
}

// maxRowGroupsGrown is the most row groups a file grown by small runs may
// have: growths merge them (archive decision 0143).
const maxRowGroupsGrown = 2

// TestFilesGrowThroughExtractorRuns runs the loader continuously through
// bursts of records as incremental extractor runs produce them (one burst
// per run, all of one UTC day, on every partition of two topics), flushing
// every 100 ms. Each partition's file of the day grows: after every run
// there is exactly one file per (topic, partition, day). Meanwhile a reader
// globs the archive with DuckDB over and over and never sees a duplicate,
// nor misses an offset below the group's committed offset read just
// before.
func TestFilesGrowThroughExtractorRuns(t *testing.T) {
	runs, perRun, minReads := 8, 240, 200
	if testing.Short() {
		runs, perRun, minReads = 6, 60, 60
	}
	kc := testKafka(t, 3)
	root := t.TempDir()
	emp, jh := kc.Topic(kafkax.Employees), kc.Topic(kafkax.JobHistory)
	topics := []string{emp, jh}
	cfg := testConfig()
	cfg.RotateRows, cfg.FlushInterval = 1_000_000, 100*time.Millisecond
	cfg.Topics = []string{kafkax.Employees, kafkax.JobHistory}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := prometheus.NewRegistry()
	done := runLoader(t, ctx, cfg, kc, Options{Archive: localArchive(t, root), Registerer: reg})

	// The reader.
	rctx, stopReader := context.WithCancel(ctx)
	type result struct {
		reads int
		err   error
	}
	readerDone := make(chan result, 1)
	var readCount atomic.Int64
	go func() {
		db, err := sql.Open("duckdb", "")
		if err != nil {
			readerDone <- result{err: err}
			return
		}
		defer db.Close()
		reads := 0
		for rctx.Err() == nil {
			for _, topic := range topics {
				committed, v, err := globRead(rctx, db, kc, cfg.GroupID, root, topic)
				if err != nil {
					if rctx.Err() != nil {
						break
					}
					readerDone <- result{reads, fmt.Errorf("read %d of %s: %w", reads, topic, err)}
					return
				}
				if v.rows != v.distinct {
					readerDone <- result{reads, fmt.Errorf("read %d of %s: %d rows, %d distinct offsets: duplicates visible", reads, topic, v.rows, v.distinct)}
					return
				}
				for p, c := range committed {
					if v.below[p] != c {
						readerDone <- result{reads, fmt.Errorf("read %d of %s/%d: %d rows below the committed offset %d: a gap is visible", reads, topic, p, v.below[p], c)}
						return
					}
				}
			}
			reads++
			readCount.Store(int64(reads))
		}
		readerDone <- result{reads: reads}
	}()

	db := openDuck(t)
	mostGroups := 0
	day := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	total := map[string]int{}
	for run := range runs {
		// One extractor run: every record stamped within the run's minute.
		at := day.Add(time.Duration(run) * 3 * time.Hour)
		for _, tc := range []struct {
			topic string
			f     func(int) kafka.Message
			n     int
		}{{emp, employee, perRun}, {jh, jobHistory, perRun / 3}} {
			msgs := gen(tc.f, total[tc.topic], total[tc.topic]+tc.n)
			for i := range msgs {
				msgs[i].Time = at.Add(time.Duration(i) * 10 * time.Millisecond)
			}
			produce(t, kc, tc.topic, msgs...)
			total[tc.topic] += tc.n
		}
		for _, topic := range topics {
			hwm := highWaterMarks(t, kc, topic)
			poll(t, 60*time.Second, fmt.Sprintf("run %d of %s committed", run, topic), func() bool {
				c, err := groupOffsets(ctx, kc, cfg.GroupID, topic)
				if err != nil {
					return false
				}
				for p, h := range hwm {
					if h > 0 && c[p] < h {
						return false
					}
				}
				return true
			})
			perDay := map[string][]string{}
			for _, f := range listFiles(t, root, topic) {
				dir, name := path.Split(f)
				part := strings.Split(name, "+")[1]
				perDay[dir+part] = append(perDay[dir+part], name)
			}
			for k, files := range perDay {
				if len(files) != 1 {
					t.Fatalf("after run %d: %s has %d files %v, want one that grows", run, k, len(files), files)
				}
			}
			if len(perDay) != kc.Partitions {
				t.Fatalf("after run %d: files of %s for %d partitions, want %d", run, topic, len(perDay), kc.Partitions)
			}
			// Growths merge small row groups (archive decision 0143): a
			// file of a few runs' rows stays one row group, not one per
			// growth.
			var maxGroups int
			if err := db.QueryRow(fmt.Sprintf(`SELECT max(num_row_groups) FROM parquet_file_metadata('%s')`, glob(root, topic))).Scan(&maxGroups); err != nil {
				t.Fatal(err)
			}
			if maxGroups > maxRowGroupsGrown {
				t.Fatalf("after run %d: a file of %s has %d row groups, want at most %d", run, topic, maxGroups, maxRowGroupsGrown)
			}
			mostGroups = max(mostGroups, maxGroups)
		}
	}
	// Keep reading until the reader has globbed the archive enough times.
	poll(t, 120*time.Second, fmt.Sprintf("%d reads", minReads), func() bool {
		select {
		case r := <-readerDone:
			readerDone <- r
			return true
		default:
		}
		return readCount.Load() >= int64(minReads)
	})
	stopReader()
	r := <-readerDone
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Logf("%d runs, %d glob reads by the concurrent reader, %v growths, at most %d row groups per file", runs, r.reads, counter(t, reg, "ukgpro_loader_file_growths_total"), mostGroups)
	if g := counter(t, reg, "ukgpro_loader_file_growths_total"); g < float64((runs-1)*kc.Partitions) {
		t.Errorf("%v growths, want at least %d (every run after the first grows every partition's file)", g, (runs-1)*kc.Partitions)
	}
	for _, topic := range topics {
		exactness(t, db, root, topic, highWaterMarks(t, kc, topic))
	}
	cancel()
	if err := wait(t, done, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}
