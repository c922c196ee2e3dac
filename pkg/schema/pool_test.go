package schema

import (
	"testing"
	"unsafe"
)

// TestPoolAllocator: freed buffers are reused (same memory, zeroed), never
// more than maxIdle bytes are kept, and buffers that are not the pool's
// own size classes are ignored.
func TestPoolAllocator(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxIdle  int64
		frees    []int // sizes allocated, then all freed
		wantIdle int64
	}{
		{"unbounded keeps all", 0, []int{100, 5000, 70000}, 128 + 8192 + 131072},
		{"bound drops the overflow", 10000, []int{100, 5000, 70000}, 128 + 8192},
		{"nothing over the bound", 100, []int{5000}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPoolAllocator(tc.maxIdle)
			var bufs [][]byte
			for _, n := range tc.frees {
				b := p.Allocate(n)
				if len(b) != n {
					t.Fatalf("Allocate(%d) has length %d", n, len(b))
				}
				bufs = append(bufs, b)
			}
			for _, b := range bufs {
				p.Free(b)
			}
			if got := p.Idle(); got != tc.wantIdle {
				t.Fatalf("Idle() = %d, want %d", got, tc.wantIdle)
			}
		})
	}

	t.Run("reuse is zeroed", func(t *testing.T) {
		p := NewPoolAllocator(0)
		b := p.Allocate(3000)
		for i := range b {
			b[i] = 0xff
		}
		addr := unsafe.SliceData(b)
		p.Free(b)
		c := p.Allocate(2500) // same size class
		if unsafe.SliceData(c) != addr {
			t.Fatal("a freed buffer of the same size class was not reused")
		}
		for i, v := range c {
			if v != 0 {
				t.Fatalf("reused buffer byte %d = %#x, want 0", i, v)
			}
		}
		if p.Idle() != 0 {
			t.Fatalf("Idle() = %d after reuse, want 0", p.Idle())
		}
		p.Free(make([]byte, 100)) // capacity not a power of two: not ours
		if p.Idle() != 0 {
			t.Fatalf("Idle() = %d after freeing a foreign buffer", p.Idle())
		}
	})
}
