package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
	lines := newLogLines("lost the partition to another loader")
	reg := prometheus.NewRegistry()
	done := runLoader(t, context.Background(), cfg, kc, Options{Archive: fa, Hook: hook, Logger: slog.New(lines), Registerer: reg})
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
	if n := lines.count(); n != 2 {
		t.Errorf("logged %d 'lost the partition' lines, want one per fenced partition (2)", n)
	}
	if n := counter(t, reg, "ukgpro_loader_fenced_publications_total"); n != 2 {
		t.Errorf("ukgpro_loader_fenced_publications_total = %v, want 2", n)
	}
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

// serverStall holds the first PUT of a Parquet file the S3 server receives
// once armed: it reads the whole request, then waits for release before it
// serves it, whatever the client does meanwhile. That is a request already
// handed to S3 by a loader that then lost its partition.
type serverStall struct {
	armed   atomic.Bool
	reached chan struct{} // closed when the request is held
	release chan struct{}
	served  chan struct{} // closed when the server has answered it
}

func (s *serverStall) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut || !strings.HasSuffix(r.URL.Path, ".parquet") || !s.armed.CompareAndSwap(true, false) {
			h.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		close(s.reached)
		<-s.release
		held := r.Clone(context.Background())
		held.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, held)
		close(s.served)
	})
}

// committedAt returns a loader hook (for any number of loaders) and one
// channel per offset, closed when a commit reaches it.
func committedAt(offsets ...int64) (Hook, []chan struct{}) {
	chs := make([]chan struct{}, len(offsets))
	once := make([]sync.Once, len(offsets))
	for i := range chs {
		chs[i] = make(chan struct{})
	}
	return func(_ context.Context, s Step, _ string, _ int, off int64) error {
		for i, o := range offsets {
			if s == StepCommitted && off >= o {
				once[i].Do(func() { close(chs[i]) })
			}
		}
		return nil
	}, chs
}

func waitFor(t *testing.T, ch <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(d):
		t.Fatalf("timed out after %s waiting for %s", d, what)
	}
}

// TestStaleMemberCannotOverwriteTheNewOwner plays decision 0130's window
// end to end with real consumer-group members: loader A owns the one
// partition and commits 0..29; its growth with 30..59 stalls; loader B
// joins, and the rebalance ends A's generation in the middle of the write.
// Local disk: A is stuck before its rename (a stalled disk ignores the
// context), so B gets the partition; B's recovery waits for A's partition
// lock, A's rename lands, A stops without committing, and B's recovery
// cuts the growth back. S3: A sent its PUT and the server holds it; A's
// client gives up, and the partition's next owner (B, or A in its next
// generation) recovers it and commits 30..59 before the server serves the
// held PUT, which is conditional on the version A read and so refused.
// Either way the archive ends with every offset exactly once.
func TestStaleMemberCannotOverwriteTheNewOwner(t *testing.T) {
	for _, backend := range []string{"local", "s3"} {
		t.Run(backend, func(t *testing.T) {
			kc := testKafka(t, 1)
			emp := kc.Topic(kafkax.Employees)
			cfg := testConfig()
			cfg.Topics = []string{kafkax.Employees}
			root := t.TempDir()

			// A's and B's archives over the same directory or bucket.
			stall := &serverStall{reached: make(chan struct{}), release: make(chan struct{}), served: make(chan struct{})}
			var armed atomic.Bool
			hookA := func(_ context.Context, p archive.Point, key string) error {
				if p == archive.PointPublish && !strings.HasPrefix(key, "_loader/") && armed.CompareAndSwap(true, false) {
					close(stall.reached)
					<-stall.release // ignores the context, as a stalled rename does
				}
				return nil
			}
			waiting := newLogLines("waiting for the partition's previous owner")
			var archA, archB StoreArchive
			var clean archive.Store
			switch backend {
			case "local":
				sa, err := archive.NewLocal(root, archive.WithHook(hookA))
				if err != nil {
					t.Fatal(err)
				}
				sb, err := archive.NewLocal(root)
				if err != nil {
					t.Fatal(err)
				}
				archA = StoreArchive{Store: sa, Options: []archive.Option{archive.WithHook(hookA)}}
				archB = StoreArchive{Store: sb, Options: []archive.Option{archive.WithLogger(slog.New(waiting))}}
			case "s3":
				acfg := fakeS3With(t, stall.wrap)
				var err error
				if archA.Store, err = archive.Open(context.Background(), acfg); err != nil {
					t.Fatal(err)
				}
				if archB.Store, err = archive.Open(context.Background(), acfg); err != nil {
					t.Fatal(err)
				}
				clean = archB.Store
			}
			arm := func() { armed.Store(backend == "local"); stall.armed.Store(backend == "s3") }

			ctxA, stopA := context.WithCancel(context.Background())
			defer stopA()
			hook, commits := committedAt(30, 60)
			produce(t, kc, emp, employees(0, 30)...)
			doneA := runLoader(t, ctxA, cfg, kc, Options{Archive: archA, Hook: hook})
			waitFor(t, commits[0], 60*time.Second, "A to commit 0..29")
			arm()
			produce(t, kc, emp, employees(30, 60)...)
			waitFor(t, stall.reached, 60*time.Second, "A's growth to stall")

			ctxB, stopB := context.WithCancel(context.Background())
			defer stopB()
			doneB := runLoader(t, ctxB, cfg, kc, Options{Archive: archB, Hook: hook})
			if backend == "local" {
				select {
				case <-waiting.seen:
				case <-commits[1]:
					t.Fatal("B recovered and committed while A's publication was in flight")
				case <-time.After(60 * time.Second):
					t.Fatal("B never took the partition over")
				}
				close(stall.release)
				waitFor(t, commits[1], 60*time.Second, "B to commit 30..59")
			} else {
				waitFor(t, commits[1], 60*time.Second, "the next owner to commit 30..59")
				close(stall.release)
				waitFor(t, stall.served, 30*time.Second, "the server to answer A's held PUT")
			}
			stopA()
			stopB()
			for _, d := range []<-chan error{doneA, doneB} {
				if err := wait(t, d, 60*time.Second); err != nil {
					t.Fatal(err)
				}
			}
			dir := root
			if clean != nil {
				dir = t.TempDir()
				download(t, clean, dir)
			}
			exactness(t, openDuck(t), dir, emp, highWaterMarks(t, kc, emp))
		})
	}
}

// logLines counts the log messages containing substr and closes seen at
// the first.
type logLines struct {
	substr string
	seen   chan struct{}
	mu     sync.Mutex
	n      int
}

func newLogLines(substr string) *logLines {
	return &logLines{substr: substr, seen: make(chan struct{})}
}

func (c *logLines) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *logLines) Enabled(context.Context, slog.Level) bool { return true }
func (c *logLines) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *logLines) WithGroup(string) slog.Handler            { return c }
func (c *logLines) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, c.substr) {
		c.mu.Lock()
		if c.n++; c.n == 1 {
			close(c.seen)
		}
		c.mu.Unlock()
	}
	return nil
}
