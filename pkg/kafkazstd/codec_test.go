package kafkazstd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"
	kzstd "github.com/segmentio/kafka-go/compress/zstd"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
)

// batch returns n bytes of JSON-like text, compressible as real records are.
func batch(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"employeeId":"E%09d","companyId":"C%04d","jobCode":"J%03d","hourlyPayRate":%d.%02d},`, i*7919%1000003, i%13, i*31%977, 10+i%90, i%100)
	}
	return b.Bytes()[:n]
}

// compressed is p compressed as kafka-go's producer does it (streaming,
// so the frame declares the encoder's full 8 MiB window).
func compressed(t testing.TB, p []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := new(kzstd.Codec).NewWriter(&out)
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// decompress reads a batch the way kafka-go does: bytes.Buffer.ReadFrom
// over a reader limited to the compressed bytes.
func decompress(c compress.Codec, src []byte) ([]byte, error) {
	var out bytes.Buffer
	r := c.NewReader(&io.LimitedReader{R: bytes.NewReader(src), N: int64(len(src))})
	defer r.Close()
	_, err := out.ReadFrom(r)
	return out.Bytes(), err
}

func TestDecompressesWhatKafkaGoCompresses(t *testing.T) {
	c, err := New(2)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 1000, 128 << 10, 512 << 10, 3 << 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			want := batch(n)
			got, err := decompress(c, compressed(t, want))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("decompressed %d bytes, want the %d compressed", len(got), len(want))
			}
		})
	}
	t.Run("two frames", func(t *testing.T) {
		a, b := batch(70_000), batch(3_000)
		got, err := decompress(c, append(compressed(t, a), compressed(t, b)...))
		if err != nil {
			t.Fatal(err)
		}
		if want := append(a, b...); !bytes.Equal(got, want) {
			t.Fatalf("decompressed %d bytes, want %d", len(got), len(want))
		}
	})
}

func TestCorruptBatchIsAnError(t *testing.T) {
	c, err := New(1)
	if err != nil {
		t.Fatal(err)
	}
	good := compressed(t, batch(200_000))
	for name, src := range map[string][]byte{
		"not zstd":  []byte("this is not a zstd frame at all"),
		"truncated": good[:len(good)/2],
		"flipped": func() []byte {
			b := bytes.Clone(good)
			for i := 20; i < len(b); i += 97 {
				b[i] ^= 0x5a
			}
			return b
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := decompress(c, src); err == nil || !strings.Contains(err.Error(), "zstd batch") {
				t.Fatalf("got err %v, want a decompress error", err)
			}
		})
	}
}

// TestMemoryFollowsTheBatchNotTheWindow: readers in the middle of their
// batches (one per partition) hold about a batch each, not the 8 MiB
// window kafka-go's producer declares.
func TestMemoryFollowsTheBatchNotTheWindow(t *testing.T) {
	const readers, size = 16, 512 << 10
	src := compressed(t, batch(size))
	held := func(c compress.Codec) uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC() // twice: pooled buffers survive one collection
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		rs := make([]io.ReadCloser, readers)
		one := make([]byte, 1)
		for i := range rs {
			rs[i] = c.NewReader(bytes.NewReader(src))
			if _, err := rs[i].Read(one); err != nil {
				t.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		for _, r := range rs {
			r.Close()
		}
		return ms.HeapAlloc - min(before, ms.HeapAlloc)
	}
	c, err := New(2)
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs := held(c), held(new(kzstd.Codec))
	t.Logf("%d readers mid-batch hold %d KiB (kafka-go's codec: %d KiB)", readers, ours>>10, theirs>>10)
	if limit := uint64(readers * 3 * size); ours > limit {
		t.Fatalf("%d readers mid-batch hold %d KiB, want at most %d KiB (3 batches each)", readers, ours>>10, limit>>10)
	}
}

// TestBatchesDecompressIntoTheCallersBuffer: kafka-go reads every batch
// into a buffer it keeps (bytes.Buffer.ReadFrom); once that buffer holds a
// batch, the next batches are decompressed straight into it, and the
// codec's own buffers outlive garbage collections: a batch costs no
// allocation of its size, however often the consumer collects.
func TestBatchesDecompressIntoTheCallersBuffer(t *testing.T) {
	const size = 300 << 10 // a kafka-go producer's batch of 100 records
	want := batch(size)
	src := compressed(t, want)
	c, err := New(2)
	if err != nil {
		t.Fatal(err)
	}
	var dst bytes.Buffer
	read := func() {
		dst.Reset()
		dst.Grow(4 * len(src)) // as kafka-go does before ReadFrom
		r := c.NewReader(&io.LimitedReader{R: bytes.NewReader(src), N: int64(len(src))})
		if _, err := dst.ReadFrom(r); err != nil {
			t.Fatal(err)
		}
		r.Close()
		if !bytes.Equal(dst.Bytes(), want) {
			t.Fatalf("decompressed %d bytes differ from the %d compressed", dst.Len(), len(want))
		}
	}
	read() // the first batch grows the caller's buffer
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const batches = 20
	for range batches {
		runtime.GC() // a sync.Pool would be emptied
		read()
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / batches; per > size/8 {
		t.Fatalf("%d bytes allocated per %d KiB batch, want at most %d", per, size>>10, size/8)
	}
}

// TestOneCompressibleBatchDoesNotInflateTheNext: the size reserved for a
// batch whose frame does not declare it is guessed from the last batch's
// ratio, bounded: a batch of zeros (a ratio in the thousands) must not make
// the next batch reserve hundreds of MiB.
func TestOneCompressibleBatchDoesNotInflateTheNext(t *testing.T) {
	c, err := New(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decompress(c, compressed(t, make([]byte, 8<<20))); err != nil {
		t.Fatal(err)
	}
	want := batch(300 << 10)
	src := compressed(t, want)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := decompress(c, src)
	runtime.ReadMemStats(&after)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("decompressed %d bytes (%v), want the %d compressed", len(got), err, len(want))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Fatalf("a %d KiB batch after a batch of zeros allocated %d MiB", len(want)>>10, alloc>>20)
	}
}

// TestConsumesThroughKafkaGo: installed in kafka-go's codec table, the
// codec serves a real reader fetching zstd batches from a broker.
func TestConsumesThroughKafkaGo(t *testing.T) {
	c, err := New(2)
	if err != nil {
		t.Fatal(err)
	}
	old := compress.Codecs[compress.Zstd]
	compress.Codecs[compress.Zstd] = c
	t.Cleanup(func() { compress.Codecs[compress.Zstd] = old })

	brokers := testenv.Kafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const topic, n = "kafkazstd-test", 3000
	w := &kafka.Writer{Transport: testenv.Transport(t), Addr: kafka.TCP(brokers...), Topic: topic, Compression: kafka.Zstd,
		BatchSize: 1000, BatchBytes: 1 << 20, AllowAutoTopicCreation: true, RequiredAcks: kafka.RequireAll,
		Balancer: kafka.BalancerFunc(func(_ kafka.Message, p ...int) int { return p[0] })}
	defer w.Close()
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprint(i)), Value: batch(500 + i%700)}
	}
	for {
		err := w.WriteMessages(ctx, msgs...)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatal(err)
		}
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	for i := range n {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if string(m.Key) != fmt.Sprint(i) || !bytes.Equal(m.Value, msgs[i].Value) {
			t.Fatalf("message %d: key %q, %d value bytes; want key %d, %d bytes", i, m.Key, len(m.Value), i, len(msgs[i].Value))
		}
	}
}
