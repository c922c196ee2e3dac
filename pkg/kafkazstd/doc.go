// Package kafkazstd is a zstd codec for kafka-go that decompresses a record
// batch in one call with a small, shared, low-memory decoder.
//
// kafka-go's own zstd codec streams each batch through a pooled decoder
// whose history ring is sized by the window the producer declared: up to
// 8 MiB plus two blocks for every batch being decompressed at once, so a
// consumer reading many partitions holds one such ring per partition (and
// allocates them again after every GC, because the pool is a sync.Pool).
// [Codec] reads the compressed batch (which kafka-go has in memory anyway),
// decodes it with [zstd.Decoder.DecodeAll] straight into the buffer kafka-go
// reads the batch into when it is large enough (sized from the last batch's
// ratio), into a buffer of its own otherwise: memory follows the batch, not
// the window, at most a few decodes run at once, and its idle buffers stay
// on a short free list through garbage collections.
//
// kafka-go looks codecs up in a process-wide table, compress.Codecs; a
// program installs this one by assigning it there once at start (see
// cmd/loader). Compression (NewWriter) is kafka-go's own codec unchanged.
package kafkazstd
