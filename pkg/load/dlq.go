package load

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// DeadLetters receives the messages a loader cannot archive with their topic.
// Send returns only once the dead letter is acknowledged by every in-sync
// replica: the loader commits past the original offset only after that.
type DeadLetters interface {
	Send(ctx context.Context, m *kafka.Message, why *RejectError) error
}

// DLQWriter writes dead letters to the DLQ topic with kafka-go.
type DLQWriter struct {
	w *kafka.Writer
}

// NewDLQWriter returns a DeadLetters writing to topic through transport.
func NewDLQWriter(addr []string, transport kafka.RoundTripper, topic string, timeout time.Duration) *DLQWriter {
	return &DLQWriter{w: &kafka.Writer{
		Addr:                   kafka.TCP(addr...),
		Topic:                  topic,
		Transport:              transport,
		Balancer:               &kafka.Hash{},
		RequiredAcks:           kafka.RequireAll,
		BatchTimeout:           5 * time.Millisecond,
		WriteTimeout:           timeout,
		AllowAutoTopicCreation: true,
	}}
}

// DeadLetter builds the dead letter of m: the original key, value and
// headers, plus the reason and origin headers of schemas/dlq (replacing any
// earlier ones).
func DeadLetter(m *kafka.Message, why *RejectError) kafka.Message {
	part, off := int32(m.Partition), m.Offset
	dl := schema.DeadLetter{
		Reason: why.Reason, Stage: "loader", Field: why.Field, OriginTopic: m.Topic,
		OriginPartition: &part, OriginOffset: &off, OriginSchema: string(header(m, HeaderSchema)),
	}
	if why.Err != nil {
		dl.Error = why.Err.Error()
	}
	ours := dl.Headers()
	hs := make([]kafka.Header, 0, len(m.Headers)+len(ours))
	for _, h := range m.Headers {
		if !strings.HasPrefix(h.Key, "dlq_") {
			hs = append(hs, h)
		}
	}
	for _, h := range ours {
		hs = append(hs, kafka.Header(h))
	}
	return kafka.Message{Key: m.Key, Value: m.Value, Headers: hs, Time: m.Time}
}

// Send implements DeadLetters.
func (d *DLQWriter) Send(ctx context.Context, m *kafka.Message, why *RejectError) error {
	dl := DeadLetter(m, why)
	if err := d.w.WriteMessages(ctx, dl); err != nil {
		var we kafka.WriteErrors
		if errors.As(err, &we) && len(we) == 1 && we[0] != nil {
			err = we[0]
		}
		return fmt.Errorf("dead-letter %s/%d@%d: %w", m.Topic, m.Partition, m.Offset, err)
	}
	return nil
}

// Close flushes and closes the writer.
func (d *DLQWriter) Close() error { return d.w.Close() }
