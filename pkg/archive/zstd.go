package archive

import (
	"math/bits"
	"runtime"
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
// ([WriterConfig.WithSharedEncoders]); at most one page per core is
// compressed at once (others wait their turn), so the encoders (about
// 10 MiB each at level 3) number the cores, not the open files.
type zstdCodec struct {
	level  zstd.EncoderLevel
	window int

	busy chan struct{} // one token per encoder in use
	mu   sync.Mutex
	idle []*zstd.Encoder
	dec  sync.Pool
}

// maxEncoders bounds the encoders of a codec: zstd is CPU-bound, so more
// compressions at once than cores gain nothing but memory.
func maxEncoders() int { return min(runtime.GOMAXPROCS(0), 4) }

func newZstdCodec(level zstd.EncoderLevel, pageBytes int) *zstdCodec {
	// A power of two between 1 MiB and 8 MiB that holds a page (pages
	// overshoot PageBytes a little; matches beyond the window are lost,
	// which costs a little ratio, never correctness).
	w := 1 << bits.Len(uint(max(pageBytes, 1<<20)-1))
	return &zstdCodec{level: level, window: min(w, 8<<20), busy: make(chan struct{}, maxEncoders())}
}

func (c *zstdCodec) String() string { return "ZSTD" }

func (c *zstdCodec) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *zstdCodec) getEncoder() (*zstd.Encoder, error) {
	c.busy <- struct{}{}
	c.mu.Lock()
	if n := len(c.idle); n > 0 {
		e := c.idle[n-1]
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return e, nil
	}
	c.mu.Unlock()
	e, err := zstd.NewWriter(nil,
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderLevel(c.level),
		zstd.WithWindowSize(c.window),
		zstd.WithZeroFrames(true),
		zstd.WithEncoderCRC(false),
	)
	if err != nil {
		<-c.busy
	}
	return e, err
}

// putEncoder returns an encoder from getEncoder; at most cap(busy) exist.
func (c *zstdCodec) putEncoder(e *zstd.Encoder) {
	c.mu.Lock()
	c.idle = append(c.idle, e)
	c.mu.Unlock()
	<-c.busy
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
