package kafkax

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
)

// Offsets are the first and next (high-water) offsets of one partition.
type Offsets struct {
	First, End int64
}

// PartitionOffsets returns the first and end offsets of every partition of
// topic. A missing topic is an error wrapping kafka.UnknownTopicOrPartition.
func PartitionOffsets(ctx context.Context, cl *kafka.Client, topic string) (map[int]Offsets, error) {
	md, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	if len(md.Topics) != 1 {
		return nil, fmt.Errorf("metadata of %s: %d topics in the answer", topic, len(md.Topics))
	}
	if md.Topics[0].Error != nil {
		return nil, fmt.Errorf("metadata of %s: %w", topic, md.Topics[0].Error)
	}
	var reqs []kafka.OffsetRequest
	for _, p := range md.Topics[0].Partitions {
		reqs = append(reqs, kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
	}
	res, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	out := make(map[int]Offsets, len(md.Topics[0].Partitions))
	for _, po := range res.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("list offsets of %s/%d: %w", topic, po.Partition, po.Error)
		}
		out[po.Partition] = Offsets{First: po.FirstOffset, End: po.LastOffset}
	}
	return out, nil
}

// Message is one record read by ReadRange. Key and Value are nil for a
// missing key or a tombstone.
type Message struct {
	Partition int
	Offset    int64
	Time      time.Time
	Key       []byte
	Value     []byte
	Headers   []kafka.Header
}

// Header returns the value of the first header named key, or nil.
func (m *Message) Header(key string) []byte {
	for _, h := range m.Headers {
		if h.Key == key {
			return h.Value
		}
	}
	return nil
}

// ReadRange calls fn for every record of topic/partition with from ≤ offset
// < to, in offset order. Offsets removed by compaction or retention are
// skipped; it returns when the partition has nothing more below to.
func ReadRange(ctx context.Context, cl *kafka.Client, topic string, partition int, from, to int64, fn func(*Message) error) error {
	for from < to {
		res, err := cl.Fetch(ctx, &kafka.FetchRequest{
			Topic: topic, Partition: partition, Offset: from,
			MinBytes: 1, MaxBytes: 8 << 20, MaxWait: 100 * time.Millisecond,
		})
		if err == nil {
			err = res.Error
		}
		if errors.Is(err, kafka.OffsetOutOfRange) && res != nil && from < res.LogStartOffset {
			from = res.LogStartOffset // retention removed the start
			continue
		}
		if err != nil {
			return fmt.Errorf("fetch %s/%d at %d: %w", topic, partition, from, err)
		}
		n := 0
		for {
			r, err := res.Records.ReadRecord()
			if errors.Is(err, protocol.ErrNoRecord) || errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("read %s/%d at %d: %w", topic, partition, from, err)
			}
			if r.Offset < from {
				continue
			}
			if r.Offset >= to {
				return nil
			}
			m := &Message{Partition: partition, Offset: r.Offset, Time: r.Time, Headers: r.Headers}
			if r.Key != nil {
				if m.Key, err = protocol.ReadAll(r.Key); err != nil {
					return fmt.Errorf("read key %s/%d@%d: %w", topic, partition, r.Offset, err)
				}
			}
			if r.Value != nil {
				if m.Value, err = protocol.ReadAll(r.Value); err != nil {
					return fmt.Errorf("read value %s/%d@%d: %w", topic, partition, r.Offset, err)
				}
			}
			if err := fn(m); err != nil {
				return err
			}
			from = r.Offset + 1
			n++
		}
		if n == 0 {
			if res.HighWatermark <= from || res.HighWatermark == 0 {
				return nil // nothing left: the rest was compacted away
			}
			// Records below the high-water mark but none returned: the
			// fetched range held only compacted-away offsets or control
			// records. Ask again from the next offset.
			from++
		}
	}
	return nil
}
