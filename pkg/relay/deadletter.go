package relay

import (
	"context"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/events"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// deadLetter writes the event to the relay DLQ (ukgpro.relay-dlq under the
// prefix) with why: the original key, value and headers, plus dlq_* (as
// the other dead letters, schemas/dlq) and relay_* headers (route name,
// HTTP status, response snippet, attempts). It retries until the write is
// acknowledged: the offset is committed only past a stored dead letter. It
// returns errStopped when stop comes first.
func (w *worker) deadLetter(stop <-chan struct{}, m kafka.Message, route string, out outcome) error {
	r := w.r
	part, off := int32(m.Partition), m.Offset
	dl := schema.DeadLetter{Reason: out.reason, Stage: "relay", Error: out.detail, OriginTopic: m.Topic,
		OriginPartition: &part, OriginOffset: &off}
	hs := make([]kafka.Header, 0, len(m.Headers)+12)
	for _, h := range m.Headers {
		if !isDeadLetterHeader(h.Key) {
			hs = append(hs, h)
		}
	}
	for _, h := range dl.Headers() {
		hs = append(hs, kafka.Header{Key: h.Key, Value: h.Value})
	}
	add := func(k, v string) {
		if v != "" {
			hs = append(hs, kafka.Header{Key: k, Value: []byte(v)})
		}
	}
	add(events.HeaderRelayRoute, route)
	if out.status != 0 {
		add(events.HeaderRelayStatus, strconv.Itoa(out.status))
	}
	add(events.HeaderRelayResponse, out.snippet)
	if out.attempts > 0 {
		add(events.HeaderRelayAttempts, strconv.Itoa(out.attempts))
	}
	msg := kafka.Message{Key: m.Key, Value: m.Value, Headers: hs}
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), r.cfg.CommitTimeout)
		err := r.dlq.WriteMessages(ctx, msg)
		cancel()
		if err == nil {
			return nil
		}
		w.log.Error("write a dead letter; retrying", "err", err, "attempt", attempt)
		t := time.NewTimer(r.backoff(attempt))
		select {
		case <-stop:
			t.Stop()
			return errStopped
		case <-t.C:
		}
	}
}

// isDeadLetterHeader reports the headers a dead letter sets itself (an
// event that was dead-lettered before and replayed keeps no stale reason).
func isDeadLetterHeader(k string) bool {
	return len(k) > 4 && k[:4] == "dlq_" || len(k) > 6 && k[:6] == "relay_"
}
