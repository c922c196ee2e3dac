package devkafka_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
)

// TestGroupRoundTripResumesAtCommittedOffset produces through kafka-go over
// TCP, consumes part of the topic in a consumer group, commits, closes the
// reader, and checks a new reader in the same group continues exactly after
// the committed offsets: nothing committed comes back, nothing is lost.
func TestGroupRoundTripResumesAtCommittedOffset(t *testing.T) {
	brokers := testenv.Kafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	const topic, total, first = "roundtrip", 1000, 600
	cl := &kafka.Client{Transport: testenv.Transport(t), Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	res, err := cl.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{
		{Topic: topic, NumPartitions: 6, ReplicationFactor: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Errors[topic]; err != nil {
		t.Fatal(err)
	}

	w := &kafka.Writer{
		Transport: testenv.Transport(t),
		Addr:      kafka.TCP(brokers...), Topic: topic,
		Balancer: &kafka.Murmur2Balancer{}, RequiredAcks: kafka.RequireAll,
		Compression: kafka.Zstd, BatchSize: 500, BatchTimeout: 5 * time.Millisecond,
	}
	msgs := make([]kafka.Message, total)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: fmt.Appendf(nil, "C%d/E%d", i%3, i%97), Value: fmt.Appendf(nil, "%d", i)}
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	newReader := func() *kafka.Reader {
		return kafka.NewReader(kafka.ReaderConfig{
			Brokers: brokers, GroupID: "g", Topic: topic,
			MaxWait: 100 * time.Millisecond, StartOffset: kafka.FirstOffset,
			HeartbeatInterval: 200 * time.Millisecond, SessionTimeout: 2 * time.Second,
			RebalanceTimeout: 2 * time.Second,
		})
	}
	seen := map[string]int{}
	r1 := newReader()
	var batch []kafka.Message
	for len(batch) < first {
		m, err := r1.FetchMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, m)
		seen[string(m.Value)]++
	}
	cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
	if err := r1.CommitMessages(cctx, batch...); err != nil {
		t.Fatal(err)
	}
	ccancel()
	if err := r1.Close(); err != nil {
		t.Fatal(err)
	}

	r2 := newReader()
	defer r2.Close()
	for n := first; n < total; n++ {
		m, err := r2.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("after %d messages: %v", n, err)
		}
		if seen[string(m.Value)] > 0 {
			t.Fatalf("message %s was committed by the first reader and delivered again", m.Value)
		}
		seen[string(m.Value)]++
	}
	for i := range total {
		if seen[fmt.Sprint(i)] != 1 {
			t.Fatalf("message %d seen %d times, want 1", i, seen[fmt.Sprint(i)])
		}
	}
}
