package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// ReplayMessage is one archived message rebuilt for replay.
type ReplayMessage struct {
	Partition int
	Offset    int64 // the original offset
	Time      time.Time
	Key       []byte
	Value     []byte // nil for a deletion (tombstone)
	Headers   []kafka.Header
}

// Replay calls emit for every archived message of topic name with a Kafka
// timestamp at or after since (zero: all), partition by partition in the
// original offset order. The value is _raw byte for byte; the headers are
// rebuilt from the archive (docs/audit.md, "What replay can rebuild"):
// ce_specversion, ce_id, ce_type, ce_time (the Kafka timestamp), ce_subject,
// content-type, ukg_record_hash, ukg_schema (the topic's current schema
// version), ukg_record_id (a deleted job-history row's identity), plus ukg_replayed_from = <topic>/<partition>/<offset>. The
// extractor's ce_source (tenant host) and ukg_run_id are not archived and
// are left out.
func (a *Archive) Replay(ctx context.Context, name string, since time.Time, emit func(*ReplayMessage) error) (int64, error) {
	topic, err := a.Topic(name)
	if err != nil {
		return 0, err
	}
	files, err := a.selectFiles(ctx, topic, nil, time.Time{})
	if err != nil {
		return 0, err
	}
	if !since.IsZero() {
		// A file can hold rows after since even when its dt is before: keep
		// the files whose next file in the partition starts after since.
		day := since.UTC().Truncate(24 * time.Hour)
		var keep []File
		for i, f := range files {
			last := i+1 == len(files) || files[i+1].Partition != f.Partition
			if last || !files[i+1].Date.Before(day) {
				keep = append(keep, f)
			}
		}
		a.prune("%s: dt= pruning kept %d of %d files (since %s)", topic, len(keep), len(files), day.Format(time.DateOnly))
		files = keep
	}
	if len(files) == 0 {
		return 0, nil
	}
	if err := a.view(ctx, "rp", files, streamView); err != nil {
		return 0, err
	}
	cols, err := a.columns(ctx, "SELECT * FROM rp")
	if err != nil {
		return 0, err
	}
	sname := a.schemaName(topic)
	ceType := fmt.Sprintf("'com.ukgpro.%s.snapshot'", sname)
	if slices.Contains(cols, "event") {
		ceType = "'com.ukgpro.lifecycle.' || event"
	}
	schemaID := a.reg.Topic(sname).ID()
	recordID := "NULL::VARCHAR"
	if slices.Contains(cols, "_record_id") {
		recordID = "_record_id"
	}
	rows, err := a.db.QueryContext(ctx, fmt.Sprintf(`SELECT _kafka_partition, _kafka_offset, _kafka_timestamp, _key, _raw, _deleted,
  _event_id, _record_hash, %s, %s FROM rp WHERE _kafka_timestamp >= ?::TIMESTAMPTZ ORDER BY _kafka_partition, _kafka_offset`, ceType, recordID),
		since.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return 0, fmt.Errorf("replay %s: %w", topic, err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var (
			m                          ReplayMessage
			part                       int32
			key, raw, eid, hash, ctype *string
			recID                      *string
			deleted                    bool
		)
		if err := rows.Scan(&part, &m.Offset, &m.Time, &key, &raw, &deleted, &eid, &hash, &ctype, &recID); err != nil {
			return n, err
		}
		m.Partition = int(part)
		hdr := func(k string, v *string) {
			if v != nil {
				m.Headers = append(m.Headers, kafka.Header{Key: k, Value: []byte(*v)})
			}
		}
		str := func(s string) *string { return &s }
		if key != nil {
			m.Key = []byte(*key)
		}
		if !deleted && raw != nil {
			m.Value = []byte(*raw)
		}
		hdr("ce_specversion", str("1.0"))
		hdr("ce_id", eid)
		if !deleted {
			hdr("ce_type", ctype)
		}
		hdr("ce_time", str(m.Time.UTC().Format(time.RFC3339Nano)))
		hdr("ce_subject", key)
		if !deleted {
			hdr("content-type", str("application/json"))
		}
		hdr("ukg_record_hash", hash)
		hdr("ukg_schema", str(schemaID))
		hdr("ukg_record_id", recID)
		hdr("ukg_replayed_from", str(topic+"/"+strconv.Itoa(m.Partition)+"/"+strconv.FormatInt(m.Offset, 10)))
		if err := emit(&m); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// NDJSON writes replayed messages to w, one JSON object per line:
// topic, partition, offset, timestamp, key, headers, value (the record
// itself, null for a deletion).
func NDJSON(w io.Writer, topic string) func(*ReplayMessage) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return func(m *ReplayMessage) error {
		hs := make(orderedObject, len(m.Headers))
		for i, h := range m.Headers {
			hs[i] = field{h.Key, string(h.Value)}
		}
		var v any
		if m.Value != nil {
			v = json.RawMessage(m.Value)
		}
		var key any
		if m.Key != nil {
			key = string(m.Key)
		}
		return enc.Encode(orderedObject{{"topic", topic}, {"partition", m.Partition}, {"offset", m.Offset},
			{"timestamp", m.Time.UTC().Format(time.RFC3339Nano)}, {"key", key}, {"headers", hs}, {"value", v}})
	}
}

// Producer writes replayed messages into a Kafka topic, each into the
// partition it was archived from, in order, with its original timestamp.
type Producer struct {
	w     *kafka.Writer
	buf   []kafka.Message
	topic string
}

// NewProducer creates topic when missing (the spec of the archived topic
// name, with at least partitions partitions) and returns a producer into
// it. An existing topic with fewer partitions is an error: the original
// per-partition order could not be kept.
func NewProducer(ctx context.Context, kc *kafkax.Config, name, topic string, partitions int) (*Producer, error) {
	cl, err := kc.Client()
	if err != nil {
		return nil, err
	}
	spec := kc.Spec(name)
	spec.Topic, spec.NumPartitions = topic, max(spec.NumPartitions, partitions)
	res, err := cl.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{spec}})
	if err != nil {
		return nil, fmt.Errorf("create topic %s: %w", topic, err)
	}
	if terr := res.Errors[topic]; terr != nil && !errors.Is(terr, kafka.TopicAlreadyExists) {
		return nil, fmt.Errorf("create topic %s: %w", topic, terr)
	}
	offs, err := kafkax.PartitionOffsets(ctx, cl, topic)
	if err != nil {
		return nil, err
	}
	if len(offs) < partitions {
		return nil, inputError("topic %s has %d partitions, the archive %d: the per-partition order cannot be kept", topic, len(offs), partitions)
	}
	tr, err := kc.Transport()
	if err != nil {
		return nil, err
	}
	return &Producer{topic: topic, w: &kafka.Writer{
		Addr: kc.Addr(), Transport: tr, Topic: topic,
		Balancer:     kafka.BalancerFunc(func(m kafka.Message, _ ...int) int { return m.Partition }),
		RequiredAcks: kafka.RequireAll, Compression: kafka.Zstd, BatchSize: 1000, BatchBytes: 8 << 20,
		BatchTimeout: 5 * time.Millisecond, MaxAttempts: 10,
	}}, nil
}

