package archive

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testTopic = "ukgpro.employees"

// fakeLog is a partition's records: offset i has time times[i].
type fakeLog struct{ times []time.Time }

func newFakeLog(n int) fakeLog {
	base := time.Date(2026, 1, 1, 22, 0, 0, 0, time.UTC)
	l := fakeLog{}
	for i := range n {
		l.times = append(l.times, base.Add(time.Duration(i)*17*time.Minute)) // crosses midnight every ~85 records
	}
	return l
}

func sameDay(a, b time.Time) bool {
	return a.UTC().Format(time.DateOnly) == b.UTC().Format(time.DateOnly)
}

// load plays a loader over the log from committed on: files of at most
// rotate records, never crossing a day, each written as one line per offset,
// published, then "committed". It returns the new committed offset and the
// first error (a crash leaves its state behind, as a kill would).
func load(ctx context.Context, s Store, log fakeLog, partition int, committed int64, rotate int, opts ...Option) (int64, error) {
	p, _, err := Recover(ctx, s, testTopic, partition, committed, opts...)
	if err != nil {
		return committed, err
	}
	defer p.Close() // as the process's end would
	for off := committed; off < int64(len(log.times)); {
		first := off
		var buf bytes.Buffer
		for off < int64(len(log.times)) && off-first < int64(rotate) && sameDay(log.times[off], log.times[first]) {
			fmt.Fprintf(&buf, "%d\n", off)
			off++
		}
		if _, err := p.Publish(ctx, textPart(buf.Bytes(), first, log.times[first], off)); err != nil {
			return committed, err
		}
		committed = off // the Kafka commit
		p.Committed(committed)
	}
	return committed, nil
}

// textPart is a part whose file is b (not Parquet: a new file is copied as
// it is; only growth reads Parquet).
func textPart(b []byte, first int64, ts time.Time, next int64) Part {
	return Part{File: bytes.NewReader(b), Size: int64(len(b)), FirstOffset: first, FirstTime: ts, Next: next, Rows: next - first}
}

// checkExactlyOnce reads every file of the partition and requires each
// offset of the log exactly once, in files named by their first offset and
// first record's day.
func checkExactlyOnce(t *testing.T, s Store, log fakeLog, partition int) {
	t.Helper()
	ctx := context.Background()
	objs, err := s.List(ctx, testTopic+"/")
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]int, len(log.times))
	for _, o := range objs {
		ref, err := ParseFileKey(o.Key)
		if err != nil {
			t.Fatalf("foreign object %s: %v", o.Key, err)
		}
		if ref.Partition != partition {
			continue
		}
		b, err := ReadAll(ctx, s, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		firstLine := true
		for sc.Scan() {
			off, err := strconv.Atoi(sc.Text())
			if err != nil {
				t.Fatalf("%s: bad line %q", o.Key, sc.Text())
			}
			if firstLine && int64(off) != ref.FirstOffset {
				t.Errorf("%s starts at offset %d", o.Key, off)
			}
			if !sameDay(log.times[off], ref.Date) {
				t.Errorf("%s holds offset %d of another day", o.Key, off)
			}
			firstLine = false
			seen[off]++
		}
	}
	for off, n := range seen {
		if n != 1 {
			t.Errorf("offset %d archived %d times, want exactly once", off, n)
		}
	}
}

