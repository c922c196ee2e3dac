package archive

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The interleavings of decision 0130: member A (the stale owner) is paused
// inside a publication by its hook; member B recovers the partition,
// publishes and commits; then A resumes. The hook tells the members apart
// by a context value, so both share one store as two loaders share a bucket
// or a directory.

type memberKey struct{}

// pause stops member A's first write of a data file at point, once armed,
// until resume is closed; reached is closed when A gets there.
type pause struct {
	point   Point
	armed   atomic.Bool
	reached chan struct{}
	resume  chan struct{}
	parts   atomic.Int64 // multipart parts A uploaded
}

func newPause(point Point) *pause {
	return &pause{point: point, reached: make(chan struct{}), resume: make(chan struct{})}
}

func (p *pause) hook(ctx context.Context, at Point, key string) error {
	if ctx.Value(memberKey{}) == "a" && at == PointPart {
		p.parts.Add(1)
	}
	if ctx.Value(memberKey{}) == "a" && at == p.point && !strings.HasPrefix(key, "_loader/") && p.armed.CompareAndSwap(true, false) {
		close(p.reached)
		<-p.resume
	}
	return nil
}

func member(name string) context.Context {
	return context.WithValue(context.Background(), memberKey{}, name)
}

// await waits for ch or fails the test after a generous deadline.
func await[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(60 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	panic("unreachable")
}

// archivedOffsets returns every _kafka_offset of the topic's files, sorted.
func archivedOffsets(t *testing.T, s Store) []int64 {
	t.Helper()
	objs, err := s.List(context.Background(), testTopic+"/")
	if err != nil {
		t.Fatal(err)
	}
	var all []int64
	for _, o := range objs {
		offs, _ := fileOffsets(t, s, o.Key)
		all = append(all, offs...)
	}
	slices.Sort(all)
	return all
}

// fenceCase is one stale publication of A: a growth or a new file, paused
// at a point. A publishes offsets 10..10+k-1, B then 10..10+k+4, so an
// overwrite by A would lose B's last 5 and a second copy would duplicate
// A's.
type fenceCase struct {
	name  string
	grow  bool
	point Point
	// bGrows: B finds the committed tail (A paused before journaling) and
	// grows it; otherwise B starts the file at offset 10.
	bGrows bool
	// merge: the parts carry their writer, so small growths merge row
	// groups (decision 0143).
	merge bool
}

// part is growPart, mergeable in the cases that merge.
func (c fenceCase) part(t *testing.T, from, to int64, raw int) Part {
	if c.merge {
		return flushPart(t, from, to, raw)
	}
	return growPart(t, from, to, raw)
}

var fenceCases = []fenceCase{
	{name: "growth paused before its replace", grow: true, point: PointPublish},
	{name: "growth paused before its journal", grow: true, point: PointJournal, bGrows: true},
	{name: "new file paused before its create", grow: false, point: PointPublish},
	{name: "merging growth paused before its replace", grow: true, point: PointPublish, merge: true},
	{name: "merging growth paused before its journal", grow: true, point: PointJournal, bGrows: true, merge: true},
}

// TestStalePublicationIsFencedOnS3: A reads the tail (version v1) and
// stalls inside a growth or a new file's create; B recovers, publishes and
// commits 10..25; A's publication then fails with ErrFenced (412 on the
// replace conditional on v1, on the create conditional on absence, or on
// the journal B claimed) and the archive holds 0..24 exactly once. gofakes3
// honours the conditions on PutObject only, so the multipart cases run on
// MinIO (not under -short).
func TestStalePublicationIsFencedOnS3(t *testing.T) {
	runs := []sized{{fakeS3Backend(t), 100, 10}}
	if !testing.Short() {
		m := minioBackend(t)
		runs = append(runs, sized{m, 100, 10}, sized{m, 120 << 10, 60})
	}
	for _, r := range runs {
		for _, c := range fenceCases {
			name := r.be.name + "/put"
			if r.k > 10 {
				name = r.be.name + "/multipart"
			}
			t.Run(name+"/"+c.name, func(t *testing.T) {
				pa := newPause(c.point)
				s := r.be.open(t, WithHook(pa.hook))
				if Fencing(s) != "conditional writes" {
					t.Fatalf("Fencing = %q", Fencing(s))
				}
				stalePublication(t, s, pa, c, r)
			})
		}
	}
}

// sized is a backend and the size of A's stale publication: k rows with
// raw bytes of _raw each (60 × 120 KiB: more than a 5 MiB part, so A's
// object is a multipart upload).
type sized struct {
	be  backend
	raw int
	k   int64
}

// stalePublication plays the interleaving on s and checks the outcome.
func stalePublication(t *testing.T, s Store, pa *pause, c fenceCase, r sized) {
	raw, k := r.raw, r.k
	ctxA, ctxB := member("a"), member("b")
	a, _, err := Recover(ctxA, s, testTopic, 0, -1, WithHook(pa.hook))
	if err != nil {
		t.Fatal(err)
	}
	first, err := a.Publish(ctxA, c.part(t, 0, 10, raw))
	if err != nil {
		t.Fatal(err)
	}
	a.Committed(10)
	stale := c.part(t, 10, 10+k, raw)
	stale.Grow = c.grow
	aDone := make(chan error, 1)
	pa.armed.Store(true)
	go func() { _, err := a.Publish(ctxA, stale); aDone <- err }()
	await(t, pa.reached, "A to stall")
	if k > 10 && c.point == PointPublish && pa.parts.Load() == 0 {
		t.Fatal("A's publication is a single PUT; the case wants a multipart upload")
	}

	// B: the group's committed offset is 10.
	b, rec, err := Recover(ctxB, s, testTopic, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if len(rec.Truncated) != 0 {
		t.Errorf("B cut %v back; A's growth was not visible yet", rec.Truncated)
	}
	part := c.part(t, 10, 10+k+5, raw)
	part.Grow = b.Tail() != nil
	if part.Grow != c.bGrows {
		t.Fatalf("B grows the tail: %v, want %v", part.Grow, c.bGrows)
	}
	pub, err := b.Publish(ctxB, part)
	if err != nil {
		t.Fatalf("B's publication: %v", err)
	}
	b.Committed(10 + k + 5)
	if c.bGrows && pub.Key != first.Key {
		t.Fatalf("B grew %s, want %s", pub.Key, first.Key)
	}

	close(pa.resume)
	if err := await(t, aDone, "A's publication"); !errors.Is(err, ErrFenced) {
		t.Fatalf("A's stale publication = %v, want ErrFenced", err)
	}
	if got := archivedOffsets(t, s); !slices.Equal(got, span(0, 10+k+5)) {
		t.Fatalf("archive holds %v, want 0..%d exactly once", got, 10+k+4)
	}
	// A recovers nothing of the partition either: its journal writes fail.
	if _, err := a.Publish(ctxA, c.part(t, 10, 12, raw)); !errors.Is(err, ErrFenced) {
		t.Errorf("A's next publication = %v, want ErrFenced", err)
	}
	if got := archivedOffsets(t, s); !slices.Equal(got, span(0, 10+k+5)) {
		t.Fatalf("after A's retry the archive holds %v, want 0..%d exactly once", got, 10+k+4)
	}
}

// waitLog is a slog handler that closes seen at the first message
// containing substr.
type waitLog struct {
	substr string
	seen   chan struct{}
	once   atomic.Bool
}

func (w *waitLog) Enabled(context.Context, slog.Level) bool { return true }
func (w *waitLog) WithAttrs([]slog.Attr) slog.Handler       { return w }
func (w *waitLog) WithGroup(string) slog.Handler            { return w }
func (w *waitLog) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, w.substr) && w.once.CompareAndSwap(false, true) {
		close(w.seen)
	}
	return nil
}

