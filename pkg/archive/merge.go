package archive

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Merging small row groups by appending (docs/decisions/0143). A file that
// grows once per extractor run would otherwise end the day with one small
// row group per run, and a reader pays per row group (a column chunk per
// column to fetch and decode, and footer metadata per chunk). A growth whose
// base ends in small row groups re-encodes their rows together with the new
// rows into one row group, appended after the whole base file (its footer,
// length and magic included) — so no byte an earlier footer points to ever
// changes and a reader that read an earlier footer reads what it described.
// The new footer lists the base's first row groups (unchanged) and the
// merged one; the replaced row groups and the old footer stay as dead bytes.

const (
	// mergeBytes bounds a merge: the trailing row groups and the new rows
	// are merged only while together they hold at most this many
	// uncompressed bytes, so a merge re-encodes little (a catch-up's big
	// row groups are never re-encoded) and its writer holds little.
	mergeBytes = 4 << 20
	// deadSlack bounds the dead bytes: a merge happens only if afterwards
	// the file's dead bytes are at most its live bytes plus deadSlack.
	deadSlack = 1 << 20
)

// RowWriterFunc starts a Parquet file on w with the writer and settings the
// rows of a [Part] were written with (the loader's codec), so merged rows
// are encoded exactly as the loader encodes them; plain names the string
// columns the part wrote without a dictionary (its first rows were mostly
// distinct there, see [PlainColumns]), which the merged row group writes
// plain too. The writer may be borrowed (the loader lends one of its pooled
// writers, so merges count against the same bound as every other file being
// written): release gives it back once its file is closed, ok false when the
// file failed part way; it may wait, until ctx ends, for a writer to be
// free.
type RowWriterFunc func(ctx context.Context, w io.Writer, plain []string) (pw *ParquetWriter, release func(ok bool), err error)

// plainColumns returns the byte-array columns of rg written without a
// dictionary.
func plainColumns(rg *format.RowGroup) []string {
	var plain []string
	for i := range rg.Columns {
		m := &rg.Columns[i].MetaData
		if m.Type != format.ByteArray || m.NumValues == 0 || len(m.PathInSchema) != 1 {
			continue
		}
		dict := false
		for _, e := range m.Encoding {
			dict = dict || e == format.RLEDictionary // what parquet-go writes
		}
		if !dict {
			plain = append(plain, m.PathInSchema[0])
		}
	}
	return plain
}

// rowGroupBytes is a row group's uncompressed size.
func rowGroupBytes(rg *format.RowGroup) int64 {
	var n int64
	for i := range rg.Columns {
		n += rg.Columns[i].MetaData.TotalUncompressedSize
	}
	return n
}

// rowGroupSpan is the bytes of a file a row group's metadata points to: its
// pages, bloom filters, column and offset indexes.
func rowGroupSpan(rg *format.RowGroup) int64 {
	var n int64
	for i := range rg.Columns {
		c := &rg.Columns[i]
		n += c.MetaData.TotalCompressedSize + int64(max(c.MetaData.BloomFilterLength, 0)) +
			int64(c.ColumnIndexLength) + int64(c.OffsetIndexLength)
	}
	return n
}

// mergePlan decides how a growth of base (baseSize bytes, footer bmd) by
// part (footer pmd) goes: base's first keep row groups stay as they are and
// the others are merged with part's rows into one row group; ok is false
// when nothing is merged (part is appended as it is). Merged are the
// longest run of trailing row groups that, with part, hold at most
// mergeBytes uncompressed and keep the file's dead bytes within their bound
// (decision 0143). Only a part of one row group merges: the flush of an
// extractor run's rows. A part of several row groups comes from a
// catch-up (row groups cut by size or by the memory budget) and is never
// re-encoded, so a catch-up encodes every row once.
func mergePlan(bmd *format.FileMetaData, baseSize int64, pmd *format.FileMetaData) (keep int, ok bool) {
	n := len(bmd.RowGroups)
	if len(pmd.RowGroups) != 1 {
		return n, false
	}
	total := rowGroupBytes(&pmd.RowGroups[0])
	// spans[j]: what the merged row group would span, estimated from what
	// it replaces, when base's first j row groups are kept.
	spans := make([]int64, n+1)
	spans[n] = rowGroupSpan(&pmd.RowGroups[0])
	keep = n
	for keep > 0 {
		b := rowGroupBytes(&bmd.RowGroups[keep-1])
		if total+b > mergeBytes {
			break
		}
		total += b
		spans[keep-1] = spans[keep] + rowGroupSpan(&bmd.RowGroups[keep-1])
		keep--
	}
	for keep < n && !mergeFits(bmd, baseSize, keep, spans[keep]) {
		keep++
	}
	return keep, keep < n
}

// deadAfterMerge returns the dead and live bytes a file of baseSize bytes
// (footer bmd) would hold after a merge that keeps its first keep row
// groups and appends a merged row group spanning merged bytes. Live counts
// what the new footer points to (not the footer itself: a lower bound).
func deadAfterMerge(bmd *format.FileMetaData, baseSize int64, keep int, merged int64) (dead, live int64) {
	live = int64(len(parquetMagic)) + merged
	for i := range bmd.RowGroups[:keep] {
		live += rowGroupSpan(&bmd.RowGroups[i])
	}
	return baseSize - (live - merged), live
}

// mergeFits reports whether the dead bytes after such a merge stay within
// the bound: at most the file's live bytes plus deadSlack.
func mergeFits(bmd *format.FileMetaData, baseSize int64, keep int, merged int64) bool {
	dead, live := deadAfterMerge(bmd, baseSize, keep, merged)
	return dead <= live+deadSlack
}

// mergeRows writes to w, with a writer from newWriter, one row group
// holding the rows of base's row groups from keep on, then every row of
// part, in that order (offset order: part's rows follow base's).
func mergeRows(ctx context.Context, w io.Writer, newWriter RowWriterFunc, plain []string, base io.ReaderAt, baseSize int64, keep int, part io.ReaderAt, partSize int64) (err error) {
	pw, release, err := newWriter(ctx, w, plain)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	defer func() { release(err == nil) }()
	for i, src := range []struct {
		r    io.ReaderAt
		size int64
		from int
	}{{base, baseSize, keep}, {part, partSize, 0}} {
		f, err := parquet.OpenFile(src.r, src.size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
		if err != nil {
			return fmt.Errorf("merge: open file %d: %w", i, err)
		}
		for _, rg := range f.RowGroups()[src.from:] {
			if err := copyRows(pw, rg); err != nil {
				return fmt.Errorf("merge: %w", err)
			}
		}
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	return nil
}

// copyRows writes the rows of rg to pw.
func copyRows(pw *ParquetWriter, rg parquet.RowGroup) error {
	rows := rg.Rows()
	defer rows.Close()
	buf := make([]parquet.Row, 64)
	for {
		n, err := rows.ReadRows(buf)
		if n > 0 {
			if werr := pw.WriteRows(buf[:n]); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read rows: %w", err)
		}
	}
}