func TestExactlyOnceAcrossCrashes(t *testing.T) {
	const n = 100
	log := newFakeLog(n)
	points := []Point{PointJournal, PointPart, PointSync, PointPublish, PointPublished}
	for _, be := range allBackends(t) {
		t.Run(be.name, func(t *testing.T) {
			for _, point := range points {
				for _, crashFile := range []int{1, 4, 9} {
					t.Run(fmt.Sprintf("%v/file%d", point, crashFile), func(t *testing.T) {
						ctx := context.Background()
						var file, armed atomic.Int64
						armed.Store(1)
						hook := func(_ context.Context, p Point, key string) error {
							if p == PointJournal {
								file.Add(1)
							}
							if p == point && file.Load() == int64(crashFile) && armed.CompareAndSwap(1, 0) {
								return errCrash
							}
							return nil
						}
						s := be.open(t, WithHook(hook))
						committed, err := load(ctx, s, log, 0, 0, 7, WithHook(hook))
						crashed := armed.Load() == 0
						if !crashed {
							// Small S3 objects are one PUT: they have no parts.
							if point == PointPart && be.name != "local" {
								checkExactlyOnce(t, s, log, 0)
								return
							}
							t.Fatalf("no crash at %v of file %d (err %v)", point, crashFile, err)
						}
						if !errors.Is(err, errCrash) {
							t.Fatalf("first run = %v, want the crash", err)
						}
						// Restart with another rotation: names need not repeat.
						committed, err = load(ctx, s, log, 0, committed, 5)
						if err != nil {
							t.Fatalf("restart: %v", err)
						}
						if committed != n {
							t.Fatalf("committed %d after restart, want %d", committed, n)
						}
						checkExactlyOnce(t, s, log, 0)
						var keys []string
						for off, ts := range log.times {
							keys = append(keys, FileKey(testTopic, 0, int64(off), ts))
						}
						if k := be.leftovers(t, s, keys...); k != 0 {
							t.Errorf("%d interrupted writes left after recovery", k)
						}
					})
				}
			}
		})
	}
}

// countingStore counts the calls that list or scan the store.
type countingStore struct {
	Store
	lists, cleans, opens, deletes atomic.Int64
}

func (c *countingStore) List(ctx context.Context, prefix string) ([]Object, error) {
	c.lists.Add(1)
	return c.Store.List(ctx, prefix)
}

func (c *countingStore) CleanIncomplete(ctx context.Context, prefix string) error {
	c.cleans.Add(1)
	return c.Store.CleanIncomplete(ctx, prefix)
}

func (c *countingStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	c.opens.Add(1)
	return c.Store.Open(ctx, key)
}

func (c *countingStore) Delete(ctx context.Context, key string) error {
	c.deletes.Add(1)
	return c.Store.Delete(ctx, key)
}

// TestRecoveryIsBounded proves that recovery reads the journal and scans
// only the days it names, however many days the archive holds.
func TestRecoveryIsBounded(t *testing.T) {
	for _, be := range allBackends(t) {
		t.Run(be.name, func(t *testing.T) {
			type cost struct{ lists, cleans, opens, deletes int64 }
			var costs []cost
			for _, days := range []int{2, 40} {
				ctx := context.Background()
				s := be.open(t)
				p, _, err := Recover(ctx, s, testTopic, 2, 0)
				if err != nil {
					t.Fatal(err)
				}
				day0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
				off := int64(0)
				publish := func(ts time.Time, commit bool) string {
					pub, err := p.Publish(ctx, textPart([]byte("x"), off, ts, off+10))
					if err != nil {
						t.Fatal(err)
					}
					off += 10
					if commit {
						p.Committed(off)
					}
					return pub.Key
				}
				for d := range days {
					publish(day0.AddDate(0, 0, d), true)
				}
				committed := off
				last := day0.AddDate(0, 0, days-1)
				uncommitted := []string{publish(last, false), publish(last.Add(time.Minute), false)}

				cs := &countingStore{Store: s}
				_, rec, err := Recover(ctx, cs, testTopic, 2, committed)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(rec.Deleted, uncommitted) {
					t.Errorf("%d days: deleted %q, want %q", days, rec.Deleted, uncommitted)
				}
				objs, _ := s.List(ctx, testTopic+"/")
				if len(objs) != days {
					t.Errorf("%d days: %d files kept, want %d", days, len(objs), days)
				}
				for _, o := range objs {
					if slices.Contains(uncommitted, o.Key) {
						t.Errorf("uncommitted %s survived recovery", o.Key)
					}
				}
				costs = append(costs, cost{cs.lists.Load(), cs.cleans.Load(), cs.opens.Load(), cs.deletes.Load()})
			}
			if costs[0] != costs[1] {
				t.Errorf("recovery cost grew with the archive: %d days %+v, 40 days %+v", 2, costs[0], costs[1])
			}
			if c := costs[1]; c.lists != 0 || c.cleans > 2 || c.opens != 1 || c.deletes != 2 {
				t.Errorf("recovery cost %+v, want 0 lists, <=2 scans of one day, 1 journal read, 2 deletes", c)
			}
		})
	}
}

