package kafkazstd

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"
	"github.com/segmentio/kafka-go/compress"
	kzstd "github.com/segmentio/kafka-go/compress/zstd"
)

// MaxBatchBytes is the largest decompressed record batch the codec accepts:
// far above what a broker's message.max.bytes lets a producer write (1 MiB
// by default), low enough that a corrupt or hostile frame cannot make the
// consumer allocate without bound.
const MaxBatchBytes = 256 << 20

// Codec decompresses zstd record batches; it is safe for concurrent use by
// every partition reader of a process. The zero value is not usable: call
// [New].
type Codec struct {
	dec   *zstd.Decoder
	write kzstd.Codec
	// ratio is the last batch's decompressed size per compressed byte,
	// in 1/256ths: the size a batch is decompressed into, before it is
	// known.
	ratio atomic.Int64

	// Idle buffers (compressed input; decompressed output when kafka-go's
	// buffer is too small for a batch) are kept on a short free list, not
	// in a sync.Pool: a pool is emptied by every GC, and a loader near its
	// soft memory limit collects several times a second, so each batch
	// paid for new buffers of hundreds of KiB (large allocations, which
	// the runtime pays for by returning other memory to the OS first).
	mu   sync.Mutex
	idle []*bytes.Buffer
	keep int // at most this many idle buffers
}

var _ compress.Codec = (*Codec)(nil)

// New returns a codec that runs at most concurrency decompressions at once
// (further readers wait their turn: decompression is CPU-bound and a small
// share of a consumer's work); concurrency below 1 means 1.
func New(concurrency int) (*Codec, error) {
	concurrency = max(concurrency, 1)
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(concurrency),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(MaxBatchBytes),
	)
	if err != nil {
		return nil, fmt.Errorf("zstd decoder: %w", err)
	}
	c := &Codec{dec: dec, keep: 2 * concurrency}
	c.ratio.Store(4 << 8) // kafka-go's own guess
	return c, nil
}

// Code is Kafka's code of zstd (4).
func (c *Codec) Code() int8 { return int8(compress.Zstd) }

// Name is "zstd".
func (c *Codec) Name() string { return "zstd" }

// NewWriter compresses with kafka-go's own zstd codec.
func (c *Codec) NewWriter(w io.Writer) io.WriteCloser { return c.write.NewWriter(w) }

// NewReader returns a reader of the decompressed bytes of the zstd frames
// that r holds; r is read to its end at the first Read.
func (c *Codec) NewReader(r io.Reader) io.ReadCloser { return &reader{c: c, src: r} }

func (c *Codec) buffer() *bytes.Buffer {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.idle); n > 0 {
		b := c.idle[n-1]
		c.idle = c.idle[:n-1]
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

func (c *Codec) release(b *bytes.Buffer) {
	if b == nil || b.Cap() > MaxBatchBytes/16 {
		return // a rare huge batch: not kept
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.idle) < c.keep {
		c.idle = append(c.idle, b)
	}
}

// expected is the decompressed size of the batch in (compressed): the size
// its first frame declares, else guessed from the last batch's ratio (with
// an eighth to spare, at most maxGuessRatio).
func (c *Codec) expected(in []byte) int {
	var h zstd.Header
	if h.Decode(in) == nil && h.HasFCS && h.FrameContentSize <= MaxBatchBytes {
		return int(h.FrameContentSize)
	}
	ratio := min(c.ratio.Load(), maxGuessRatio<<8)
	return int(min(int64(len(in))*ratio*9/8>>8, MaxBatchBytes))
}

// maxGuessRatio bounds the guessed decompressed size of a batch whose frame
// does not declare it: one batch of zeros must not make the next ones
// reserve hundreds of times their size.
const maxGuessRatio = 16

type reader struct {
	c    *Codec
	src  io.Reader
	out  *bytes.Buffer // decompressed bytes not read yet; nil: none
	err  error
	done bool
}

// decode decompresses the whole batch: into p (the caller's buffer: kafka-go
// reads a batch into a buffer it keeps, bytes.Buffer.ReadFrom) when the batch
// fits there, so it is written once; otherwise into r.out. It returns how
// much of p it filled.
func (r *reader) decode(p []byte) int {
	r.done = true
	in := r.c.buffer()
	defer r.c.release(in)
	if _, err := in.ReadFrom(r.src); err != nil {
		r.err = fmt.Errorf("read zstd batch: %w", err)
		return 0
	}
	r.src = nil
	if in.Len() == 0 {
		return 0
	}
	dst := p[:0:len(p)] // past len(p), DecodeAll allocates
	if want := r.c.expected(in.Bytes()); want > len(p) {
		r.out = r.c.buffer()
		r.out.Grow(want)
		dst = r.out.AvailableBuffer()
	}
	b, err := r.c.dec.DecodeAll(in.Bytes(), dst)
	if err != nil {
		r.err = fmt.Errorf("decompress zstd batch: %w", err)
		return 0
	}
	r.c.ratio.Store(max(int64(len(b))<<8/int64(in.Len()), 1<<8))
	if len(b) == 0 {
		return 0
	}
	if len(p) >= len(b) && &b[0] == &p[0] {
		return len(b) // decompressed in place
	}
	if r.out == nil || cap(b) > r.out.Cap() {
		r.c.release(r.out)
		r.out = bytes.NewBuffer(b) // DecodeAll outgrew its buffer
	} else {
		r.out.Write(b) // in place: b is the buffer's own free space
	}
	n, _ := r.out.Read(p)
	return n
}

// Read implements io.Reader.
func (r *reader) Read(p []byte) (int, error) {
	var n int
	switch {
	case !r.done:
		n = r.decode(p)
	case r.err == nil && r.out != nil:
		n, _ = r.out.Read(p)
	}
	if r.err != nil {
		return 0, r.err
	}
	if r.out == nil || r.out.Len() == 0 {
		// EOF with the last bytes: bytes.Buffer.ReadFrom (kafka-go's
		// caller) would otherwise grow its buffer for one more Read, to
		// twice the batch when the batch filled it exactly.
		return n, io.EOF
	}
	return n, nil
}

// WriteTo implements io.WriterTo.
func (r *reader) WriteTo(w io.Writer) (int64, error) {
	if !r.done {
		r.decode(nil)
	}
	if r.err != nil {
		return 0, r.err
	}
	if r.out == nil {
		return 0, nil
	}
	return r.out.WriteTo(w)
}

// Close returns the buffers for reuse; Read after Close reports
// io.ErrClosedPipe.
func (r *reader) Close() error {
	r.c.release(r.out)
	r.out = nil
	r.done, r.err, r.src = true, io.ErrClosedPipe, nil
	return nil
}
