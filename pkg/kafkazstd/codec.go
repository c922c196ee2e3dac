package kafkazstd

import (
	"bytes"
	"fmt"
	"io"
	"sync"

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
	bufs  sync.Pool // *bytes.Buffer: compressed input and decompressed output
}

var _ compress.Codec = (*Codec)(nil)

// New returns a codec that runs at most concurrency decompressions at once
// (further readers wait their turn: decompression is CPU-bound and a small
// share of a consumer's work); concurrency below 1 means 1.
func New(concurrency int) (*Codec, error) {
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(max(concurrency, 1)),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(MaxBatchBytes),
	)
	if err != nil {
		return nil, fmt.Errorf("zstd decoder: %w", err)
	}
	return &Codec{dec: dec}, nil
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
	if b, ok := c.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

type reader struct {
	c    *Codec
	src  io.Reader
	out  *bytes.Buffer // decompressed batch; nil until the first Read
	err  error
	done bool
}

func (r *reader) decode() {
	r.done = true
	in := r.c.buffer()
	defer r.c.bufs.Put(in)
	if _, err := in.ReadFrom(r.src); err != nil {
		r.err = fmt.Errorf("read zstd batch: %w", err)
		return
	}
	r.src = nil
	r.out = r.c.buffer()
	// A batch decompresses to a few times its size; starting there saves
	// DecodeAll most of its regrowing.
	r.out.Grow(4 * in.Len())
	b, err := r.c.dec.DecodeAll(in.Bytes(), r.out.AvailableBuffer())
	if err != nil {
		r.err = fmt.Errorf("decompress zstd batch: %w", err)
		return
	}
	if cap(b) > r.out.Cap() {
		r.out = bytes.NewBuffer(b) // DecodeAll outgrew the buffer
	} else {
		r.out.Write(b) // in place: b is the buffer's own free space
	}
}

// Read implements io.Reader.
func (r *reader) Read(p []byte) (int, error) {
	if !r.done {
		r.decode()
	}
	if r.err != nil {
		return 0, r.err
	}
	if r.out.Len() == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	n, _ := r.out.Read(p)
	if r.out.Len() == 0 {
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
		r.decode()
	}
	if r.err != nil {
		return 0, r.err
	}
	return r.out.WriteTo(w)
}

// Close returns the buffers for reuse; Read after Close reports
// io.ErrClosedPipe.
func (r *reader) Close() error {
	if r.out != nil {
		r.c.bufs.Put(r.out)
		r.out = nil
	}
	r.done, r.err, r.src = true, io.ErrClosedPipe, nil
	return nil
}
