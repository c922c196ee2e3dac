package schema

import (
	"math"
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// PoolAllocator is an Arrow allocator that keeps freed buffers (in
// power-of-two size classes) for reuse, so a loader that builds batch after
// batch of similar size reuses warm memory instead of faulting in fresh
// pages for every batch. Buffers are returned to it when record batches are
// released; it keeps at most maxIdle bytes of them (the rest is left to the
// garbage collector), so memory held after a burst stays bounded. Safe for
// concurrent use.
type PoolAllocator struct {
	mu      sync.Mutex
	free    [64][][]byte
	idle    int64 // bytes in free
	maxIdle int64
}

var _ memory.Allocator = (*PoolAllocator)(nil)

// NewPoolAllocator returns an empty pool that keeps up to maxIdle bytes of
// freed buffers; maxIdle <= 0 means no bound.
func NewPoolAllocator(maxIdle int64) *PoolAllocator {
	if maxIdle <= 0 {
		maxIdle = math.MaxInt64
	}
	return &PoolAllocator{maxIdle: maxIdle}
}

// Idle is the number of bytes the pool holds for reuse.
func (p *PoolAllocator) Idle() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.idle
}

const poolAlign = 64

func sizeClass(n int) int {
	if n <= poolAlign {
		return 6
	}
	return bits.Len(uint(n - 1))
}

// Allocate returns a zeroed buffer of size bytes.
func (p *PoolAllocator) Allocate(size int) []byte {
	c := sizeClass(size)
	p.mu.Lock()
	if l := p.free[c]; len(l) > 0 {
		b := l[len(l)-1]
		p.free[c] = l[:len(l)-1]
		p.idle -= int64(cap(b))
		p.mu.Unlock()
		b = b[:size]
		clear(b)
		return b
	}
	p.mu.Unlock()
	return make([]byte, size, 1<<c)
}

// Reallocate grows or shrinks b, keeping its content.
func (p *PoolAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		old := len(b)
		b = b[:size]
		if size > old {
			clear(b[old:])
		}
		return b
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free returns b to the pool.
func (p *PoolAllocator) Free(b []byte) {
	c := cap(b)
	if c == 0 || c&(c-1) != 0 || c < poolAlign {
		return // not one of ours
	}
	k := bits.Len(uint(c - 1))
	p.mu.Lock()
	if p.idle+int64(c) <= p.maxIdle {
		p.free[k] = append(p.free[k], b[:0])
		p.idle += int64(c)
	}
	p.mu.Unlock()
}
