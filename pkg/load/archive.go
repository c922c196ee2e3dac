package load

import (
	"context"
	"io"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
)

// Archive is where the partitions' files go. The loader calls Recover when
// a partition is assigned, before it writes anything for it.
type Archive interface {
	// Recover removes every file of topic's partition that starts at or
	// past committed (the next offset to consume; negative: none committed)
	// and returns the handle new files are created through.
	Recover(ctx context.Context, topic string, partition int, committed int64) (PartitionFiles, error)
}

// PartitionFiles creates the files of one partition.
type PartitionFiles interface {
	// Create starts the file holding the records from firstOffset on; ts,
	// the first record's time, picks its dt= directory.
	Create(ctx context.Context, firstOffset int64, ts time.Time) (File, error)
	// Committed records that the group committed offset.
	Committed(offset int64)
}

// File is a data file being written. Commit makes it durable and visible at
// once; Abort discards it.
type File interface {
	io.Writer
	Commit(ctx context.Context) error
	Abort(ctx context.Context) error
	Key() string
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
	return storePartition{p}, nil
}

type storePartition struct{ p *archive.Partition }

func (s storePartition) Create(ctx context.Context, firstOffset int64, ts time.Time) (File, error) {
	f, err := s.p.Create(ctx, firstOffset, ts)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (s storePartition) Committed(offset int64) { s.p.Committed(offset) }
