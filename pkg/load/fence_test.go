package load

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// fencingArchive refuses the first publication of every partition with
// archive.ErrFenced, as the store does when another loader recovered the
// partition during it, and records what the loader does per partition.
type fencingArchive struct {
	a      Archive
	mu     sync.Mutex
	fenced map[string]bool
	events map[string][]string
}

func (f *fencingArchive) add(tp, ev string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events[tp] = append(f.events[tp], ev)
}

func (f *fencingArchive) Recover(ctx context.Context, topic string, partition int, committed int64) (PartitionFiles, error) {
	tp := fmt.Sprintf("%s/%d", topic, partition)
	f.add(tp, "recover")
	pf, err := f.a.Recover(ctx, topic, partition, committed)
	return fencingFiles{f, tp, pf}, err
}

type fencingFiles struct {
	f  *fencingArchive
	tp string
	PartitionFiles
}

func (p fencingFiles) Publish(ctx context.Context, part archive.Part) (archive.Published, error) {
	p.f.mu.Lock()
	first := !p.f.fenced[p.tp]
	p.f.fenced[p.tp] = true
	p.f.mu.Unlock()
	if first {
		p.f.add(p.tp, "fenced")
		return archive.Published{}, fmt.Errorf("complete multipart upload of %s: %w", p.tp, archive.ErrFenced)
	}
	p.f.add(p.tp, "publish")
	return p.PartitionFiles.Publish(ctx, part)
}

func (p fencingFiles) Close() error {
	p.f.add(p.tp, "close")
	return p.PartitionFiles.Close()
}

// lineCounter counts log messages containing a substring.
type lineCounter struct {
	substr string
	mu     sync.Mutex
	n      int
}

func (c *lineCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *lineCounter) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *lineCounter) WithGroup(string) slog.Handler            { return c }
func (c *lineCounter) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, c.substr) {
		c.mu.Lock()
		c.n++
		c.mu.Unlock()
	}
	return nil
}

// TestFencedPublicationStopsWithoutCommitting: when the archive refuses a
// publication as fenced (decision 0130), the partition's worker commits
// nothing, closes the partition, says so in one line, and the loader takes
// the partition up again from the committed offset (a new generation, a new
// recovery) instead of retrying the publication: the drain ends with every
// record archived exactly once.
func TestFencedPublicationStopsWithoutCommitting(t *testing.T) {
	kc := testKafka(t, 2)
	emp := kc.Topic(kafkax.Employees)
	produce(t, kc, emp, employees(0, 300)...)
	root := t.TempDir()
	cfg := testConfig()
	cfg.Drain = true
	cfg.Topics = []string{kafkax.Employees}
	fa := &fencingArchive{a: localArchive(t, root), fenced: map[string]bool{}, events: map[string][]string{}}
	hook := func(_ context.Context, s Step, topic string, partition int, _ int64) error {
		if s == StepCommit {
			fa.add(fmt.Sprintf("%s/%d", topic, partition), "commit")
		}
		return nil
	}
	lines := &lineCounter{substr: "lost the partition to another loader"}
	done := runLoader(t, context.Background(), cfg, kc, Options{Archive: fa, Hook: hook, Logger: slog.New(lines)})
	if err := wait(t, done, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	fa.mu.Lock()
	defer fa.mu.Unlock()
	for p := range 2 {
		tp := fmt.Sprintf("%s/%d", emp, p)
		ev := fa.events[tp]
		i := -1
		for k, e := range ev {
			if e == "fenced" {
				i = k
				break
			}
		}
		if i < 0 {
			t.Fatalf("%s: never fenced (events %v)", tp, ev)
		}
		// After the refusal: the partition is closed, then recovered
		// again, with no commit in between.
		if len(ev) < i+3 || ev[i+1] != "close" || ev[i+2] != "recover" {
			t.Errorf("%s: after the fenced publication the loader did %v, want close, then recover", tp, ev[i+1:])
		}
	}
	lines.mu.Lock()
	if lines.n != 2 {
		t.Errorf("logged %d 'lost the partition' lines, want one per fenced partition (2)", lines.n)
	}
	lines.mu.Unlock()
	exactness(t, openDuck(t), root, emp, highWaterMarks(t, kc, emp))
}

// plainStore hides the fencing capabilities of the store it wraps, as an
// S3-compatible endpoint or a store of our own that has none.
type plainStore struct{ archive.Store }

// TestArchiveFencingIsReported: the loader learns how its archive fences a
// stale loader (and warns at start when it cannot): a partition lock on
// local disk, conditional writes on S3 (probed: the endpoint must refuse an
// If-None-Match create over an existing object), an error for a store with
// neither.
func TestArchiveFencingIsReported(t *testing.T) {
	ctx := context.Background()
	local, err := archive.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s3, err := archive.Open(ctx, fakeS3(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		store archive.Store
		want  string
	}{
		{"local", local, "partition lock"},
		{"s3", s3, "conditional writes"},
		{"neither", plainStore{local}, ""},
	} {
		how, err := StoreArchive{Store: c.store}.Fencing(ctx)
		if how != c.want || (err != nil) != (c.want == "") {
			t.Errorf("%s: Fencing = %q, %v; want %q", c.name, how, err, c.want)
		}
	}
	// The probe leaves nothing behind.
	if objs, err := s3.List(ctx, ""); err != nil || len(objs) != 0 {
		t.Errorf("after the probe the bucket holds %v (%v), want nothing", objs, err)
	}
}
