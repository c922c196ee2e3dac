package load

import (
	"context"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
)

// Archive is where the partitions' files go. The loader calls Recover when
// a partition is assigned, before it writes anything for it.
type Archive interface {
	// Recover removes every file of topic's partition that starts at or
	// past committed (the next offset to consume; negative: none committed)
	// and returns the handle the partition publishes through.
	Recover(ctx context.Context, topic string, partition int, committed int64) (PartitionFiles, error)
}

// PartitionFiles publishes the rows of one partition (*archive.Partition).
type PartitionFiles interface {
	// Tail is the last committed file, which rows of its day may grow.
	Tail() *archive.Tail
	// Publish makes rows visible; commit part.Next only after it returns.
	Publish(ctx context.Context, part archive.Part) (archive.Published, error)
	// Committed records that the group committed offset.
	Committed(offset int64)
}

// StoreArchive is the Archive over an archive.Store: bounded recovery with
// the per-partition journal of package archive.
type StoreArchive struct {
	Store   archive.Store
	Options []archive.Option
}

// Recover implements Archive.
func (a StoreArchive) Recover(ctx context.Context, topic string, partition int, committed int64) (PartitionFiles, error) {
	p, _, err := archive.Recover(ctx, a.Store, topic, partition, committed, a.Options...)
	if err != nil {
		return nil, err
	}
	return p, nil
}
