// Package kafkazstd is a zstd codec for kafka-go that decompresses a record
// batch in one call with a small, shared, low-memory decoder.
//
// kafka-go's own zstd codec streams each batch through a pooled decoder
// whose history ring is sized by the window the producer declared: up to
// 8 MiB plus two blocks for every batch being decompressed at once, so a
// consumer reading many partitions holds one such ring per partition (and
// allocates them again after every GC, because the pool is a sync.Pool).
// [Codec] reads the compressed batch (which kafka-go has in memory anyway),
// decodes it with [zstd.Decoder.DecodeAll] into a buffer the size of the
// decompressed batch, and serves the bytes from there: memory follows the
// batch, not the window, and at most a few decodes run at once.
//
// kafka-go looks codecs up in a process-wide table, compress.Codecs; a
// program installs this one by assigning it there once at start (see
// cmd/loader). Compression (NewWriter) is kafka-go's own codec unchanged.
package kafkazstd
