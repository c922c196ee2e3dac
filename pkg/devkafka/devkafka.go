// Package devkafka runs an in-process Kafka-protocol broker for development,
// demos and tests. It wraps franz-go's kfake, a protocol-faithful fake, so
// kafka-go talks to it over TCP exactly as it talks to a real cluster:
// produce, fetch, consumer groups, offset commits, topic creation with
// configs, compaction.
//
// It is not a durable Kafka: data lives in memory (unless Config.DataDir is
// set) and ends with the process. Start returns a [Broker]; Addrs is what
// goes into KAFKA_BROKERS.
package devkafka

import (
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Config shapes the embedded broker. The zero value is a single broker on a
// random loopback port, topics auto-created with 6 partitions, and a group
// minimum session timeout of 1 s so tests rebalance quickly.
type Config struct {
	// Ports fixes the listening ports, one broker per port. Empty: one
	// broker on a random port.
	Ports []int
	// Partitions is the partition count of auto-created topics (default 6).
	Partitions int
	// GroupMinSessionTimeout is the smallest session timeout a consumer
	// group member may ask for (default 1s; real brokers default to 6s).
	GroupMinSessionTimeout time.Duration
	// CompactEvery runs log compaction on compacted topics at this interval
	// (default 1m). Compaction also runs on (*Broker).Compact.
	CompactEvery time.Duration
	// DataDir persists the broker's data there across restarts if set.
	DataDir string
	// Extra are further kfake options, e.g. for fault injection.
	Extra []kfake.Opt
}

// Broker is a running embedded broker.
type Broker struct {
	c *kfake.Cluster
}

// Start starts a broker with cfg.
func Start(cfg Config) (*Broker, error) {
	if cfg.Partitions <= 0 {
		cfg.Partitions = 6
	}
	if cfg.GroupMinSessionTimeout <= 0 {
		cfg.GroupMinSessionTimeout = time.Second
	}
	if cfg.CompactEvery <= 0 {
		cfg.CompactEvery = time.Minute
	}
	opts := []kfake.Opt{
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(cfg.Partitions),
		kfake.GroupMinSessionTimeout(cfg.GroupMinSessionTimeout),
		kfake.BrokerConfigs(map[string]string{
			"log.cleaner.backoff.ms": strconv.FormatInt(cfg.CompactEvery.Milliseconds(), 10),
		}),
	}
	if len(cfg.Ports) > 0 {
		opts = append(opts, kfake.Ports(cfg.Ports...))
	} else {
		opts = append(opts, kfake.NumBrokers(1))
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	opts = append(opts, cfg.Extra...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start embedded kafka: %w", err)
	}
	return &Broker{c: c}, nil
}

// Addrs returns the brokers' host:port addresses (for KAFKA_BROKERS).
func (b *Broker) Addrs() []string { return b.c.ListenAddrs() }

// Cluster exposes the underlying kfake cluster for fault injection
// (ControlKey, KeepControl) and administrative actions.
func (b *Broker) Cluster() *kfake.Cluster { return b.c }

// Compact runs log compaction on every compacted topic now.
func (b *Broker) Compact() { b.c.Compact() }

// Close stops the broker; connected clients see their connections drop.
func (b *Broker) Close() { b.c.Close() }
