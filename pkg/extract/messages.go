package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
)

// write produces msgs with the shared writer, in chunks that fit a request.
// Any failure makes the extractor unsure of what Kafka holds (see
// Extractor.unsure).
func (x *Extractor) write(ctx context.Context, msgs []kafka.Message) error {
	err := x.w.WriteMessages(ctx, msgs...)
	if err != nil {
		x.unsure.Store(true)
	}
	var we kafka.WriteErrors
	if errors.As(err, &we) {
		return &writeError{we}
	}
	return err
}

// writeError summarises kafka.WriteErrors, whose own message lists every
// message's error (thousands of lines for one page); errors.As still finds
// the kafka.WriteErrors.
type writeError struct{ errs kafka.WriteErrors }

func (e *writeError) Error() string {
	var first error
	for _, err := range e.errs {
		if err != nil {
			first = err
			break
		}
	}
	return fmt.Sprintf("%d of %d messages not acknowledged (first: %v)", e.errs.Count(), len(e.errs), first)
}

func (e *writeError) Unwrap() error { return e.errs }

// source is the CloudEvents source of an endpoint's records.
func (x *Extractor) source(r route) string { return "ukgpro://" + x.host + "/" + r.ep.String() }

// recordMessage is the message of one record; rowID (job history's
// systemId, "" elsewhere) goes into the ukg_record_id header.
func (x *Extractor) recordMessage(r route, key, rowID string, value []byte, h RecordHash, ceID, runID string, now time.Time) kafka.Message {
	m := kafka.Message{
		Topic: x.kcfg.Topic(r.topic), Key: []byte(key), Value: value,
		Headers: []kafka.Header{
			{Key: "ce_specversion", Value: []byte("1.0")},
			{Key: "ce_id", Value: []byte(ceID)},
			{Key: "ce_source", Value: []byte(x.source(r))},
			{Key: "ce_type", Value: []byte("com.ukgpro." + r.topic + ".snapshot")},
			{Key: "ce_time", Value: []byte(now.Format(time.RFC3339Nano))},
			{Key: "ce_subject", Value: []byte(key)},
			{Key: "content-type", Value: []byte("application/json")},
			{Key: "ukg_record_hash", Value: []byte(h.String())},
			{Key: "ukg_schema", Value: []byte(x.val.SchemaID(r.topic))},
			{Key: "ukg_run_id", Value: []byte(runID)},
		},
	}
	if rowID != "" {
		m.Headers = append(m.Headers, kafka.Header{Key: HeaderRecordID, Value: []byte(rowID)})
	}
	return m
}

// deadLetter builds a DLQ message (schemas/dlq): the value after the PII
// policy (nil when the policy could not be applied, so no raw PII is ever
// forwarded) with the reason in headers.
func (x *Extractor) deadLetter(r route, key string, value []byte, runID string, dl schema.DeadLetter) kafka.Message {
	x.metrics.records.WithLabelValues(r.ep.String(), "dlq").Inc()
	x.log.Warn("record dead-lettered", "endpoint", r.ep.String(), "key", key, "reason", dl.Reason, "field", dl.Field)
	dl.Stage = "extractor"
	dl.OriginTopic = x.kcfg.Topic(r.topic)
	dl.OriginSchema = x.val.SchemaID(r.topic)
	hs := []kafka.Header{
		{Key: "ce_source", Value: []byte(x.source(r))},
		{Key: "content-type", Value: []byte("application/json")},
		{Key: "ukg_run_id", Value: []byte(runID)},
	}
	for _, h := range dl.Headers() {
		hs = append(hs, kafka.Header{Key: h.Key, Value: h.Value})
	}
	return kafka.Message{Topic: x.kcfg.Topic(kafkax.DLQ), Key: []byte(key), Value: value, Headers: hs}
}

func (x *Extractor) lifecycleMessage(rec ukgpro.Record, ident string, d derived, sources []string, runID string, now time.Time) (kafka.Message, error) {
	ev := schema.LifecycleEvent{
		Event: d.event, CompanyID: rec.CompanyID, EmployeeID: rec.EmployeeID, Key: rec.Key(),
		EffectiveDate: d.effective, Changes: d.changes, Sources: sources, DetectedAt: now, RunID: runID,
	}
	v, err := json.Marshal(ev)
	if err != nil {
		return kafka.Message{}, fmt.Errorf("encode %s event of %s: %w", d.event, ident, err)
	}
	return x.eventMessage(rec.Key(), ident, d.event, sources[0], runID, v, now), nil
}

// eventMessage wraps an encoded lifecycle event. Its ce_id depends only on
// the event kind, the record identity and the source record's ce_id, so
// re-deriving it from the same data gives the same id. Its ce_source is the
// endpoint of the record it was derived from (ident's topic).
func (x *Extractor) eventMessage(key, ident, event, sourceID, runID string, value []byte, now time.Time) kafka.Message {
	h, _ := HashRecord(value)
	topic, _, _ := cut(ident, '|')
	r, ok := routeOfTopic(topic)
	if !ok {
		r, _ = routeByName(epEmployment)
	}
	src := x.source(r)
	return kafka.Message{
		Topic: x.kcfg.Topic(kafkax.Lifecycle), Key: []byte(key), Value: value,
		Headers: []kafka.Header{
			{Key: "ce_specversion", Value: []byte("1.0")},
			{Key: "ce_id", Value: []byte(lifecycleID(event, ident, sourceID))},
			{Key: "ce_source", Value: []byte(src)},
			{Key: "ce_type", Value: []byte("com.ukgpro.lifecycle." + event)},
			{Key: "ce_time", Value: []byte(now.Format(time.RFC3339Nano))},
			{Key: "ce_subject", Value: []byte(key)},
			{Key: "content-type", Value: []byte("application/json")},
			{Key: "ukg_record_hash", Value: []byte(h.String())},
			{Key: "ukg_schema", Value: []byte(x.val.SchemaID(kafkax.Lifecycle))},
			{Key: "ukg_run_id", Value: []byte(runID)},
		},
	}
}

func lifecycleID(event, ident, sourceID string) string {
	return eventID("lifecycle", event, ident, sourceID)
}