func TestRecoverEdgeCases(t *testing.T) {
	ctx := context.Background()
	s, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// No journal: nothing to do, nothing listed.
	cs := &countingStore{Store: s}
	p, rec, err := Recover(ctx, cs, testTopic, 0, 42)
	if err != nil || len(rec.Deleted) != 0 || cs.lists.Load()+cs.cleans.Load() != 0 {
		t.Fatalf("fresh Recover = %+v, %v, lists %d", rec, err, cs.lists.Load()+cs.cleans.Load())
	}
	if _, err := p.Publish(ctx, textPart([]byte("x"), 41, time.Now(), 42)); err == nil {
		t.Error("Publish below the committed offset succeeded")
	}
	// A group without a committed offset (-1) deletes every journaled file.
	if _, err := p.Publish(ctx, textPart([]byte("x"), 42, time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC), 43)); err != nil {
		t.Fatal(err)
	}
	if _, rec, err = Recover(ctx, s, testTopic, 0, -1); err != nil || len(rec.Deleted) != 1 {
		t.Fatalf("Recover(-1) = %+v, %v; want the one file deleted", rec, err)
	}
	// A journal of another partition is refused, not trusted.
	b, _ := ReadAll(ctx, s, JournalKey(testTopic, 0))
	if err := Put(ctx, s, JournalKey(testTopic, 1), bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Recover(ctx, s, testTopic, 1, 0); err == nil || !strings.Contains(err.Error(), "belongs to") {
		t.Fatalf("Recover with a foreign journal = %v, want an error", err)
	}
}

func TestFileKey(t *testing.T) {
	ts := time.Date(2026, 3, 4, 23, 30, 0, 0, time.FixedZone("X", -5*3600)) // 2026-03-05 in UTC
	key := FileKey("ukgpro.job-history", 7, 123, ts)
	want := "ukgpro.job-history/dt=2026-03-05/ukgpro.job-history+7+00000000000000000123.parquet"
	if key != want {
		t.Fatalf("FileKey = %q, want %q", key, want)
	}
	ref, err := ParseFileKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Topic != "ukgpro.job-history" || ref.Partition != 7 || ref.FirstOffset != 123 || !ref.Date.Equal(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("ParseFileKey = %+v", ref)
	}
	// Lexical order of names is offset order.
	if a, b := FileName("t", 1, 9), FileName("t", 1, 10); a >= b {
		t.Errorf("%s sorts after %s", a, b)
	}
	for _, bad := range []string{
		"t/dt=2026-03-05/t+1+123.parquet",
		"t/dt=2026-13-05/t+1+00000000000000000123.parquet",
		"t/2026-03-05/t+1+00000000000000000123.parquet",
		"t/dt=2026-03-05/u+1+00000000000000000123.parquet",
		"t/dt=2026-03-05/t+01+00000000000000000123.parquet",
		"t/dt=2026-03-05/.t+1+00000000000000000123.parquet.tmp-1",
		"_loader/t/1.json",
	} {
		if _, err := ParseFileKey(bad); err == nil {
			t.Errorf("ParseFileKey(%q) succeeded", bad)
		}
	}
}

func FuzzParseFileKey(f *testing.F) {
	f.Add("t", 0, int64(0), int64(0))
	f.Add("ukgpro.employees", 11, int64(1<<40), int64(1770000000))
	f.Fuzz(func(t *testing.T, topic string, partition int, off, unix int64) {
		if partition < 0 || off < 0 || topic == "" || strings.ContainsAny(topic, "+/") {
			return
		}
		ts := time.Unix(unix%(1<<35), 0)
		key := FileKey(topic, partition, off, ts)
		ref, err := ParseFileKey(key)
		if err != nil {
			return // e.g. dates past year 9999 do not round-trip through DateOnly
		}
		// Invariant: whatever parses is what was formatted.
		if ref.Topic != topic || ref.Partition != partition || ref.FirstOffset != off || FileKey(ref.Topic, ref.Partition, ref.FirstOffset, ref.Date) != key {
			t.Fatalf("round trip of %q gave %+v", key, ref)
		}
	})
}
