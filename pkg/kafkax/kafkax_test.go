package kafkax_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

func TestValidate(t *testing.T) {
	ok := kafkax.Config{Brokers: []string{"a:9092"}, Partitions: 6, ReplicationFactor: 3}
	tests := []struct {
		name   string
		mutate func(*kafkax.Config)
		want   string
	}{
		{"valid", func(*kafkax.Config) {}, ""},
		{"broker without port", func(c *kafkax.Config) { c.Brokers = []string{"kafka"} }, "KAFKA_BROKERS"},
		{"unknown sasl", func(c *kafkax.Config) { c.SASLMech = "GSSAPI" }, "KAFKA_SASL_MECHANISM"},
		{"sasl without password", func(c *kafkax.Config) { c.SASLMech = "PLAIN"; c.SASLUser = "u" }, "KAFKA_SASL_PASSWORD"},
		{"cert without key", func(c *kafkax.Config) { c.TLSCertFile = "c.pem" }, "KAFKA_TLS_KEY_FILE"},
		{"zero partitions", func(c *kafkax.Config) { c.Partitions = 0 }, "KAFKA_PARTITIONS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate() = %v, want mention of %q", err, tt.want)
			}
		})
	}
}

func TestEnsureTopicsCreatesEachWithItsPolicy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := &kafkax.Config{Brokers: testenv.Kafka(t), TopicPrefix: "t.", Partitions: 4, ReplicationFactor: 1,
		MinCompactionLag: 7 * 24 * time.Hour, DLQRetention: time.Hour, DialTimeout: 5 * time.Second}
	all := append([]string{kafkax.ExtractorState}, kafkax.DataTopics...)
	for range 2 { // the second call finds them all existing and succeeds
		if err := kafkax.EnsureTopics(ctx, cfg, all...); err != nil {
			t.Fatal(err)
		}
	}
	cl, err := cfg.Client()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"t.employees":        {"cleanup.policy": "compact,delete", "min.compaction.lag.ms": "604800000"},
		"t.job-history":      {"cleanup.policy": "delete"},
		"t.org-levels":       {"cleanup.policy": "compact,delete", "min.compaction.lag.ms": "604800000"},
		"t.direct-deposit":   {"cleanup.policy": "delete"},
		"t.dlq":              {"cleanup.policy": "delete", "retention.ms": "3600000"},
		"t._extractor-state": {"cleanup.policy": "compact"},
	}
	for topic, entries := range want {
		res, err := cl.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{
			{ResourceType: kafka.ResourceTypeTopic, ResourceName: topic},
		}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range res.Resources {
			for _, e := range r.ConfigEntries {
				got[e.ConfigName] = e.ConfigValue
			}
		}
		for k, v := range entries {
			if got[k] != v {
				t.Errorf("%s %s = %q, want %q", topic, k, got[k], v)
			}
		}
	}
	md, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{"t.employees"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(md.Topics[0].Partitions); n != 4 {
		t.Fatalf("t.employees has %d partitions, want 4", n)
	}
}

func TestReadRangeReadsExactlyTheRangeIncludingTombstones(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := &kafkax.Config{Brokers: testenv.Kafka(t), TopicPrefix: "r.", Partitions: 1, ReplicationFactor: 1, DialTimeout: 5 * time.Second}
	if err := kafkax.EnsureTopics(ctx, cfg, kafkax.ExtractorState); err != nil {
		t.Fatal(err)
	}
	topic := cfg.Topic(kafkax.ExtractorState)
	tr, _ := cfg.Transport()
	w := &kafka.Writer{Addr: cfg.Addr(), Topic: topic, Transport: tr, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll}
	var msgs []kafka.Message
	for i := range 50 {
		msgs = append(msgs, kafka.Message{Key: []byte{byte('a' + i%5)}, Value: []byte{byte(i)}, Headers: []kafka.Header{{Key: "n", Value: []byte{byte(i)}}}})
	}
	msgs = append(msgs, kafka.Message{Key: []byte("a")}) // tombstone at offset 50
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	w.Close()
	cl, _ := cfg.Client()
	offs, err := kafkax.PartitionOffsets(ctx, cl, topic)
	if err != nil {
		t.Fatal(err)
	}
	if offs[0].End != 51 {
		t.Fatalf("end offset %d, want 51", offs[0].End)
	}
	var got []int64
	var tombstones int
	err = kafkax.ReadRange(ctx, cl, topic, 0, 10, offs[0].End, func(m *kafkax.Message) error {
		got = append(got, m.Offset)
		if m.Value == nil {
			tombstones++
		} else if m.Value[0] != byte(m.Offset) || m.Header("n")[0] != byte(m.Offset) {
			t.Fatalf("offset %d carries value %v", m.Offset, m.Value)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 41 || got[0] != 10 || got[40] != 50 || tombstones != 1 {
		t.Fatalf("read %d records (%v...), %d tombstones; want offsets 10..50 and 1 tombstone", len(got), got[:min(3, len(got))], tombstones)
	}
}
