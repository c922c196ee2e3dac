package relay_test

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv/webhook"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/events"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/relay"
)

// One employee's endpoint fails (503) every time: every other employee's
// events are delivered while it is still retrying; its own events are
// tried strictly one after another, and each is dead-lettered with
// retries_exhausted once RELAY_RETRY_FOR runs out, in order.
func TestFailingEmployeeBlocksNoOne(t *testing.T) {
	brokers := testenv.Kafka(t)
	kc := kafkax.Config{Brokers: brokers, TopicPrefix: "ukgpro.", ClientID: "test", DialTimeout: 5 * time.Second,
		Partitions: 3, ReplicationFactor: 1, DLQRetention: time.Hour}
	if err := kafkax.EnsureTopics(context.Background(), &kc, kafkax.Lifecycle, kafkax.RelayDLQ); err != nil {
		t.Fatal(err)
	}
	evs := produceEvents(t, brokers, kc, 20, 3)
	bad := evs[0].Key
	rcv := webhook.Start(t, webhook.Config{FailSubject: bad})
	cfg := testConfig(rcv.URL)
	cfg.SigningKey, cfg.Token = "", ""
	cfg.RetryFor = 2 * time.Second
	r, err := relay.New(cfg, kc, relay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- r.Run(ctx) }()
	defer func() { cancel(); <-stopped }()

	others := 0
	for _, e := range evs {
		if e.Key != bad {
			others++
		}
	}
	testenv.Eventually(t, time.Minute, "every other employee's events delivered", func() bool { return len(rcv.Accepted()) == others })
	dlq := func() []*events.Event {
		var out []*events.Event
		for _, m := range testenv.Messages(t, brokers, kc.Topic(kafkax.RelayDLQ)) {
			ev, err := events.NewDecoder("ukgpro.").Decode(kafka.Message{Topic: kc.Topic(kafkax.RelayDLQ), Key: m.Key, Value: m.Value, Headers: m.Headers})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ev)
		}
		return out
	}
	if n := len(dlq()); n != 0 {
		t.Fatalf("%d dead letters before the others were delivered: the failing employee held them up", n)
	}
	testenv.Eventually(t, time.Minute, "the failing employee's 3 events dead-lettered", func() bool { return len(dlq()) == 3 })
	var want []string
	for _, e := range evs {
		if e.Key == bad {
			want = append(want, e.ID)
		}
	}
	for i, ev := range dlq() {
		dl := ev.Data.(*events.DeadLetter)
		if ev.ID != want[i] || dl.Reason != "retries_exhausted" || dl.HTTPStatus != 503 || dl.Attempts < 2 {
			t.Errorf("dead letter %d: %s %+v, want %s retries_exhausted after 503s", i, ev.ID, dl, want[i])
		}
	}
	// Strictly one event at a time for the failing employee.
	pos := 0
	for _, c := range rcv.Calls() {
		if c.Subject != bad {
			continue
		}
		for pos < len(want) && c.ID != want[pos] {
			pos++
		}
		if pos == len(want) {
			t.Fatalf("call %d of %s came after a later event of the same employee", c.Seq, c.ID)
		}
	}
}
