package load

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// TestWriterPool: the pool lends at most its size of writers at once (a
// partition waits, or gives up with its context), reuses a returned
// writer for the next file of the same schema, and never keeps more
// writers, lent or idle, than its size.
func TestWriterPool(t *testing.T) {
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, err := newCodec(reg.Topic(kafkax.Employees), archive.WriterConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := archive.WithPlainColumns(c.ps, c.as, []string{"employee_id"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := newWriterPool(2, 64<<10)
	alive := func() int { p.mu.Lock(); defer p.mu.Unlock(); return p.lent + len(p.idle) }

	a, err := p.get(ctx, c, c.ps, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.get(ctx, c, plain, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// Both lent: a third waits until its context ends...
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := p.get(short, c, c.ps, io.Discard); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third get with two lent: %v, want the context's deadline", err)
	}
	// ...or until one comes back, and then gets the one of its schema.
	got := make(chan *archive.ParquetWriter, 1)
	go func() {
		w, err := p.get(ctx, c, c.ps, io.Discard)
		if err != nil {
			t.Error(err)
		}
		got <- w
	}()
	for _, w := range []*archive.ParquetWriter{a, b} {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	p.put(plain, b)
	p.put(c.ps, a)
	select {
	case w := <-got:
		if w != a {
			t.Error("a waiting get of a returned writer's schema made a new writer")
		}
		p.put(c.ps, w)
	case <-time.After(10 * time.Second):
		t.Fatal("a get still waits after two writers came back")
	}
	if n := alive(); n != 2 {
		t.Fatalf("%d writers alive, want 2", n)
	}
	// A third schema replaces the longest idle writer: still 2 alive.
	other, err := archive.WithPlainColumns(c.ps, c.as, []string{"supervisor_id"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range []*parquet.Schema{other, c.ps, plain} {
		w, err := p.get(ctx, c, ps, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if n := alive(); n > 2 {
			t.Fatalf("%d writers alive, at most 2", n)
		}
		w.Close()
		p.put(ps, w)
	}
	// A writer whose file failed is dropped, not reused.
	w, err := p.get(ctx, c, c.ps, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	p.drop()
	if n := alive(); n != 1 {
		t.Fatalf("%d writers alive after a drop, want 1", n)
	}
	if w2, err := p.get(ctx, c, c.ps, io.Discard); err != nil || w2 == w {
		t.Fatalf("get after a drop: the dropped writer again (%v)", err)
	}
}
