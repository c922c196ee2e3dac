package archive

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Growing a Parquet file without decoding it (docs/decisions/0047). A file
// is "PAR1", row groups, bloom filters, page indexes, the footer (thrift
// FileMetaData), its length and "PAR1". Every offset in the footer and in
// the offset indexes is absolute, so the bytes of a file up to its footer
// can be kept verbatim when row groups are appended after them: the old
// offsets stay true. The appended part (a complete file written by
// ParquetWriter) moves by a fixed delta: its footer's offsets and its
// offset indexes' page locations are shifted, nothing else changes.

// errSchemaChanged says a part cannot be appended to a file because their
// Parquet schemas differ (a newer schema version added a column).
var errSchemaChanged = errors.New("parquet schema differs from the file's")

const parquetMagic = "PAR1"

// fenceKey is the footer key-value entry a recovery rewrite sets to a
// fresh token (decision 0130).
const fenceKey = "ukgpro.fence"

// parquetFooter decodes the footer of the Parquet file held in r (size bytes)
// and returns it with the offset at which the footer starts.
func parquetFooter(r io.ReaderAt, size int64) (*format.FileMetaData, int64, error) {
	if size < 12 {
		return nil, 0, fmt.Errorf("parquet footer: file of %d bytes is too short", size)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return nil, 0, fmt.Errorf("parquet footer: %w", err)
	}
	if string(tail[4:]) != parquetMagic {
		return nil, 0, errors.New("parquet footer: missing PAR1 at the end")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	start := size - 8 - n
	if start < int64(len(parquetMagic)) {
		return nil, 0, fmt.Errorf("parquet footer: length %d does not fit a file of %d bytes", n, size)
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, start); err != nil {
		return nil, 0, fmt.Errorf("parquet footer: %w", err)
	}
	md := new(format.FileMetaData)
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), b, md); err != nil {
		return nil, 0, fmt.Errorf("parquet footer: decode: %w", err)
	}
	return md, start, nil
}

// writeFooter writes md, its length and the closing magic.
func writeFooter(w io.Writer, md *format.FileMetaData) error {
	b, err := thrift.Marshal(new(thrift.CompactProtocol), md)
	if err != nil {
		return fmt.Errorf("parquet footer: encode: %w", err)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(b)))
	b = append(b, parquetMagic...)
	_, err = w.Write(b)
	return err
}

// sameSchema reports whether two footers describe the same columns.
func sameSchema(a, b *format.FileMetaData) bool {
	ea, err1 := thrift.Marshal(new(thrift.CompactProtocol), &format.FileMetaData{Schema: a.Schema})
	eb, err2 := thrift.Marshal(new(thrift.CompactProtocol), &format.FileMetaData{Schema: b.Schema})
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}

// chunkStart is where a column chunk's pages begin (its dictionary page,
// if any, comes first).
func chunkStart(c *format.ColumnChunk) int64 {
	m := &c.MetaData
	if m.DictionaryPageOffset > 0 && m.DictionaryPageOffset < m.DataPageOffset {
		return m.DictionaryPageOffset
	}
	return m.DataPageOffset
}

// spliceParquet writes to w the file base (baseSize bytes) followed by the
// row groups of the file part (partSize bytes): base's bytes up to its
// footer verbatim, part's bytes from its first page up to its offset
// indexes verbatim, part's offset indexes re-encoded with shifted page
// locations, and one footer listing every row group. It returns the number
// of row groups of base. Both files must have the same schema.
func spliceParquet(w io.Writer, base io.ReaderAt, baseSize int64, part io.ReaderAt, partSize int64) (int, error) {
	bmd, bstart, err := parquetFooter(base, baseSize)
	if err != nil {
		return 0, fmt.Errorf("grow: base: %w", err)
	}
	if err := appendRowGroups(w, base, bstart, bmd, len(bmd.RowGroups), part, partSize); err != nil {
		return 0, err
	}
	return len(bmd.RowGroups), nil
}

