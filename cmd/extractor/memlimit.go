package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
)

// defaultMemoryLimit is the soft memory limit (runtime/debug.SetMemoryLimit)
// the extractor runs under when GOMEMLIMIT is not set. Its live memory is
// mostly the state (about 130 MiB for 200,000 employees with their job
// history) plus fixed buffers; with the Go default (GOGC=100 and no limit)
// the heap grows to twice that before a collection. Under the limit the
// collector runs earlier instead, so a 200,000-employee extraction peaks
// below 512 MiB (docs/decisions/0051-extractor-memory.md). GOMEMLIMIT=off
// removes it; a larger tenant sets a larger GOMEMLIMIT (the Kubernetes
// manifest sets it from the container's memory limit).
const defaultMemoryLimit = 448 << 20

// setMemoryLimit applies defaultMemoryLimit unless GOMEMLIMIT is set, and
// returns the limit in effect (math.MaxInt64: none).
func setMemoryLimit() int64 {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return debug.SetMemoryLimit(-1) // the runtime parsed it
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
	return defaultMemoryLimit
}

// warnIfNearLimit logs a warning when the live heap (after loading the
// state, the extractor's largest structure) already takes most of the
// memory limit: the collector would then run almost continuously.
func warnIfNearLimit(log *slog.Logger, limit int64) {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := int64(s[0].Value.Uint64())
	log.Info("memory", "live_heap_mib", live>>20, "limit_mib", limit>>20)
	if live > limit/10*6 {
		log.Warn("the live heap after loading the state is above 60% of the memory limit; raise GOMEMLIMIT",
			"live_heap_mib", live>>20, "limit_mib", limit>>20)
	}
}
