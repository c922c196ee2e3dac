package relay_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv/pipeline"
	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv/webhook"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/events"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/relay"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

const (
	signingKey = "relay-test-signing-key-0123456789"
	token      = "relay-test-bearer-token-abcdef"
	rejected   = "com.ukgpro.lifecycle.employee.status_changed"
)

func testConfig(url string) relay.Config {
	return relay.Config{GroupID: "relay-test", WebhookURL: envconf.Secret(url), SigningKey: signingKey, Token: token,
		InFlight: 16, MaxPending: 10000, RequestTimeout: 2 * time.Second, RetryBase: 20 * time.Millisecond,
		RetryMax: 200 * time.Millisecond, RetryFor: time.Hour, CommitInterval: 100 * time.Millisecond,
		StartFrom: "earliest", ShutdownGrace: 5 * time.Second, SessionTimeout: 6 * time.Second,
		HeartbeatInterval: 300 * time.Millisecond, RebalanceTimeout: 5 * time.Second,
		JoinGroupBackoff: 200 * time.Millisecond, CommitTimeout: 5 * time.Second}
}

// The relay against a receiver that answers 503 to a fifth of the calls,
// 429 with Retry-After to some, 400 to one event type, while the extractor
// runs several times with the tenant advancing in between: every lifecycle
// event is delivered with its ce_id as Idempotency-Key, signed and with the
// token; per employee, no event is called before the previous one finished;
// the 400s are in the relay DLQ with their status; SIGTERM (ctx) stops it
// cleanly with everything committed; secrets appear in no log line.
func TestRelayDeliversEveryEventInOrder(t *testing.T) {
	p := pipeline.Start(t, ukgsim.Config{Employees: 200, Companies: 2, Seed: 3})
	rcv := webhook.Start(t, webhook.Config{Seed: 1, FailRate: 0.2, ThrottleRate: 0.03, RejectType: rejected,
		SigningKey: signingKey, Token: token})
	logs := &testenv.Buffer{}
	reg := prometheus.NewRegistry()
	r, err := relay.New(testConfig(rcv.URL), *p.Kafka, relay.Options{
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- r.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop := func() error { cancel(); once.Do(func() { runErr = <-stopped }); return runErr }
	t.Cleanup(func() { stop() })

	// The relay runs while the extractor publishes: hires backfilled on the
	// baseline, then three advances.
	p.Run(func(c *extract.Config) { c.BackfillHires = true })
	for i := range 3 {
		p.Advance(40, 2)
		p.Run(func(c *extract.Config) {
			if i == 2 {
				c.Mode = "full" // the reconciliation that finds the purged employees: employee.removed
			}
		})
	}
	evs := p.Lifecycle()
	byType := map[string]int{}
	for _, e := range evs {
		byType[e.Type]++
	}
	t.Logf("%d lifecycle events: %v", len(evs), byType)
	if byType[rejected] == 0 || byType["com.ukgpro.lifecycle.employee.removed"] == 0 || len(byType) < 5 {
		t.Fatalf("the runs produced too few kinds of events to prove anything: %v", byType)
	}
	testenv.Eventually(t, 2*time.Minute, "every event delivered or rejected", func() bool {
		acc := rcv.Accepted()
		for _, e := range evs {
			if _, ok := acc[e.ID]; !ok && e.Type != rejected {
				return false
			}
		}
		return dlqCount(t, p) == byType[rejected]
	})
	if err := stop(); err != nil {
		t.Fatalf("relay stopped with %v", err)
	}
	redelivered := rcv.Check(t, evs)
	t.Logf("%d calls, %d redeliveries", len(rcv.Calls()), redelivered)
	if redelivered != 0 {
		t.Errorf("%d redeliveries without any crash", redelivered)
	}

	// The DLQ holds exactly the rejected events, each with its status and
	// the receiver's answer.
	dec := events.NewDecoder("ukgpro.")
	seen := map[string]bool{}
	for _, m := range p.Messages(kafkax.RelayDLQ) {
		ev, err := dec.Decode(kafka.Message{Topic: "ukgpro.relay-dlq", Key: m.Key, Value: m.Value, Headers: m.Headers})
		if err != nil {
			t.Fatal(err)
		}
		dl := ev.Data.(*events.DeadLetter)
		if ev.Type != rejected || dl.HTTPStatus != 400 || dl.Route != "default" || dl.Reason != "http_status" ||
			!strings.Contains(dl.Response, "does not take") || dl.OriginOffset == nil || dl.OriginTopic != "ukgpro.lifecycle" {
			t.Errorf("dead letter %+v of %s", dl, ev.Type)
		}
		if seen[ev.ID] {
			t.Errorf("%s dead-lettered twice", ev.ID)
		}
		seen[ev.ID] = true
	}

	// Offsets: everything committed (a restarted relay would send nothing).
	if lag := committedLag(t, p); lag != 0 {
		t.Errorf("%d events past the committed offsets after a clean stop", lag)
	}
	if got := counterValue(t, reg, "ukgpro_relay_events_total", map[string]string{"type": "employee.status_changed", "outcome": "dead_lettered"}); int(got) != byType[rejected] {
		t.Errorf("metric dead_lettered %v, want %d", got, byType[rejected])
	}
	for _, secret := range []string{signingKey, token, rcv.URL} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a secret (%.12s…) is in the logs", secret)
		}
	}
}

func dlqCount(t *testing.T, p *pipeline.Pipeline) int { return len(p.Messages(kafkax.RelayDLQ)) }

// committedLag is the lifecycle topic's events past the group's committed
// offsets.
func committedLag(t *testing.T, p *pipeline.Pipeline) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl := &kafka.Client{Transport: testenv.Transport(t), Addr: kafka.TCP(p.Brokers...), Timeout: 10 * time.Second}
	topic := p.Kafka.Topic(kafkax.Lifecycle)
	offs, err := kafkax.PartitionOffsets(ctx, cl, topic)
	if err != nil {
		t.Fatal(err)
	}
	req := &kafka.OffsetFetchRequest{GroupID: "relay-test", Topics: map[string][]int{}}
	for part := range offs {
		req.Topics[topic] = append(req.Topics[topic], part)
	}
	res, err := cl.OffsetFetch(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var lag int64
	for _, po := range res.Topics[topic] {
		end := offs[po.Partition].End
		c := po.CommittedOffset
		if c < 0 {
			c = offs[po.Partition].First
		}
		lag += end - c
	}
	return lag
}

// counterValue sums the counter name over the series matching labels.
func counterValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}
