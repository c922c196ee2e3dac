// Package testenv starts what integration tests need, in-process and on
// loopback, in one line each, and stops it when the test ends.
package testenv

import (
	"testing"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/devkafka"
)

// Kafka starts an embedded single-broker Kafka (see package devkafka) and
// returns its addresses.
func Kafka(t testing.TB) []string {
	return Broker(t, devkafka.Config{}).Addrs()
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
