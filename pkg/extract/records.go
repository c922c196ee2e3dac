package extract

import (
	"crypto/sha256"
	"strings"
)

// records is one topic's share of the state: for each record identity
// ("<topic>|<company>/<employee>[|<systemId>]"), what was published. It is
// the extractor's largest structure (one entry per record ever published:
// about 1.3 M for 200,000 employees with their job history), so it is laid
// out for size (docs/decisions/0051-extractor-memory.md):
//
//   - the map is keyed by 16 bytes of SHA-256 of the identity and holds no
//     pointers, so the garbage collector never scans it;
//   - each identity's text is kept once, in an append-only arena of large
//     chunks (needed only to name vanished records and their state keys);
//   - employment snapshots (the fields lifecycle events diff) live in a side
//     map, one packed string per employee.
//
// A records is owned by one goroutine at a time (the endpoint of its topic,
// or recovery before any run); it is not safe for concurrent use.
type records struct {
	topic string
	pfx   string // topic + "|"
	m     map[recordKey]slot
	ids   arena
	long  map[recordKey]string // identities too long for slot.idLen (never in practice)
	snaps map[recordKey]string // employees: packSnap of the lifecycle fields
}

// recordKey is the first 16 bytes of SHA-256 of a record identity. With
// 1.3 M records, the chance that two identities share a key is about 2^-88.
type recordKey [16]byte

func keyOf(ident string) recordKey {
	sum := sha256.Sum256([]byte(ident))
	return recordKey(sum[:16])
}

// slot is a record's entry in the map: 24 bytes, no pointers.
type slot struct {
	hash  RecordHash
	id    uint32 // arena reference of the identity, topic prefix removed
	idLen uint16
	flags uint8
}

const (
	flagDLQ  uint8 = 1 << iota // the record went to the DLQ
	flagSeen                   // met by the full pass in progress (see markSeen)
)

const maxIDLen = 1<<16 - 1

func newRecords(topic string) *records {
	return &records{topic: topic, pfx: topic + "|", m: map[recordKey]slot{}, snaps: map[recordKey]string{}}
}

func (r *records) len() int { return len(r.m) }

// get returns the entry of ident.
func (r *records) get(ident string) (entry, bool) {
	k := keyOf(ident)
	s, ok := r.m[k]
	if !ok {
		return entry{}, false
	}
	return entry{hash: s.hash, dlq: s.flags&flagDLQ != 0, snap: r.snaps[k]}, true
}

// put records e as ident's entry; seen marks it met by the full pass in
// progress.
func (r *records) put(ident string, e entry, seen bool) {
	k := keyOf(ident)
	s, ok := r.m[k]
	if !ok {
		rest := strings.TrimPrefix(ident, r.pfx)
		if len(rest) > maxIDLen {
			if r.long == nil {
				r.long = map[recordKey]string{}
			}
			r.long[k] = rest
		} else {
			s.id, s.idLen = r.ids.add(rest), uint16(len(rest))
		}
	}
	s.hash = e.hash
	s.flags &^= flagDLQ
	if e.dlq {
		s.flags |= flagDLQ
	}
	if seen {
		s.flags |= flagSeen
	}
	r.m[k] = s
	if e.snap != "" {
		r.snaps[k] = e.snap
	} else {
		delete(r.snaps, k)
	}
}

// delete forgets ident. Its text stays in the arena (records vanish rarely).
func (r *records) delete(ident string) {
	k := keyOf(ident)
	delete(r.m, k)
	delete(r.snaps, k)
	delete(r.long, k)
}

// clearSeen starts a full pass: no record is met yet.
func (r *records) clearSeen() {
	for k, s := range r.m {
		if s.flags&flagSeen != 0 {
			s.flags &^= flagSeen
			r.m[k] = s
		}
	}
}

// markSeen notes that the full pass in progress met ident (known or not).
func (r *records) markSeen(ident string) {
	k := keyOf(ident)
	if s, ok := r.m[k]; ok && s.flags&flagSeen == 0 {
		s.flags |= flagSeen
		r.m[k] = s
	}
}

// seen reports whether the full pass in progress met ident.
func (r *records) seen(ident string) bool {
	s, ok := r.m[keyOf(ident)]
	return ok && s.flags&flagSeen != 0
}

// unseen returns the identities of the records the full pass in progress
// did not meet.
func (r *records) unseen() []string {
	var out []string
	for k, s := range r.m {
		if s.flags&flagSeen == 0 {
			out = append(out, r.ident(k, s))
		}
	}
	return out
}

// count returns how many records keep reports true for.
func (r *records) count(keep func(ident string) bool) int {
	n := 0
	for k, s := range r.m {
		if keep(r.ident(k, s)) {
			n++
		}
	}
	return n
}

func (r *records) ident(k recordKey, s slot) string {
	if rest, ok := r.long[k]; ok {
		return r.pfx + rest
	}
	return r.pfx + r.ids.get(s.id, int(s.idLen))
}

// arena keeps strings back to back in chunks of up to 1 MiB, referenced by
// chunk<<20 | offset: one allocation per MiB instead of one per string, and
// nothing for the garbage collector to scan.
type arena struct{ chunks [][]byte }

const (
	arenaBits  = 20
	arenaChunk = 1 << arenaBits
)

func (a *arena) add(s string) uint32 {
	last := len(a.chunks) - 1
	if last < 0 || len(a.chunks[last])+len(s) > cap(a.chunks[last]) {
		// Chunks double from 4 KiB to 1 MiB, so small states stay small.
		size := 4 << 10
		if last >= 0 {
			size = min(2*cap(a.chunks[last]), arenaChunk)
		}
		a.chunks = append(a.chunks, make([]byte, 0, max(size, len(s))))
		last++
	}
	off := len(a.chunks[last])
	a.chunks[last] = append(a.chunks[last], s...)
	return uint32(last)<<arenaBits | uint32(off)
}

func (a *arena) get(ref uint32, n int) string {
	c := a.chunks[ref>>arenaBits]
	off := int(ref & (arenaChunk - 1))
	return string(c[off : off+n])
}

// packSnap joins an employment snapshot (compact JSON values, which never
// hold a NUL byte) into one string: one allocation per employee instead of
// one per field. nil packs to "".
func packSnap(snap []string) string {
	if snap == nil {
		return ""
	}
	return strings.Join(snap, "\x00")
}

// unpackSnap reverses packSnap ("" gives nil).
func unpackSnap(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}
