package kafkax

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
)

func TestValidate(t *testing.T) {
	ok := Config{Brokers: []string{"a:9092"}, Partitions: 6, ReplicationFactor: 3}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"valid", func(*Config) {}, ""},
		{"broker without port", func(c *Config) { c.Brokers = []string{"kafka"} }, "KAFKA_BROKERS"},
		{"unknown sasl", func(c *Config) { c.SASLMech = "GSSAPI" }, "KAFKA_SASL_MECHANISM"},
		{"sasl without password", func(c *Config) { c.SASLMech = "PLAIN"; c.SASLUser = "u" }, "KAFKA_SASL_PASSWORD"},
		{"cert without key", func(c *Config) { c.TLSCertFile = "c.pem" }, "KAFKA_TLS_KEY_FILE"},
		{"zero partitions", func(c *Config) { c.Partitions = 0 }, "KAFKA_PARTITIONS"},
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
	cfg := &Config{Brokers: testenv.Kafka(t), TopicPrefix: "t.", Partitions: 4, ReplicationFactor: 1,
		MinCompactionLag: 7 * 24 * time.Hour, DLQRetention: time.Hour, DialTimeout: 5 * time.Second}
	all := append([]string{ExtractorState}, DataTopics...)
	for range 2 { // the second call finds them all existing and succeeds
		if err := EnsureTopics(ctx, cfg, all...); err != nil {
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
