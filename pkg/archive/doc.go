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
//     offset, reading one small journal instead of listing the archive
//     (docs/decisions/0030-bounded-recovery.md).
//   - [ParquetWriter] and [ParquetSchema]: Arrow record batches streamed into
//     a Parquet file (zstd, statistics, page index, bloom filter), with the
//     fixed type mapping of docs/archive.md.
//
// A loader's partition goroutine does, per file:
//
//	f, err := part.Create(ctx, firstOffset, firstRecordTime) // journal, then temp file / upload
//	pw, err := archive.NewParquetWriter(f, arrowSchema, parquetSchema, wcfg)
//	pw.Write(batch) ...; pw.Close()
//	f.Commit(ctx)                                           // fsync+rename / complete upload
//	reader.CommitMessages(...)                              // only now the Kafka offset
//	part.Committed(lastOffset + 1)
//
// The package leaves out consuming Kafka, batching and rotation decisions
// (pkg/load) and building Arrow batches from JSON (pkg/schema). Keys are
// laid out by [FileKey]; [Hook] injects crashes at each step for tests.
package archive