// TestStalePublicationFinishesBeforeTheNewOwnerRecoversOnLocalDisk: on
// local disk A holds the partition lock from its Recover until it closes
// the partition, so B's Recover waits (and says so) while A is stalled in a
// publication; A's rename lands, A stops, and B's recovery then sees A's
// uncommitted publication and removes it (cuts the growth back, deletes
// the new file). The archive holds 0..24 exactly once.
func TestStalePublicationFinishesBeforeTheNewOwnerRecoversOnLocalDisk(t *testing.T) {
	for _, c := range []fenceCase{fenceCases[0], fenceCases[2], fenceCases[3]} {
		t.Run(c.name, func(t *testing.T) {
			pa := newPause(c.point)
			s := localBackend().open(t, WithHook(pa.hook))
			if Fencing(s) != "partition lock" {
				t.Fatalf("Fencing = %q", Fencing(s))
			}
			ctxA, ctxB := member("a"), member("b")
			a, _, err := Recover(ctxA, s, testTopic, 0, -1, WithHook(pa.hook))
			if err != nil {
				t.Fatal(err)
			}
			first, err := a.Publish(ctxA, c.part(t, 0, 10, 100))
			if err != nil {
				t.Fatal(err)
			}
			a.Committed(10)
			stale := c.part(t, 10, 20, 100)
			stale.Grow = c.grow
			aDone := make(chan error, 1)
			pa.armed.Store(true)
			go func() { _, err := a.Publish(ctxA, stale); aDone <- err }()
			await(t, pa.reached, "A to stall")

			waiting := &waitLog{substr: "waiting for the partition's previous owner", seen: make(chan struct{})}
			type recovered struct {
				p   *Partition
				rec Recovery
				err error
			}
			bDone := make(chan recovered, 1)
			go func() {
				p, rec, err := Recover(ctxB, s, testTopic, 0, 10, WithLogger(slog.New(waiting)))
				bDone <- recovered{p, rec, err}
			}()
			select {
			case r := <-bDone:
				t.Fatalf("B recovered (%+v, %v) while A's publication was in flight", r.rec, r.err)
			case <-waiting.seen:
			case <-time.After(60 * time.Second):
				t.Fatal("B neither waited for the lock nor recovered")
			}
			close(pa.resume)
			if err := await(t, aDone, "A's publication"); err != nil {
				t.Fatalf("A's publication (holding the lock) = %v", err)
			}
			// A's commit is refused by the broker; its worker ends.
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			r := await(t, bDone, "B's recovery")
			if r.err != nil {
				t.Fatal(r.err)
			}
			b := r.p
			defer b.Close()
			if c.grow && !slices.Equal(r.rec.Truncated, []string{first.Key}) {
				t.Errorf("B's recovery cut %v back, want A's growth of %s", r.rec.Truncated, first.Key)
			}
			if !c.grow && len(r.rec.Deleted) != 1 {
				t.Errorf("B's recovery deleted %v, want A's new file", r.rec.Deleted)
			}
			if got := archivedOffsets(t, s); !slices.Equal(got, span(0, 10)) {
				t.Fatalf("after B's recovery the archive holds %v, want 0..9", got)
			}
			part := c.part(t, 10, 25, 100)
			part.Grow = b.Tail() != nil
			if _, err := b.Publish(ctxB, part); err != nil {
				t.Fatal(err)
			}
			b.Committed(25)
			if got := archivedOffsets(t, s); !slices.Equal(got, span(0, 25)) {
				t.Fatalf("archive holds %v, want 0..24 exactly once", got)
			}
			if _, err := a.Publish(ctxA, c.part(t, 20, 22, 100)); err == nil {
				t.Error("A published after closing the partition")
			}
		})
	}
}

