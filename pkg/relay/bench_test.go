package relay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv/webhook"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/relay"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// BenchmarkRelay measures events/s delivered to a receiver that answers
// in 20 ms, with 1 and 16 calls in flight across employees (400 events of
// 100 employees, 4 each, in order). The reference is the ceiling the
// receiver's latency allows, inFlight / 20 ms, measured against in the
// same run: "ceiling_ratio" is events/s over that ceiling. Each operation
// is one fresh consumer group delivering every event; the receiver's log
// is checked for per-employee order after each.
func BenchmarkRelay(b *testing.B) {
	const (
		employees = 100
		perEmp    = 4
		latency   = 20 * time.Millisecond
	)
	brokers := testenv.Kafka(b)
	kc := kafkax.Config{Brokers: brokers, TopicPrefix: "bench.", ClientID: "bench", DialTimeout: 5 * time.Second,
		Partitions: 6, ReplicationFactor: 1, DLQRetention: time.Hour}
	ctx := context.Background()
	if err := kafkax.EnsureTopics(ctx, &kc, kafkax.Lifecycle, kafkax.RelayDLQ); err != nil {
		b.Fatal(err)
	}
	evs := produceEvents(b, brokers, kc, employees, perEmp)

	for _, inFlight := range []int{1, 16} {
		b.Run(fmt.Sprintf("inflight=%d", inFlight), func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				rcv := webhook.Start(b, webhook.Config{Latency: latency})
				cfg := testConfig(rcv.URL)
				cfg.WebhookURL = envconf.Secret(rcv.URL)
				cfg.GroupID = fmt.Sprintf("bench-%d-%d", inFlight, i)
				cfg.InFlight = inFlight
				r, err := relay.New(cfg, kc, relay.Options{})
				if err != nil {
					b.Fatal(err)
				}
				rctx, cancel := context.WithCancel(ctx)
				stopped := make(chan error, 1)
				go func() { stopped <- r.Run(rctx) }()
				// The clock runs from the first call (joining the group is
				// not delivery) to the last acceptance.
				testenv.Eventually(b, time.Minute, "the first call", func() bool { return len(rcv.Calls()) > 0 })
				began := time.Now()
				testenv.Eventually(b, 5*time.Minute, "every event delivered", func() bool { return len(rcv.Accepted()) == len(evs) })
				total += time.Since(began)
				cancel()
				if err := <-stopped; err != nil {
					b.Fatal(err)
				}
				rcv.Check(b, evs)
			}
			rate := float64(len(evs)*b.N) / total.Seconds()
			b.ReportMetric(rate, "events/s")
			b.ReportMetric(rate/(float64(inFlight)/latency.Seconds()), "ceiling_ratio")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// produceEvents publishes perEmp job_changed events for each of employees
// employees (round by round, so each employee's events are in order) to
// the lifecycle topic, keyed and partitioned as the extractor does, and
// returns them in publication order.
func produceEvents(tb testing.TB, brokers []string, kc kafkax.Config, employees, perEmp int) []webhook.Event {
	tb.Helper()
	var evs []webhook.Event
	var msgs []kafka.Message
	for round := range perEmp {
		for e := range employees {
			key := fmt.Sprintf("C%d/E%05d", e%3, e)
			id := fmt.Sprintf("%032x", round*employees+e)
			v, _ := json.Marshal(schema.LifecycleEvent{Event: schema.EventJobChanged, CompanyID: key[:2], EmployeeID: key[3:], Key: key,
				EffectiveDate: "2026-01-01", DetectedAt: time.Now(), RunID: "bench"})
			msgs = append(msgs, kafka.Message{Key: []byte(key), Value: v, Headers: []kafka.Header{
				{Key: "ce_specversion", Value: []byte("1.0")}, {Key: "ce_id", Value: []byte(id)},
				{Key: "ce_type", Value: []byte("com.ukgpro.lifecycle.employee.job_changed")},
				{Key: "ce_source", Value: []byte("ukgpro://bench/employee-employment-details")},
				{Key: "ce_subject", Value: []byte(key)},
				{Key: "ukg_schema", Value: []byte("lifecycle/v1.0")}}})
			evs = append(evs, webhook.Event{ID: id, Key: key, Type: "com.ukgpro.lifecycle.employee.job_changed"})
		}
	}
	w := &kafka.Writer{Transport: testenv.Transport(tb), Addr: kafka.TCP(brokers...), Topic: kc.Topic(kafkax.Lifecycle), Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		tb.Fatal(err)
	}
	return evs
}
