package testenv

import (
	"testing"
	"time"
)

// Eventually checks cond every 20 ms until it holds, and fails the test
// (naming what it waited for) when timeout passes first. Use it to wait on
// state another process or goroutine changes (counters, metrics, files),
// never as a fixed delay.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		case <-tick.C:
		}
	}
}