// Emit queues m and writes a full batch.
func (p *Producer) Emit(ctx context.Context) func(*ReplayMessage) error {
	return func(m *ReplayMessage) error {
		p.buf = append(p.buf, kafka.Message{Partition: m.Partition, Key: m.Key, Value: m.Value, Headers: m.Headers, Time: m.Time})
		if len(p.buf) >= 5000 {
			return p.Flush(ctx)
		}
		return nil
	}
}

// Flush writes what is queued; it returns when the brokers acknowledged it.
func (p *Producer) Flush(ctx context.Context) error {
	if len(p.buf) == 0 {
		return nil
	}
	if err := p.w.WriteMessages(ctx, p.buf...); err != nil {
		return fmt.Errorf("replay into %s: %w", p.topic, err)
	}
	p.buf = p.buf[:0]
	return nil
}

// Close flushes and releases the producer.
func (p *Producer) Close(ctx context.Context) error {
	return errors.Join(p.Flush(ctx), p.w.Close())
}

// Partitions is the number of partitions topic name's archive spans.
func (a *Archive) Partitions(ctx context.Context, name string) (int, error) {
	topic, err := a.Topic(name)
	if err != nil {
		return 0, err
	}
	files, err := a.Files(ctx, topic)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range files {
		n = max(n, f.Partition+1)
	}
	return n, nil
}
