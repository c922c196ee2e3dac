package archive

import (
	"math/bits"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// zstdCodec is parquet-go's ZSTD codec with the encoder window sized to the
// page. parquet-go's own codec keeps klauspost's default 8 MiB window, whose
// history buffers cost about 40 MiB of heap per encoder at the "better"
// level; a page is compressed on its own, so a window past the page size
// buys nothing.
type zstdCodec struct {
	level  zstd.EncoderLevel
	window int
	enc    sync.Pool
	dec    sync.Pool
}

func newZstdCodec(level zstd.EncoderLevel, pageBytes int) *zstdCodec {
	// A power of two between 1 MiB and 8 MiB that holds a page (pages
	// overshoot PageBytes a little; matches beyond the window are lost,
	// which costs a little ratio, never correctness).
	w := 1 << bits.Len(uint(max(pageBytes, 1<<20)-1))
	return &zstdCodec{level: level, window: min(w, 8<<20)}
}

func (c *zstdCodec) String() string { return "ZSTD" }

func (c *zstdCodec) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *zstdCodec) Encode(dst, src []byte) ([]byte, error) {
	e, _ := c.enc.Get().(*zstd.Encoder)
	if e == nil {
		var err error
		e, err = zstd.NewWriter(nil,
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderLevel(c.level),
			zstd.WithWindowSize(c.window),
			zstd.WithZeroFrames(true),
			zstd.WithEncoderCRC(false),
		)
		if err != nil {
			return dst, err
		}
	}
	defer c.enc.Put(e)
	return e.EncodeAll(src, dst[:0]), nil
}

func (c *zstdCodec) Decode(dst, src []byte) ([]byte, error) {
	d, _ := c.dec.Get().(*zstd.Decoder)
	if d == nil {
		var err error
		d, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return dst, err
		}
	}
	defer c.dec.Put(d)
	return d.DecodeAll(src, dst[:0])
}
