package events_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/events"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestDeduper(t *testing.T) {
	c := &clock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	d := events.NewDeduper(events.DedupConfig{Size: 3, TTL: time.Hour, Now: c.now})
	steps := []struct {
		advance time.Duration
		id      string
		seen    bool
		forget  bool
	}{
		{0, "a", false, false},
		{0, "a", true, false}, // a duplicate
		{time.Minute, "b", false, false},
		{time.Minute, "c", false, false},
		{0, "b", true, false},
		{0, "d", false, false}, // size 3: a, the oldest, goes
		{0, "a", false, false}, // so a is new again (and b goes)
		{0, "c", true, false},
		{time.Hour, "c", false, false}, // older than the TTL: forgotten
		{0, "x", false, true},          // acting on x failed: forgotten
		{0, "x", false, false},
	}
	for i, s := range steps {
		c.t = c.t.Add(s.advance)
		if got := d.Seen(s.id); got != s.seen {
			t.Fatalf("step %d: Seen(%s) = %v, want %v", i, s.id, got, s.seen)
		}
		if s.forget {
			d.Forget(s.id)
		}
		if d.Len() > 3 {
			t.Fatalf("step %d: %d ids remembered, bound is 3", i, d.Len())
		}
	}
}

// A consumer that must not act twice checks each ce_id before acting, and
// forgets it when acting failed so the redelivery is acted on.
func ExampleDeduper() {
	d := events.NewDeduper(events.DedupConfig{Size: 100_000, TTL: 24 * time.Hour})
	provision := func(id string) error { return nil }     // your side effect
	for _, id := range []string{"9f2c", "41aa", "9f2c"} { // 9f2c redelivered
		if d.Seen(id) {
			fmt.Println("skip duplicate", id)
			continue
		}
		if err := provision(id); err != nil {
			d.Forget(id)
			continue
		}
		fmt.Println("acted on", id)
	}
	// Output:
	// acted on 9f2c
	// acted on 41aa
	// skip duplicate 9f2c
}