// appendRowGroups writes to w the first prefix bytes of base verbatim, then
// the pages (and bloom filters) of the row groups of the file part (nil:
// none) verbatim, then the page indexes of every row group the result
// lists, then a footer: base's footer bmd with its first keep row groups
// (their pages unchanged: they lie in the prefix) followed by part's. A
// growth (spliceParquet) keeps base up to its footer and all its row
// groups; a merge keeps the whole of base, footer included, as dead bytes
// and lists its first keep row groups; a cut back (truncateParquet) keeps
// base up to its first dropped row group and no part. No byte base's
// footer points to moves (decisions 0047, 0143).
//
// The page indexes are written again, packed (every column index, then
// every offset index, in row-group order) with part's page locations
// shifted, because readers such as parquet-go read them as one region
// starting at the first row group's; the earlier copies stay where they
// were, for readers of earlier versions.
func appendRowGroups(w io.Writer, base io.ReaderAt, prefix int64, bmd *format.FileMetaData, keep int, part io.ReaderAt, partSize int64) error {
	var pmd format.FileMetaData
	regionEnd := int64(len(parquetMagic)) // part's pages end here
	if part != nil {
		md, pstart, err := parquetFooter(part, partSize)
		if err != nil {
			return fmt.Errorf("grow: new rows: %w", err)
		}
		if !sameSchema(bmd, md) {
			return errSchemaChanged
		}
		pmd = *md
		// parquet-go writes the page indexes last, right before the
		// footer; they are written again below, so the verbatim region
		// ends where they begin (everything up to the footer in another
		// layout: a little waste).
		regionEnd, _ = segmentLayout(&pmd, pstart)
	}
	if _, err := io.Copy(w, io.NewSectionReader(base, 0, prefix)); err != nil {
		return fmt.Errorf("grow: copy old row groups: %w", err)
	}
	if part != nil {
		if _, err := io.Copy(w, io.NewSectionReader(part, int64(len(parquetMagic)), regionEnd-int64(len(parquetMagic)))); err != nil {
			return fmt.Errorf("grow: copy new row groups: %w", err)
		}
	}
	pos := prefix + regionEnd - int64(len(parquetMagic))
	delta := prefix - int64(len(parquetMagic))
	shift := func(off *int64) {
		if *off > 0 {
			*off += delta
		}
	}
	// The row groups of the result with where their page indexes are read
	// from and how far their pages moved.
	type source struct {
		rg    *format.RowGroup
		r     io.ReaderAt
		delta int64
	}
	md := *bmd
	md.RowGroups = make([]format.RowGroup, 0, keep+len(pmd.RowGroups))
	var srcs []source
	for _, rg := range bmd.RowGroups[:keep] {
		md.RowGroups = append(md.RowGroups, rg)
		md.RowGroups[len(md.RowGroups)-1].Columns = slices.Clone(rg.Columns)
	}
	for r := range pmd.RowGroups {
		rg := pmd.RowGroups[r]
		rg.Columns = slices.Clone(rg.Columns)
		shift(&rg.FileOffset)
		rg.Ordinal = int16(keep + r)
		for i := range rg.Columns {
			shiftChunk(&rg.Columns[i], shift)
		}
		md.RowGroups = append(md.RowGroups, rg)
	}
	for i := range md.RowGroups {
		s := source{rg: &md.RowGroups[i], r: base}
		if i >= keep {
			s.r, s.delta = part, delta
		}
		srcs = append(srcs, s)
	}
	var blob []byte
	for _, s := range srcs { // column indexes: no offsets inside, copied
		for i := range s.rg.Columns {
			c := &s.rg.Columns[i]
			if c.ColumnIndexOffset <= 0 {
				continue
			}
			blob = slices.Grow(blob[:0], int(c.ColumnIndexLength))[:c.ColumnIndexLength]
			if _, err := s.r.ReadAt(blob, c.ColumnIndexOffset); err != nil {
				return fmt.Errorf("grow: read column index: %w", err)
			}
			if _, err := w.Write(blob); err != nil {
				return err
			}
			c.ColumnIndexOffset = pos
			pos += int64(len(blob))
		}
	}
	for _, s := range srcs { // offset indexes: page locations shifted
		for i := range s.rg.Columns {
			c := &s.rg.Columns[i]
			if c.OffsetIndexOffset <= 0 {
				continue
			}
			b, err := shiftedOffsetIndex(s.r, c, s.delta)
			if err != nil {
				return fmt.Errorf("grow: %w", err)
			}
			if _, err := w.Write(b); err != nil {
				return err
			}
			c.OffsetIndexOffset, c.OffsetIndexLength = pos, int32(len(b))
			pos += int64(len(b))
		}
	}
	md.NumRows = 0
	for _, rg := range md.RowGroups {
		md.NumRows += rg.NumRows
	}
	return writeFooter(w, &md)
}

