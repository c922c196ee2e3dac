package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Joining segments (decision 0142). A loader partition writes its pending
// rows as segments: each a complete, small Parquet file with one row
// group, appended one after the other to the partition's spool file by
// whichever pooled writer was free. At publication the segments become one
// Parquet file without re-encoding anything: "PAR1", the bytes of every
// segment from its first page up to its offset indexes (pages, bloom
// filters, column indexes) verbatim, the offset indexes re-encoded with
// shifted page locations, and one footer listing every row group with its
// offsets shifted. The joined file is not written anywhere: [JoinParquet]
// returns a reader over the spool's bytes and a few in-memory pieces.

// Segment is where one complete Parquet file lies in a larger file.
type Segment struct {
	Offset int64
	Size   int64
}

// JoinedParquet is a Parquet file made of the row groups of segments,
// read on demand from the file holding them. It implements io.ReaderAt.
type JoinedParquet struct {
	pieces []joinPiece // in output order, contiguous
	size   int64
	groups int
	rows   int64
}

// joinPiece is size bytes of the joined file starting at out: from r at
// off, or from b when r is nil.
type joinPiece struct {
	out, size int64
	r         io.ReaderAt
	off       int64
	b         []byte
}

// Size is the joined file's length in bytes.
func (j *JoinedParquet) Size() int64 { return j.size }

// RowGroups is the number of row groups of the joined file.
func (j *JoinedParquet) RowGroups() int { return j.groups }

// Rows is the number of rows of the joined file.
func (j *JoinedParquet) Rows() int64 { return j.rows }

