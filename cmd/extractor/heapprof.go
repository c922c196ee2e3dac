//go:build heapprof

package main

import (
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"time"
)

// Built with -tags heapprof (BenchmarkFullExtractionBinary with
// EXTRACT_BENCH_TAGS=heapprof), the extractor writes a heap profile to
// $EXTRACTOR_HEAP_PROFILE each time the live heap reaches a new high (10%
// above the last), so the file shows what was live at the peak, and a CPU
// profile of the first $EXTRACTOR_CPU_PROFILE_SECONDS (default 60) to
// $EXTRACTOR_CPU_PROFILE.
func init() {
	if path := os.Getenv("EXTRACTOR_CPU_PROFILE"); path != "" {
		secs, err := strconv.Atoi(os.Getenv("EXTRACTOR_CPU_PROFILE_SECONDS"))
		if err != nil || secs <= 0 {
			secs = 60
		}
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			time.AfterFunc(time.Duration(secs)*time.Second, func() {
				pprof.StopCPUProfile()
				f.Close()
			})
		}
	}
	path := os.Getenv("EXTRACTOR_HEAP_PROFILE")
	if path == "" {
		return
	}
	go func() {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		var peak uint64
		for range time.Tick(50 * time.Millisecond) {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak+peak/10 {
				peak = v
				if f, err := os.Create(path); err == nil {
					_ = pprof.Lookup("heap").WriteTo(f, 0)
					f.Close()
				}
			}
		}
	}()
}
