// Package load is the loader: it consumes the ukgpro topics as one member of
// a Kafka consumer group (kafka-go's ConsumerGroup/Generation API) and
// archives every message exactly once as Hive-partitioned Parquet:
//
//	<root>/<topic>/dt=<YYYY-MM-DD>/<topic>+<partition>+<first offset, 20 digits>.parquet
//
// One goroutine per assigned partition, started with Generation.Start,
// decodes messages into Arrow columns (package schema's Batch, typed from
// the schema contract, then schema.MetaColumns), stages full batches on
// local disk, writes them a row group (a segment) at a time into a spool
// file with an archive.ParquetWriter borrowed from the loader's pool (one
// per core up to 4, decision 0142), and at each flush
// (wall-clock flush interval, rotation limits, UTC date change) publishes
// the segments, joined (archive.JoinParquet), through package archive — as
// a new file or appended to the
// partition's file of the day — and only then commits the next offset.
// When a partition
// is assigned, the files of it at or past the committed offset are removed
// before anything is written (archive.Recover), so a crash at any instant
// leaves no gap and no duplicate. When the generation ends, a partition's
// worker drops what it buffered and writes and commits nothing more; a
// publication still in flight then is fenced (docs/decisions/0130): the
// archive refuses it (archive.ErrFenced) once another loader recovered the
// partition, and the worker stops without committing.
// Poison messages go to the DLQ topic (acknowledged before their offset is
// committed) and stay out of their topic's files. See docs/loader.md.
//
// Learn [Loader] (New, Run) and [Config] first; [Archive] /
// [PartitionFiles] (four methods, *archive.Partition) and [DeadLetters]
// are the seams tests and other stores plug into.
//
// It leaves out: creating topics (cmd/loader calls kafkax.EnsureTopics),
// Kafka transactions (kafka-go has none; the commit order above replaces
// them), and de-duplicating the at-least-once delivery into Kafka (ce_id
// and _record_hash make duplicates visible to queries).
package load
