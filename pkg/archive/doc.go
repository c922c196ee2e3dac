// Package archive writes the loader's Parquet files durably and atomically,
// on local disk or in an S3-compatible bucket, and recovers a partition after
// a crash so every Kafka record ends up in exactly one file.
//
// Learn these first:
//
//   - [Store]: a small io-style interface (Create → ObjectWriter.Commit,
//     Open, List, Delete, CleanIncomplete) with two backends, [Local] and
//     [S3]; [Open] picks one from LOADER_OUTPUT.
//   - [Recover] and [Partition]: called when the consumer group assigns a
//     partition; it removes the files that start at or past the committed
//     offset and cuts back a growth that was not committed, reading one
//     small journal instead of listing the archive
//     (docs/decisions/0030-bounded-recovery.md, 0047).
//   - [Partition.Publish]: a [Part] (a complete Parquet file of new rows,
//     usually in a [SpoolFile]) becomes a new file, or new row groups of the
//     partition's file of the day ([Partition.Tail]), copied around the old
//     row groups without decoding them (grow.go).
//   - Fencing (docs/decisions/0130): a loader that lost the partition
//     cannot overwrite the new owner's files. [S3] is [Versioned]: every
//     publication is conditional on the version its writer read, and
//     Recover claims the partition's journal; [Local] is a [Locker]: Recover
//     holds a flock until [Partition.Close]. A refused write is [ErrFenced].
//   - [ParquetWriter] and [ParquetSchema]: Arrow record batches streamed into
//     a Parquet file (zstd, statistics, page index, bloom filter), with the
//     fixed type mapping of docs/archive.md; [ParquetWriter.Reset] reuses a
//     writer for the next file.
//   - [JoinParquet]: complete Parquet files (segments) lying one after the
//     other in a spool file, read as one file without copying their pages
//     (concat.go, docs/decisions/0142).
//
// A loader's partition goroutine does, per flush:
//
//	pw.Reset(io.NewOffsetWriter(spool, end))    // a pooled writer, per segment
//	pw.Write(batch) ...; pw.Close()             // one segment: a file of one row group
//	file, err := archive.JoinParquet(spool, segments)
//	pub, err := part.Publish(ctx, archive.Part{File: file, Size: file.Size(), ..., Grow: part.Tail() != nil})
//	                                            // journal, temp file / upload, fsync+rename / complete
//	gen.CommitOffsets(...)                      // only now the Kafka offset
//	part.Committed(next)
//	...
//	part.Close()                                // when the partition is lost or the loader stops
//
// The package leaves out consuming Kafka, batching and rotation decisions
// (pkg/load) and building Arrow batches from JSON (pkg/schema). Keys are
// laid out by [FileKey]; [Hook] injects crashes at each step for tests.
package archive
