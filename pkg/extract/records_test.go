package extract

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestRecordsKeepEntriesAndIdentities(t *testing.T) {
	r := newRecords("job-history")
	const n = 20_000 // several arena chunks
	ident := func(i int) string { return fmt.Sprintf("job-history|C%03d/E%08d|SYS%07d", i%7, i/5, i) }
	for i := range n {
		e := entry{hash: RecordHash{byte(i), byte(i >> 8)}, dlq: i%3 == 0}
		if i%10 == 0 {
			e.snap = packSnap([]string{`"A"`, "null", fmt.Sprint(i)})
		}
		r.put(ident(i), e, false)
	}
	if r.len() != n {
		t.Fatalf("len %d, want %d", r.len(), n)
	}
	if len(r.ids.chunks) < 2 {
		t.Fatalf("%d arena chunks: the test does not cross a chunk boundary", len(r.ids.chunks))
	}
	for i := range n {
		e, ok := r.get(ident(i))
		if !ok || e.hash != (RecordHash{byte(i), byte(i >> 8)}) || e.dlq != (i%3 == 0) {
			t.Fatalf("record %d: got %+v, %v", i, e, ok)
		}
		if want := i%10 == 0; (e.snap != "") != want {
			t.Fatalf("record %d: snapshot %q", i, e.snap)
		}
	}
	if e, _ := r.get(ident(10)); !slices.Equal(unpackSnap(e.snap), []string{`"A"`, "null", "10"}) {
		t.Errorf("snapshot of 10: %q", unpackSnap(e.snap))
	}
	// An update keeps the identity; clearing dlq and the snapshot works.
	r.put(ident(3), entry{hash: RecordHash{9}}, false)
	if e, _ := r.get(ident(3)); e.dlq || e.hash != (RecordHash{9}) {
		t.Errorf("updated record 3: %+v", e)
	}
	r.put(ident(10), entry{hash: RecordHash{9}}, false)
	if e, _ := r.get(ident(10)); e.snap != "" {
		t.Errorf("record 10 kept its snapshot %q", e.snap)
	}
	if _, ok := r.get("job-history|C000/E99999999|none"); ok {
		t.Error("an unknown identity is known")
	}

	// A full pass: what it met (before or by a put) is seen, the rest is
	// returned by unseen with its identity text intact.
	r.clearSeen()
	for i := range n {
		if i%1000 != 0 {
			r.markSeen(ident(i))
		}
	}
	r.put("job-history|C001/E00000001|NEW", entry{hash: RecordHash{1}}, true)
	r.delete(ident(0))
	got := r.unseen()
	slices.Sort(got)
	var want []string
	for i := 1000; i < n; i += 1000 {
		want = append(want, ident(i))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("unseen:\n got %q\nwant %q", got, want)
	}
	if !r.seen("job-history|C001/E00000001|NEW") || r.seen(ident(1000)) {
		t.Error("seen flags wrong")
	}
	r.clearSeen()
	if len(r.unseen()) != r.len() {
		t.Error("clearSeen left records seen")
	}
}

func TestRecordsLongIdentity(t *testing.T) {
	r := newRecords("people")
	long := "people|" + strings.Repeat("x", maxIDLen+10)
	r.put(long, entry{hash: RecordHash{1}}, false)
	if got := r.unseen(); len(got) != 1 || got[0] != long {
		t.Fatalf("unseen returned %d identities", len(got))
	}
	r.delete(long)
	if r.len() != 0 || len(r.long) != 0 {
		t.Error("delete kept the long identity")
	}
}

func TestPackSnap(t *testing.T) {
	for _, snap := range [][]string{nil, {"null"}, {`"a"`, "", `{"x":1}`, "58240.0"}} {
		if got := unpackSnap(packSnap(snap)); !slices.Equal(got, snap) {
			t.Errorf("%q round-trips to %q", snap, got)
		}
	}
}