// TestConditionalWrites: the S3 store's CreateIf replaces an object only at
// the version it names and creates one only where none exists, for single
// PUTs and multipart uploads alike; a refusal matches ErrFenced and leaves
// the object as it was; the version a commit reports is the one a read
// returns. gofakes3 ignores the condition on CompleteMultipartUpload, so
// the multipart rows run on MinIO only.
func TestConditionalWrites(t *testing.T) {
	type run struct {
		be   backend
		size int
	}
	runs := []run{{fakeS3Backend(t), 100}}
	if !testing.Short() {
		m := minioBackend(t)
		runs = append(runs, run{m, 100}, run{m, minPartSize + 100})
	}
	for _, r := range runs {
		t.Run(r.be.name+"/"+map[bool]string{true: "multipart", false: "put"}[r.size > minPartSize], func(t *testing.T) {
			ctx := context.Background()
			s := r.be.open(t).(*S3)
			body := func(c byte) string { return strings.Repeat(string(c), r.size) }
			put := func(key, version, content string) (string, error) {
				w, err := s.CreateIf(ctx, key, version)
				if err != nil {
					return "", err
				}
				defer w.Abort(ctx)
				if _, err := io.WriteString(w, content); err != nil {
					return "", err
				}
				if err := w.Commit(ctx); err != nil {
					return "", err
				}
				return w.Version(), nil
			}
			read := func(key string) (string, string) {
				rc, v, err := s.OpenVersion(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				b, _ := io.ReadAll(rc)
				return string(b), v
			}
			v1, err := put("k/f", "", body('a'))
			if err != nil {
				t.Fatalf("create where nothing exists: %v", err)
			}
			if got, v := read("k/f"); got != body('a') || v != v1 {
				t.Fatalf("read %q@%s, want the created object @%s", got[:1], v, v1)
			}
			if _, err := put("k/f", "", body('b')); !errors.Is(err, ErrFenced) {
				t.Fatalf("create over an existing object = %v, want ErrFenced", err)
			}
			v2, err := put("k/f", v1, body('c'))
			if err != nil {
				t.Fatalf("replace at the version read: %v", err)
			}
			if _, err := put("k/f", v1, body('d')); !errors.Is(err, ErrFenced) {
				t.Fatalf("replace at a stale version = %v, want ErrFenced", err)
			}
			if got, v := read("k/f"); got != body('c') || v != v2 {
				t.Fatalf("after the refused writes the object is %q@%s, want %q@%s", got[:1], v, "c", v2)
			}
			if err := s.Delete(ctx, "k/f"); err != nil {
				t.Fatal(err)
			}
			if _, err := put("k/f", v2, body('e')); !errors.Is(err, ErrFenced) {
				t.Fatalf("replace of a removed object = %v, want ErrFenced", err)
			}
			if err := s.CheckConditional(ctx); err != nil {
				t.Errorf("CheckConditional: %v", err)
			}
		})
	}
}
