// Package audit answers an auditor's questions from the loader's Parquet
// archive: what we knew about an employee and when ([Archive.Timeline],
// [Archive.AsOf]), every version of every record as a slowly changing
// dimension ([Archive.History]), whether the archive is complete and
// well-formed ([Archive.Verify], against itself or the Kafka brokers),
// whether two archives hold the same rows ([Diff]), and the archived
// history streamed back in its original order ([Archive.Replay]).
//
// Learn these first:
//
//   - [Open] and [Archive]: a read-only view of a local or s3:// archive
//     (the loader's LOADER_OUTPUT and S3_* settings, [archive.Config]).
//     DuckDB reads the files; S3 objects are downloaded once into a local
//     cache, so no DuckDB extension (httpfs) is needed.
//   - [Archive.Files] and the key index (index.go): the files a query
//     reads are chosen before DuckDB opens any: by the dt= date for
//     transaction-time bounds and by a per-topic index of which file holds
//     which message key, kept in the cache and refreshed from the listing
//     whenever a file appears or is replaced.
//   - [Result]: every query's answer, written by [Result.Write] as an
//     aligned table, CSV, JSON lines or Parquet.
//
// It is an analyst's tool and links DuckDB (cgo); the extractor and the
// loader never import it. It leaves out writing to the archive: nothing
// here creates, replaces or deletes an archive file.
package audit