// pagesEnd is the end of a column chunk's pages and bloom filter.
func pagesEnd(c *format.ColumnChunk) int64 {
	end := chunkStart(c) + c.MetaData.TotalCompressedSize
	if c.MetaData.BloomFilterOffset > 0 {
		end = max(end, c.MetaData.BloomFilterOffset+int64(max(c.MetaData.BloomFilterLength, 0)))
	}
	return end
}

// truncateParquet writes to w the file in r (size bytes) with only its
// first keep row groups: the bytes before the first dropped row group
// verbatim, when the kept row groups' pages lie before it (always so for a
// file grown by appendRowGroups), their page indexes again, and a footer
// listing the kept ones.
//
// token, when not empty, is set as the footer's "ukgpro.fence" key-value
// metadata, so the result differs from every earlier version even when no
// row group is dropped (decision 0130).
func truncateParquet(w io.Writer, r io.ReaderAt, size int64, keep int, token string) error {
	md, start, err := parquetFooter(r, size)
	if err != nil {
		return err
	}
	if keep > len(md.RowGroups) || keep < 0 {
		return fmt.Errorf("truncate: file has %d row groups, cannot keep %d", len(md.RowGroups), keep)
	}
	cut := start
	for _, rg := range md.RowGroups[keep:] {
		for i := range rg.Columns {
			cut = min(cut, chunkStart(&rg.Columns[i]))
		}
	}
	for _, rg := range md.RowGroups[:keep] {
		for i := range rg.Columns {
			if pagesEnd(&rg.Columns[i]) > cut {
				cut = start
			}
		}
	}
	if token != "" {
		md.KeyValueMetadata = slices.DeleteFunc(md.KeyValueMetadata, func(kv format.KeyValue) bool { return kv.Key == fenceKey })
		md.KeyValueMetadata = append(md.KeyValueMetadata, format.KeyValue{Key: fenceKey, Value: token})
	}
	if err := appendRowGroups(w, r, cut, md, keep, nil, 0); err != nil {
		return fmt.Errorf("truncate: %w", err)
	}
	return nil
}

// SpoolFile returns a new temporary file in os.TempDir() ($TMPDIR) that is
// already unlinked: it takes no name and disappears when closed or when the
// process dies, so a killed loader leaves nothing behind.
func SpoolFile() (*os.File, error) {
	f, err := os.CreateTemp("", "ukgpro-spool-*")
	if err != nil {
		return nil, fmt.Errorf("spool file: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("spool file: %w", err)
	}
	return f, nil
}

// openAt opens key for random access: a local object directly, any other
// through a spool file. It returns the version read on a [Versioned]
// store. close releases it.
func openAt(ctx context.Context, s Store, key string) (r io.ReaderAt, size int64, version string, close func() error, err error) {
	var rc io.ReadCloser
	if v, ok := s.(Versioned); ok {
		rc, version, err = v.OpenVersion(ctx, key)
	} else {
		rc, err = s.Open(ctx, key)
	}
	if err != nil {
		return nil, 0, "", nil, err
	}
	if f, ok := rc.(*os.File); ok {
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, "", nil, fmt.Errorf("stat %s: %w", key, err)
		}
		return f, st.Size(), version, f.Close, nil
	}
	defer rc.Close()
	f, err := SpoolFile()
	if err != nil {
		return nil, 0, "", nil, err
	}
	n, err := io.Copy(f, rc)
	if err != nil {
		f.Close()
		return nil, 0, "", nil, fmt.Errorf("read %s: %w", key, err)
	}
	return f, n, version, f.Close, nil
}