// ReadAt reads len(p) bytes of the joined file at off.
func (j *JoinedParquet) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("joined parquet: negative offset")
	}
	if off >= j.size {
		return 0, io.EOF
	}
	i := sort.Search(len(j.pieces), func(i int) bool { return j.pieces[i].out+j.pieces[i].size > off })
	n := 0
	for ; n < len(p) && i < len(j.pieces); i++ {
		pc := &j.pieces[i]
		from := off + int64(n) - pc.out
		want := min(int64(len(p)-n), pc.size-from)
		if pc.r == nil {
			n += copy(p[n:n+int(want)], pc.b[from:])
			continue
		}
		m, err := pc.r.ReadAt(p[n:n+int(want)], pc.off+from)
		n += m
		if err != nil && !(errors.Is(err, io.EOF) && int64(m) == want) {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // the spool is shorter than its segments
			}
			return n, fmt.Errorf("joined parquet: %w", err)
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// JoinParquet returns the Parquet file holding, in order, the row groups of
// the complete Parquet files at segs in r. Every segment must have the same
// schema; the key/value metadata and writer of the first one are kept. A
// single segment is returned as it is. Only the footers and offset indexes
// are read (and held, re-encoded) now; the pages are read from r when the
// result is read, so r must stay open and unchanged until then.
func JoinParquet(r io.ReaderAt, segs []Segment) (*JoinedParquet, error) {
	if len(segs) == 0 {
		return nil, errors.New("join parquet: no segments")
	}
	j := &JoinedParquet{}
	if len(segs) == 1 {
		md, _, err := parquetFooter(io.NewSectionReader(r, segs[0].Offset, segs[0].Size), segs[0].Size)
		if err != nil {
			return nil, fmt.Errorf("join parquet: segment 0: %w", err)
		}
		j.pieces = []joinPiece{{size: segs[0].Size, r: r, off: segs[0].Offset}}
		j.size, j.groups, j.rows = segs[0].Size, len(md.RowGroups), md.NumRows
		return j, nil
	}
	add := func(pc joinPiece) {
		pc.out = j.size
		j.pieces = append(j.pieces, pc)
		j.size += pc.size
	}
	add(joinPiece{size: int64(len(parquetMagic)), b: []byte(parquetMagic)})
	// The pages (and bloom filters) of every segment first, then the column
	// indexes of every segment, then their offset indexes: each kind of
	// index in one contiguous section, as in a file written in one go
	// (parquet-go's reader relies on it).
	var (
		md     *format.FileMetaData
		metas  = make([]*format.FileMetaData, len(segs))
		cis    = make([][2]int64, len(segs)) // each segment's column index section
		deltas = make([]int64, len(segs))    // where each segment's pages moved
	)
	for i, sg := range segs {
		seg := io.NewSectionReader(r, sg.Offset, sg.Size)
		smd, start, err := parquetFooter(seg, sg.Size)
		if err != nil {
			return nil, fmt.Errorf("join parquet: segment %d: %w", i, err)
		}
		if md == nil {
			first := *smd
			first.RowGroups, first.NumRows = nil, 0
			md = &first
		} else if !sameSchema(md, smd) {
			return nil, fmt.Errorf("join parquet: segment %d: %w", i, errSchemaChanged)
		}
		end, ci := segmentLayout(smd, start)
		// A byte at offset x >= 4 of the segment lands at j.size + x - 4.
		deltas[i] = j.size - int64(len(parquetMagic))
		shiftRowGroups(smd, deltas[i], end)
		add(joinPiece{size: end - int64(len(parquetMagic)), r: r, off: sg.Offset + int64(len(parquetMagic))})
		metas[i], cis[i] = smd, ci
	}
	for i, sg := range segs {
		if n := cis[i][1] - cis[i][0]; n > 0 {
			// Column indexes hold no offsets: they move verbatim.
			for g := range metas[i].RowGroups {
				for k := range metas[i].RowGroups[g].Columns {
					if c := &metas[i].RowGroups[g].Columns[k]; c.ColumnIndexOffset >= cis[i][0] && c.ColumnIndexOffset < cis[i][1] {
						c.ColumnIndexOffset += j.size - cis[i][0]
					}
				}
			}
			add(joinPiece{size: n, r: r, off: sg.Offset + cis[i][0]})
		}
	}
	var indexes bytes.Buffer // the offset indexes, re-encoded
	pos := j.size
	for i, sg := range segs {
		seg := io.NewSectionReader(r, sg.Offset, sg.Size)
		for g := range metas[i].RowGroups {
			rg := &metas[i].RowGroups[g]
			rg.Ordinal = int16(len(md.RowGroups))
			for k := range rg.Columns {
				c := &rg.Columns[k]
				if c.OffsetIndexOffset <= 0 {
					continue
				}
				b, err := shiftedOffsetIndex(seg, c, deltas[i])
				if err != nil {
					return nil, fmt.Errorf("join parquet: segment %d: %w", i, err)
				}
				c.OffsetIndexOffset, c.OffsetIndexLength = pos+int64(indexes.Len()), int32(len(b))
				indexes.Write(b)
			}
			md.RowGroups = append(md.RowGroups, *rg)
			md.NumRows += rg.NumRows
		}
	}
	add(joinPiece{size: int64(indexes.Len()), b: indexes.Bytes()})
	var footer bytes.Buffer
	if err := writeFooter(&footer, md); err != nil {
		return nil, fmt.Errorf("join parquet: %w", err)
	}
	add(joinPiece{size: int64(footer.Len()), b: footer.Bytes()})
	j.groups, j.rows = len(md.RowGroups), md.NumRows
	return j, nil
}

// segmentLayout returns where the bytes of a file (footer at start) that
// move verbatim end, and its column index section: parquet-go writes the
// pages and bloom filters of every row group, then every column index,
// then every offset index, then the footer. When a file is laid out
// otherwise, everything up to the footer moves verbatim (the old offset
// indexes included, which no footer points to any more) and the column
// index section is empty.
func segmentLayout(md *format.FileMetaData, start int64) (end int64, ci [2]int64) {
	ciStart, ciEnd, oiStart := start, int64(0), start
	for _, rg := range md.RowGroups {
		for _, c := range rg.Columns {
			if c.ColumnIndexOffset > 0 {
				ciStart = min(ciStart, c.ColumnIndexOffset)
				ciEnd = max(ciEnd, c.ColumnIndexOffset+int64(c.ColumnIndexLength))
			}
			if c.OffsetIndexOffset > 0 {
				oiStart = min(oiStart, c.OffsetIndexOffset)
			}
		}
	}
	end = min(ciStart, oiStart)
	if ciEnd > oiStart {
		return start, ci
	}
	for _, rg := range md.RowGroups {
		for i := range rg.Columns {
			if pagesEnd(&rg.Columns[i]) > end {
				return start, ci
			}
		}
	}
	if ciEnd > 0 {
		ci = [2]int64{ciStart, ciEnd}
	}
	return end, ci
}

// shiftRowGroups moves by delta every offset of md's row groups that
// points below end (the bytes that move verbatim); offset indexes and the
// column indexes past end are placed by the caller.
func shiftRowGroups(md *format.FileMetaData, delta, end int64) {
	shift := func(off *int64) {
		if *off > 0 && *off < end {
			*off += delta
		}
	}
	for g := range md.RowGroups {
		rg := &md.RowGroups[g]
		shift(&rg.FileOffset)
		for i := range rg.Columns {
			shiftChunk(&rg.Columns[i], shift)
			shift(&rg.Columns[i].ColumnIndexOffset)
		}
	}
}

// shiftChunk applies shift to every offset of column chunk c that points
// into its pages or bloom filter (not to its page indexes).
func shiftChunk(c *format.ColumnChunk, shift func(*int64)) {
	shift(&c.FileOffset)
	shift(&c.MetaData.DataPageOffset)
	shift(&c.MetaData.IndexPageOffset)
	shift(&c.MetaData.DictionaryPageOffset)
	shift(&c.MetaData.BloomFilterOffset)
}

// shiftedOffsetIndex reads the offset index of column chunk c from r and
// returns it re-encoded with its page locations moved by delta (as read
// when delta is 0).
func shiftedOffsetIndex(r io.ReaderAt, c *format.ColumnChunk, delta int64) ([]byte, error) {
	blob := make([]byte, c.OffsetIndexLength)
	if _, err := r.ReadAt(blob, c.OffsetIndexOffset); err != nil {
		return nil, fmt.Errorf("read offset index: %w", err)
	}
	if delta == 0 {
		return blob, nil
	}
	var oi format.OffsetIndex
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), blob, &oi); err != nil {
		return nil, fmt.Errorf("decode offset index: %w", err)
	}
	for k := range oi.PageLocations {
		oi.PageLocations[k].Offset += delta
	}
	b, err := thrift.Marshal(new(thrift.CompactProtocol), &oi)
	if err != nil {
		return nil, fmt.Errorf("encode offset index: %w", err)
	}
	return b, nil
}
