package load

import (
	"context"
	"errors"

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
	// Close ends the ownership: it releases the partition's lock (local
	// disk). The worker closes it when it stops, after its last publication.
	Close() error
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

// Fencing says how the store keeps a loader that lost a partition from
// overwriting the new owner's files (archive.Fencing), after checking that
// an S3 endpoint really honours conditional writes. It fails when the
// store cannot fence.
func (a StoreArchive) Fencing(ctx context.Context) (string, error) {
	how := archive.Fencing(a.Store)
	if how == "" {
		return "", errors.New("the store can neither make writes conditional nor lock partitions")
	}
	if c, ok := a.Store.(interface{ CheckConditional(context.Context) error }); ok {
		if err := c.CheckConditional(ctx); err != nil {
			return "", err
		}
	}
	return how, nil
}
