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
//
// Idle encoders are kept on a small free list, not in a sync.Pool: a pool
// is emptied by every GC, and a busy loader collects several times a second,
// so each page paid for a new encoder (its tables and history, megabytes
// each, allocated and cleared). One codec may serve many writers at once
// ([WriterConfig.WithSharedEncoders]).
type zstdCodec struct {
	level  zstd.EncoderLevel
	window int

	mu   sync.Mutex
	idle []*zstd.Encoder
	dec  sync.Pool
}

// maxIdleEncoders bounds the encoders a codec keeps between pages: about
// one per core that compresses at once.
const maxIdleEncoders = 4

func newZstdCodec(level zstd.EncoderLevel, pageBytes int) *zstdCodec {
	// A power of two between 1 MiB and 8 MiB that holds a page (pages
	// overshoot PageBytes a little; matches beyond the window are lost,
	// which costs a little ratio, never correctness).
	w := 1 << bits.Len(uint(max(pageBytes, 1<<20)-1))
	return &zstdCodec{level: level, window: min(w, 8<<20)}
}

func (c *zstdCodec) String() string { return "ZSTD" }

func (c *zstdCodec) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *zstdCodec) getEncoder() (*zstd.Encoder, error) {
	c.mu.Lock()
	if n := len(c.idle); n > 0 {
		e := c.idle[n-1]
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return e, nil
	}
	c.mu.Unlock()
	return zstd.NewWriter(nil,
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderLevel(c.level),
		zstd.WithWindowSize(c.window),
		zstd.WithZeroFrames(true),
		zstd.WithEncoderCRC(false),
	)
}

func (c *zstdCodec) putEncoder(e *zstd.Encoder) {
	c.mu.Lock()
	if len(c.idle) < maxIdleEncoders {
		c.idle = append(c.idle, e)
	}
	c.mu.Unlock()
}

func (c *zstdCodec) Encode(dst, src []byte) ([]byte, error) {
	e, err := c.getEncoder()
	if err != nil {
		return dst, err
	}
	defer c.putEncoder(e)
	if cap(dst) < len(src) {
		// parquet-go swaps its page and compression buffers after each
		// page: the buffer returned here receives the next page's
		// uncompressed bytes. Sized for a page, it no longer grows from
		// the compressed size by repeated copying on every page.
		dst = make([]byte, 0, len(src))
	}
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
