package events

import (
	"container/list"
	"sync"
	"time"
)

// DedupConfig bounds a Deduper.
type DedupConfig struct {
	// Size is how many ids it remembers at most (the oldest go first);
	// default 100,000 (about 10 MB).
	Size int
	// TTL is how long an id is remembered (0: until Size pushes it out).
	TTL time.Duration
	// Now is the clock (default time.Now; tests pass their own).
	Now func() time.Time
}

// Deduper remembers the ce_ids a consumer acted on, so a redelivered
// message (at-least-once delivery: a rebalance, a restart before the
// commit, the extractor re-publishing after a crash) is not acted on twice.
// It is bounded by size and age, so it forgets: size it to cover the
// redelivery window (the events of a few minutes to hours, not forever) and
// keep anything that must hold across restarts in your own store, keyed by
// the same ce_id. It is safe for concurrent use.
type Deduper struct {
	mu  sync.Mutex
	cfg DedupConfig
	ids map[string]*list.Element
	age *list.List // front: newest
}

type seenID struct {
	id string
	at time.Time
}

// NewDeduper returns an empty Deduper.
func NewDeduper(cfg DedupConfig) *Deduper {
	if cfg.Size <= 0 {
		cfg.Size = 100_000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Deduper{cfg: cfg, ids: map[string]*list.Element{}, age: list.New()}
}

// Seen reports whether id was added (and not yet forgotten), and adds it
// when it was not: call it before acting, and Forget the id if acting
// failed, so the redelivery is acted on.
func (d *Deduper) Seen(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.cfg.Now()
	d.expire(now)
	if _, ok := d.ids[id]; ok {
		return true
	}
	d.ids[id] = d.age.PushFront(seenID{id, now})
	for d.age.Len() > d.cfg.Size {
		d.remove(d.age.Back())
	}
	return false
}

// Forget removes id, so its next delivery counts as new.
func (d *Deduper) Forget(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if el, ok := d.ids[id]; ok {
		d.remove(el)
	}
}

// Len is how many ids are remembered.
func (d *Deduper) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expire(d.cfg.Now())
	return d.age.Len()
}

func (d *Deduper) expire(now time.Time) {
	if d.cfg.TTL <= 0 {
		return
	}
	for el := d.age.Back(); el != nil && now.Sub(el.Value.(seenID).at) >= d.cfg.TTL; el = d.age.Back() {
		d.remove(el)
	}
}

func (d *Deduper) remove(el *list.Element) {
	delete(d.ids, el.Value.(seenID).id)
	d.age.Remove(el)
}
