package schema

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func employeeRecord(b *testing.B) (*Schema, []byte) {
	s := topic(b, "employees")
	// Every key present, nothing null: the widest employee record.
	r := rand.New(rand.NewPCG(1, 1))
	rec := fullRecordOpt(s, r, false)
	if err := s.Validate(rec); err != nil {
		b.Fatal(err)
	}
	return s, rec
}

// BenchmarkAppendEmployee: the loader's fast path, validation + conversion
// of one full employee record into Arrow builders (target < 5 µs, < 20
// allocs per record).
func BenchmarkAppendEmployee(b *testing.B) {
	b.Run("alloc=default", func(b *testing.B) { benchAppend(b, memory.DefaultAllocator) })
	b.Run("alloc=pool", func(b *testing.B) { benchAppend(b, NewPoolAllocator(0)) })
}

func benchAppend(b *testing.B, mem memory.Allocator) {
	s, rec := employeeRecord(b)
	batch := NewBatch(s, mem)
	defer batch.Release()
	m := Meta{Topic: "ukgpro.employees", Partition: 3, Offset: 1, Timestamp: time.Now(), Key: []byte("Q4T9Z/B7QX2K0000A1"), RecordHash: []byte("0123456789abcdef"), EventID: []byte("fedcba9876543210")}
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := batch.Append(rec, m); err != nil {
			b.Fatal(err)
		}
		if batch.Len() == 8192 { // a loader flushes batches; keep memory flat
			batch.NewRecord().Release()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkValidateEmployee: the extractor's library path (JSON Schema
// library over encoding/json), for comparison.
func BenchmarkValidateEmployee(b *testing.B) {
	s, rec := employeeRecord(b)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Validate(rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
