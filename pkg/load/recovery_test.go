package load

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// deleteRecords moves the log start of topic's partition to offset, as
// retention or compaction would remove records before a loader read them.
func deleteRecords(t *testing.T, kc kafkax.Config, topic string, partition int32, offset int64) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.Brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrDeleteRecordsRequest()
	rt := kmsg.NewDeleteRecordsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewDeleteRecordsRequestTopicPartition()
	rp.Partition, rp.Offset = partition, offset
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 5000
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range resp.Topics {
		for _, p := range rt.Partitions {
			if p.ErrorCode != 0 || p.LowWatermark != offset {
				t.Fatalf("delete records %s/%d: error %d, low watermark %d", topic, p.Partition, p.ErrorCode, p.LowWatermark)
			}
		}
	}
}

// TestRecoveryRemovesUncommittedFilesWhenRecordsVanish: a file published
// but not committed starts at the committed offset; when those records are
// gone from Kafka by the restart, the next file starts later, so only
// recovery (not overwriting the same name) keeps its rows from appearing
// twice.
func TestRecoveryRemovesUncommittedFilesWhenRecordsVanish(t *testing.T) {
	kc := testKafka(t, 1)
	root := t.TempDir()
	emp := kc.Topic(kafkax.Employees)
	produce(t, kc, emp, employees(0, 100)...)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &crasher{step: archive.PointPublished.String(), after: 3, fired: make(chan struct{}), cancel: cancel}
	cfg := testConfig()
	cfg.RotateRows = 10
	cfg.FlushInterval = time.Minute
	done := runLoader(t, ctx, cfg, kc, Options{Archive: localArchive(t, root, archive.WithHook(c.archiveHook)), Hook: c.loadHook})
	select {
	case <-c.fired:
	case <-time.After(30 * time.Second):
		t.Fatal("the loader never published 3 files")
	}
	wait(t, done, 30*time.Second)
	if got := listFiles(t, root, emp); len(got) != 3 {
		t.Fatalf("after the crash: files %v, want 3 (2 committed, 1 not)", got)
	}

	deleteRecords(t, kc, emp, 0, 25) // offsets 20..24 of the uncommitted file are gone
	cfg.Drain = true
	cfg.RotateRows = 7
	if err := wait(t, runLoader(t, context.Background(), cfg, kc, Options{Archive: localArchive(t, root)}), 60*time.Second); err != nil {
		t.Fatal(err)
	}
	db := openDuck(t)
	var rows, distinct, lost int64
	err := db.QueryRow(fmt.Sprintf(`SELECT count(*), count(DISTINCT _kafka_offset), count(*) FILTER (WHERE _kafka_offset BETWEEN 20 AND 24) FROM read_parquet('%s')`, glob(root, emp))).Scan(&rows, &distinct, &lost)
	if err != nil {
		t.Fatal(err)
	}
	if rows != 95 || distinct != 95 || lost != 0 {
		t.Fatalf("archive has %d rows, %d distinct offsets, %d of the removed ones; want 95, 95, 0 (offsets 0..19 and 25..99)", rows, distinct, lost)
	}
}

// TestDrainSkipsRecordsRemovedBeforeArchiving: when every record between
// the committed offset and the high-water mark was removed from Kafka, a
// drain moves past the gap (with a warning) and finishes instead of waiting
// forever at an offset that no longer exists.
func TestDrainSkipsRecordsRemovedBeforeArchiving(t *testing.T) {
	kc := testKafka(t, 1)
	root := t.TempDir()
	emp := kc.Topic(kafkax.Employees)
	cfg := testConfig()
	cfg.Drain = true
	produce(t, kc, emp, employees(0, 50)...)
	if err := wait(t, runLoader(t, context.Background(), cfg, kc, Options{Archive: localArchive(t, root)}), 30*time.Second); err != nil {
		t.Fatal(err)
	}
	produce(t, kc, emp, employees(50, 80)...)
	deleteRecords(t, kc, emp, 0, 80)
	if err := wait(t, runLoader(t, context.Background(), cfg, kc, Options{Archive: localArchive(t, root)}), 30*time.Second); err != nil {
		t.Fatal(err)
	}
	produce(t, kc, emp, employees(80, 90)...)
	if err := wait(t, runLoader(t, context.Background(), cfg, kc, Options{Archive: localArchive(t, root)}), 30*time.Second); err != nil {
		t.Fatal(err)
	}
	var rows, distinct, gone int64
	if err := openDuck(t).QueryRow(fmt.Sprintf(`SELECT count(*), count(DISTINCT _kafka_offset), count(*) FILTER (WHERE _kafka_offset BETWEEN 50 AND 79) FROM read_parquet('%s')`, glob(root, emp))).Scan(&rows, &distinct, &gone); err != nil {
		t.Fatal(err)
	}
	if rows != 60 || distinct != 60 || gone != 0 {
		t.Fatalf("archive: %d rows, %d distinct, %d removed ones; want 60 (0..49, 80..89), 60, 0", rows, distinct, gone)
	}
}
