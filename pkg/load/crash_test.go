package load

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

var errCrash = errors.New("injected crash")

// crasher kills a loader at the after-th time a data file (or commit)
// reaches step: from then on every archive step and every commit fails, as
// if the process had died there, and the loader is told to stop.
type crasher struct {
	step  string
	after int

	mu     sync.Mutex
	count  int
	dead   bool
	fired  chan struct{}
	cancel context.CancelFunc
}

func (c *crasher) at(step string, dataFile bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return errCrash
	}
	if step != c.step || !dataFile {
		return nil
	}
	if c.count++; c.count < c.after {
		return nil
	}
	c.dead = true
	close(c.fired)
	c.cancel()
	return errCrash
}

func (c *crasher) archiveHook(_ context.Context, p archive.Point, key string) error {
	return c.at(p.String(), strings.HasSuffix(key, ".parquet"))
}

func (c *crasher) loadHook(_ context.Context, s Step, _ string, _ int, _ int64) error {
	return c.at(s.String(), true)
}

// TestCrashAtEveryStepLeavesNoGapNoDuplicate kills the loader at each step
// of publishing a file and committing it, while records keep arriving and
// idle flushes publish small files; a restarted loader (rotating at other
// offsets, so stale files would show up as duplicates) must end with every
// record exactly once. The "grow" cases rotate only by date, so after a
// partition's first file of the day every flush grows it (decision 0047):
// the crash hits the middle of a growth (after the temporary write, after
// the replace, before the commit).
func TestCrashAtEveryStepLeavesNoGapNoDuplicate(t *testing.T) {
	for _, grow := range []bool{false, true} {
		t.Run(map[bool]string{false: "rotate", true: "grow"}[grow], func(t *testing.T) { crashAtEveryStep(t, grow) })
	}
}

func crashAtEveryStep(t *testing.T, grow bool) {
	for _, tc := range []struct {
		step  string
		after int
	}{
		{archive.PointJournal.String(), 4},   // before the file exists
		{archive.PointPart.String(), 6},      // mid-file
		{archive.PointSync.String(), 4},      // written, before fsync
		{archive.PointPublish.String(), 4},   // durable, before rename
		{archive.PointPublished.String(), 4}, // visible, before commit
		{StepCommit.String(), 5},             // visible, before commit (loader side)
		{StepCommitted.String(), 4},          // after commit
	} {
		t.Run(tc.step, func(t *testing.T) {
			kc := testKafka(t, 3)
			root := t.TempDir()
			emp := kc.Topic(kafkax.Employees)
			produce(t, kc, emp, employees(0, 200)...)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c := &crasher{step: tc.step, after: tc.after, fired: make(chan struct{}), cancel: cancel}
			cfg := testConfig()
			cfg.RotateRows = 30
			if grow {
				cfg.RotateRows = 100_000
			}
			cfg.FlushInterval = 30 * time.Millisecond
			done := runLoader(t, ctx, cfg, kc, Options{
				Archive: localArchive(t, root, archive.WithHook(c.archiveHook)),
				Hook:    c.loadHook,
			})
			// More records arrive in small batches while it runs, so idle
			// flushes publish files of a few rows.
			for i := 200; i < 400; i += 20 {
				produce(t, kc, emp, employees(i, i+20)...)
			}
			select {
			case <-c.fired:
			case <-time.After(30 * time.Second):
				t.Fatalf("the loader never reached step %s %d times", tc.step, tc.after)
			}
			wait(t, done, 30*time.Second) // its error is the injected crash
			produce(t, kc, emp, employees(400, 450)...)

			cfg.Drain = true
			cfg.RotateRows = 7
			if err := wait(t, runLoader(t, context.Background(), cfg, kc, Options{Archive: localArchive(t, root)}), 60*time.Second); err != nil {
				t.Fatalf("restarted loader: %v", err)
			}
			exactness(t, openDuck(t), root, emp, highWaterMarks(t, kc, emp))
		})
	}
}
