// Package testenv starts what integration tests need, in-process and on
// loopback, in one line each, and stops it when the test ends.
package testenv

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/devkafka"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// Kafka starts an embedded single-broker Kafka (see package devkafka) and
// returns its addresses. Its log compaction runs only when a test asks
// ([devkafka.Broker.Compact], through [Broker]): kfake compacts every
// compacted topic whole at each tick, ignoring min.compaction.lag.ms, and
// holds the broker's request loop meanwhile. A real broker with the
// contract's topic settings does not touch records younger than the
// compaction lag; a tick in the middle of a test or a benchmark would
// stall its fetches (a 1,000,000-record benchmark spent 133 CPU-s of the
// broker in compaction) and remove records it counts on.
func Kafka(t testing.TB) []string {
	return Broker(t, devkafka.Config{CompactEvery: 24 * time.Hour}).Addrs()
}

// Broker starts an embedded Kafka with cfg and returns it, for tests that
// need fault injection or compaction.
func Broker(t testing.TB, cfg devkafka.Config) *devkafka.Broker {
	t.Helper()
	b, err := devkafka.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// Sim starts the UKG Pro simulator with cfg behind a loopback HTTP server and
// returns it with its base URL. Default credentials: svc-demo /
// demo-password / DEMO-KEY.
func Sim(t testing.TB, cfg ukgsim.Config) (*ukgsim.Sim, string) {
	t.Helper()
	s, err := ukgsim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close() // releases hung requests first
		srv.Close()
	})
	return s, srv.URL
}

// Transport returns a kafka-go transport of the test's own, its connections
// closed when the test ends. Give it to every kafka.Writer and kafka.Client
// of a test: kafka-go's default transport is process-wide and keeps each
// broker address's metadata for seconds, so an embedded broker that got a
// port a previous test's broker had is first seen with that broker's
// topics and partition counts ("topic partition not found").
func Transport(t testing.TB) *kafka.Transport {
	tr := &kafka.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// Messages reads every message of topic, all partitions, up to the current
// end offsets.
func Messages(t testing.TB, brokers []string, topic string) []*kafkax.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Transport: Transport(t), Timeout: 30 * time.Second}
	offs, err := kafkax.PartitionOffsets(ctx, cl, topic)
	if err != nil {
		t.Fatal(err)
	}
	var out []*kafkax.Message
	for p, o := range offs {
		err := kafkax.ReadRange(ctx, cl, topic, p, o.First, o.End, func(m *kafkax.Message) error {
			out = append(out, m)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}
