package extract

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/jsonscan"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
)

// endpointRun is one endpoint's share of a run. Only its goroutine touches
// the state records of its topic.
type endpointRun struct {
	x         *Extractor
	log       *slog.Logger
	runID     string
	r         route
	rep       *EndpointReport
	recs      *records
	baselined bool
	full      bool // a full pass: records met are marked seen (vanished)
	h         *hooks
	// prevScope is the company scope of the endpoint's last complete run
	// (EndpointState.Companies).
	prevScope []string
}

// hooks connect the endpoints of one run (see Run for the order).
type hooks struct {
	// rows: the job-history rows published in this run, newest per
	// employee (filled by job-history, read by employment).
	rows rowIndex
	// changed: employees whose employment record was published (filled by
	// employment); refetch: the same map, read by compensation.
	changed, refetch map[[2]string]bool
	// forceFull: compensation must read everything (no change list).
	forceFull bool
	// removed collects the run's acknowledged deletions (for the
	// employee.removed events); allowMass lets this run past the
	// mass-delete guard (EXTRACTOR_ALLOW_MASS_DELETE).
	removed   *removals
	allowMass bool
}

// histRow is what lifecycle events take from a job-history row. It is kept
// per employee for a whole run (200,000 of them), so it is compact: the
// effective date and the ce_id as fixed bytes.
type histRow struct {
	eff       [10]byte // YYYY-MM-DD
	job, rate bool
	ceID      [16]byte // the row's ce_id (an eventID), decoded
	hasID     bool     // false: the ce_id was not an eventID (never, in practice)
	created   string
}

// rowIndex holds the newest job-history row per employee, keyed by keyOf of
// "<company>/<employee>".
type rowIndex map[recordKey]histRow

func newRowIndex() rowIndex { return rowIndex{} }

// get returns the newest row of the employee with Kafka key key.
func (ri rowIndex) get(key string) (histRow, bool) {
	row, ok := ri[keyOf(key)]
	return row, ok
}

// note keeps raw (a job-history row, valid JSON) as the employee's newest
// row if it is newer than the one kept. It reads the few members it needs
// with a scan of the top level, as encoding/json would decode them into
// pointer fields (names matched case-insensitively, the last occurrence
// wins, null unsets), and skips a row whose members have the wrong type.
func (ri rowIndex) note(key string, raw []byte, ceID string) {
	var (
		eff, created       []byte // nil: absent or null
		job, rate, typeErr bool
		flags              [5]int8 // isJobChange, isOrgchange, isTransfer, isPromotion, isRateChange: -1 null/absent, 0 false, 1 true
	)
	for i := range flags {
		flags[i] = -1
	}
	i := jsonscan.SkipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return
	}
	for i = jsonscan.SkipSpace(raw, i+1); i < len(raw) && raw[i] == '"'; {
		kEnd := jsonscan.StringEnd(raw, i)
		name := raw[i+1 : kEnd-1]
		i = jsonscan.SkipSpace(raw, jsonscan.SkipSpace(raw, kEnd)+1) // past ':'
		vEnd := jsonscan.ValueEnd(raw, i)
		v := raw[i:vEnd]
		switch f := histField(name); {
		case len(v) == 0: // not valid JSON: cannot happen (the callers' values are)
			typeErr = true
		case f == hfNone:
		case f == hfEff || f == hfCreated:
			var str []byte
			switch {
			case string(v) == "null":
			case v[0] == '"':
				str = jsonString(v)
			default:
				typeErr = true
			}
			if f == hfEff {
				eff = str
			} else {
				created = str
			}
		default:
			switch string(v) {
			case "null":
				flags[f-hfJob] = -1
			case "true":
				flags[f-hfJob] = 1
			case "false":
				flags[f-hfJob] = 0
			default:
				typeErr = true
			}
		}
		i = jsonscan.SkipSpace(raw, vEnd)
		if i < len(raw) && raw[i] == ',' {
			i = jsonscan.SkipSpace(raw, i+1)
		}
	}
	if typeErr || len(eff) < 10 {
		return
	}
	for _, f := range flags[:4] {
		job = job || f == 1
	}
	rate = flags[4] == 1
	row := histRow{eff: [10]byte(eff[:10]), job: job, rate: rate, created: string(created)}
	if id, err := hex.DecodeString(ceID); err == nil && len(id) == len(row.ceID) {
		row.ceID, row.hasID = [16]byte(id), true
	}
	k := keyOf(key)
	if old, ok := ri[k]; ok && (bytes.Compare(old.eff[:], row.eff[:]) > 0 || old.eff == row.eff && old.created > row.created) {
		return
	}
	ri[k] = row
}

const (
	hfNone = iota
	hfEff
	hfCreated
	hfJob // then hfOrg, hfTransfer, hfPromotion, hfRate, in this order
	hfOrg
	hfTransfer
	hfPromotion
	hfRate
)

// histField names the job-history member note reads (case-insensitively, as
// encoding/json matches names).
func histField(name []byte) int {
	if bytes.IndexByte(name, '\\') >= 0 {
		var s string
		if json.Unmarshal(append(append([]byte{'"'}, name...), '"'), &s) != nil {
			return hfNone
		}
		name = []byte(s)
	}
	for f, n := range [...]string{hfEff: "jobEffectiveDate", hfCreated: "dateTimeCreated", hfJob: "isJobChange",
		hfOrg: "isOrgchange", hfTransfer: "isTransfer", hfPromotion: "isPromotion", hfRate: "isRateChange"} {
		if n != "" && len(name) == len(n) && bytes.EqualFold(name, []byte(n)) {
			return f
		}
	}
	return hfNone
}

// jsonString decodes a JSON string literal (a slice of it when unescaped).
func jsonString(v []byte) []byte {
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1]
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return nil
	}
	return []byte(s)
}

// date gives a derived event the effective date of the employee's newest
// job-history row when that row records this kind of change, and returns
// the event's sources (the employment record's ce_id, then the row's).
func (row histRow) date(d *derived, hasRow bool, ceID string) []string {
	sources := []string{ceID}
	if hasRow && (d.event == schema.EventJobChanged && row.job || d.event == schema.EventCompensationChanged && row.rate) {
		d.effective = string(row.eff[:])
		id := ""
		if row.hasID {
			id = hex.EncodeToString(row.ceID[:])
		}
		sources = append(sources, id)
	}
	return sources
}

// runEndpoint extracts one endpoint: a full pass, or the incremental window
// since its last run. cands is the compensation plan (nil elsewhere).
func (x *Extractor) runEndpoint(ctx context.Context, log *slog.Logger, runID string, tenantNow time.Time, r route, rep *EndpointReport, h *hooks) error {
	if h == nil {
		h = &hooks{}
	}
	name := r.ep.String()
	log = log.With("endpoint", name)
	es := x.state.Endpoint(name)
	full := x.cfg.Mode == "full" || !es.Baselined || es.Watermark.IsZero()
	if !full && x.cfg.FullEvery > 0 && tenantNow.Sub(es.LastFullStart) >= x.cfg.FullEvery {
		full = true
	}
	if h.forceFull || !x.scope.within(es.Companies) {
		full = true
	}
	er := &endpointRun{x: x, log: log, runID: runID, r: r, rep: rep, recs: x.state.records(r.topic),
		baselined: es.Baselined, h: h, prevScope: es.Companies}
	rep.Full = full

	var q ukgpro.Query
	since := es.Watermark.Add(-x.cfg.Overlap)
	if r.topic == kafkax.JobHistory {
		// The rows read here date this run's employment changes: reach back
		// to employment's window when employment is behind (its last run
		// failed or was killed after job history completed).
		if ew := x.state.Endpoint("employee-employment-details").Watermark; !ew.IsZero() && ew.Before(es.Watermark) {
			since = ew.Add(-x.cfg.Overlap)
		}
	}
	switch {
	case full:
		er.startFull()
	case r.ep.HasChangedFilter():
		q.DateTimeChanged = ukgpro.After(since)
	case r.ep.HasCreatedFilter(): // job history rows are created, not changed
		q.DateTimeCreated = ukgpro.After(since)
	}
	log.Info("endpoint started", "full", full, "since", since.Format(time.DateOnly))
	expected := 0
	if full {
		expected = es.FullPages
	}
	x.prog.Start(name, full, expected)
	var err error
	started := time.Now()
	defer func() {
		x.prog.Done(name, err)
		x.metrics.observeRun(name, full, err, time.Since(started))
	}()

	// The run's start on the tenant clock is the next window's start.
	runStart := tenantNow
	if !full && r.topic == kafkax.Compensation {
		// compensation-details has no change filter: refetch the employees
		// whose employment changed, unless a full pass is cheaper.
		keys := make([][2]string, 0, len(h.refetch))
		for k := range h.refetch {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+"/"+a[1], b[0]+"/"+b[1]) })
		if len(keys) >= es.FullPages && es.FullPages > 0 {
			full, rep.Full = true, true
			er.startFull()
			err = er.read(ctx, q)
		} else {
			err = er.perEmployee(ctx, keys)
		}
	} else {
		err = er.read(ctx, q)
	}
	if err != nil {
		err = fmt.Errorf("%s: %w", name, err)
		return err
	}
	if full {
		if err = er.vanished(ctx, tenantNow); err != nil {
			err = fmt.Errorf("%s: %w", name, err)
			return err
		}
		es.LastFullStart = runStart
		es.FullPages = rep.Pages
		es.Baselined = true
	}
	es.Watermark = runStart
	es.LastRunID = runID
	es.CatchUp = false
	es.Companies = x.scope.ids
	msg, err := endpointMessage(x.kcfg.Topic(kafkax.ExtractorState), name, es)
	if err != nil {
		return err
	}
	if err = x.write(context.WithoutCancel(ctx), []kafka.Message{msg}); err != nil {
		err = fmt.Errorf("%s: checkpoint: %w", name, err)
		return err
	}
	x.state.setEndpoint(name, es)
	x.metrics.lastSuccess.WithLabelValues(name).SetToCurrentTime()
	log.Info("endpoint finished", "pages", rep.Pages, "rows", rep.Rows, "published", rep.Published,
		"unchanged", rep.Unchanged, "dlq", rep.DLQ, "tombstones", rep.Tombstones, "lifecycle", rep.Lifecycle)
	if rep.OutOfScope > 0 {
		log.Warn("the tenant returned records of companies outside EXTRACTOR_COMPANIES; they were dropped", "records", rep.OutOfScope)
	}
	return nil
}

// read pages the endpoint, one company at a time when the run is scoped
// (EXTRACTOR_COMPANIES): a single-company filter is what every UKG tenant
// honours (comma lists are less certain, ukgpro-api.md §2).
func (er *endpointRun) read(ctx context.Context, q ukgpro.Query) error {
	if er.x.scope.all() {
		return er.pages(ctx, q)
	}
	for _, c := range er.x.scope.ids {
		cq := q
		cq.CompanyID = c
		if err := er.pages(ctx, cq); err != nil {
			return fmt.Errorf("company %s: %w", c, err)
		}
	}
	return nil
}

// startFull begins a full pass: no record is met yet.
func (er *endpointRun) startFull() {
	er.full = true
	er.recs.clearSeen()
}

// pages reads the endpoint page by page and publishes each page before
// asking for the next one to be delivered.
func (er *endpointRun) pages(ctx context.Context, q ukgpro.Query) error {
	for page, err := range er.x.src.Pages(ctx, er.r.ep, q) {
		if err != nil {
			return err
		}
		er.rep.Pages++
		er.rep.Rows += page.Rows
		er.x.metrics.pages.WithLabelValues(er.r.ep.String()).Inc()
		published := er.rep.Published
		if err := er.publish(ctx, page.Records); err != nil {
			return fmt.Errorf("page %d: %w", page.Number, err)
		}
		er.x.prog.Page(er.r.ep.String(), page.Rows, er.rep.Published-published)
	}
	return nil
}

// perEmployee refetches the given employees' records, UKG_CONCURRENCY at a
// time, publishing in batches.
func (er *endpointRun) perEmployee(ctx context.Context, keys [][2]string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		recs []ukgpro.Record
		err  error
	}
	jobs := make(chan [2]string)
	results := make(chan result)
	var wg sync.WaitGroup
	for range er.x.conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				recs, err := er.x.src.Employee(ctx, er.r.ep, k[0], k[1])
				if err != nil {
					err = fmt.Errorf("employee %s/%s: %w", k[0], k[1], err)
				}
				select {
				case results <- result{recs, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, k := range keys {
			select {
			case jobs <- k:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var batch []ukgpro.Record
	var firstErr error
	for res := range results {
		er.rep.Calls++
		if res.err != nil {
			if firstErr == nil {
				firstErr = res.err
				cancel()
			}
			continue
		}
		er.rep.Rows += len(res.recs)
		batch = append(batch, res.recs...)
		if len(batch) >= 200 {
			published := er.rep.Published
			if err := er.publish(ctx, batch); err != nil && firstErr == nil {
				firstErr = err
				cancel()
			}
			er.x.prog.Page(er.r.ep.String(), len(batch), er.rep.Published-published)
			batch = batch[:0]
		}
	}
	if firstErr != nil {
		return firstErr
	}
	return er.publish(ctx, batch)
}

// pending is one record's outcome waiting for its Kafka acknowledgement.
type pending struct {
	ident string
	e     *entry // nil: tombstone
	msg   int    // index of its message in the batch
}

// publish runs one batch of records through PII, change detection and the
// schema, produces the changed ones (plus lifecycle events and dead
// letters), and only then records them in the state topic.
func (er *endpointRun) publish(ctx context.Context, recs []ukgpro.Record) error {
	x := er.x
	var msgs []kafka.Message
	var pend []pending
	now := x.now().UTC()
	for _, rec := range recs {
		if !x.scope.has(rec.CompanyID) {
			// The tenant ignored the company filter (or a per-employee read
			// returned the employee's other company): not ours to publish.
			er.rep.OutOfScope++
			continue
		}
		ident := identity(er.r.topic, rec.Key(), rec.SystemID)
		if er.full {
			er.recs.markSeen(ident)
		}
		value, err := x.pii.Apply(er.r.topic, rec.Raw)
		if err != nil {
			// The record cannot be parsed, so the policy cannot be applied
			// and the value is not safe to forward: dead-letter without it.
			msgs = append(msgs, x.deadLetter(er.r, rec.Key(), nil, er.runID, schema.DeadLetterFor(err, "pii_policy", "")))
			er.rep.DLQ++
			continue
		}
		h, err := HashRecord(value)
		if err != nil {
			msgs = append(msgs, x.deadLetter(er.r, rec.Key(), value, er.runID, schema.DeadLetterFor(err, "invalid_json", "")))
			er.rep.DLQ++
			continue
		}
		prev, known := er.recs.get(ident)
		if er.r.topic == kafkax.JobHistory && er.h.rows != nil && known && prev.hash == h && !prev.dlq {
			// Published before (by a run that did not finish, perhaps):
			// it still dates the employment changes of this run.
			er.h.rows.note(rec.Key(), value, eventID(x.source(er.r), ident, h.String()))
		}
		if known && prev.hash == h && !prev.dlq {
			er.rep.Unchanged++
			continue
		}
		if err := x.val.Validate(er.r.topic, value); err != nil {
			if known && prev.hash == h {
				// Dead-lettered before and still invalid: once is enough.
				er.rep.Unchanged++
				continue
			}
			dl := x.deadLetter(er.r, rec.Key(), value, er.runID, schema.DeadLetterFor(err, "schema_validation", ""))
			// The hash lets a restart that lost the state entry recover it
			// from the DLQ (recover), instead of dead-lettering again.
			dl.Headers = append(dl.Headers, kafka.Header{Key: "ukg_record_hash", Value: []byte(h.String())})
			msgs = append(msgs, dl)
			pend = append(pend, pending{ident: ident, e: &entry{hash: h, dlq: true, snap: prev.snap}, msg: len(msgs) - 1})
			er.rep.DLQ++
			continue
		}
		e := &entry{hash: h}
		ceID := eventID(x.source(er.r), ident, h.String())
		msgs = append(msgs, x.recordMessage(er.r, rec.Key(), rec.SystemID, value, h, ceID, er.runID, now))
		pend = append(pend, pending{ident: ident, e: e, msg: len(msgs) - 1})
		er.rep.Published++
		if er.r.topic == kafkax.JobHistory && er.h.rows != nil {
			er.h.rows.note(rec.Key(), value, ceID)
		}
		if er.r.topic == kafkax.Employees {
			snap, err := snapshot(value)
			if err != nil {
				return fmt.Errorf("record %s: %w", ident, err)
			}
			e.snap = packSnap(snap)
			var events []derived
			switch {
			case er.baselined && (known || !added(er.prevScope, rec.CompanyID)):
				// An employee first met because its company entered the
				// scope is that company's baseline, as on a first run.
				var before []string
				if known {
					before = unpackSnap(prev.snap)
				}
				events = diffEmployment(before, snap)
			case x.cfg.BackfillHires && !known:
				events = diffEmployment(nil, snap)
			}
			row, hasRow := er.h.rows.get(rec.Key())
			for _, d := range events {
				sources := row.date(&d, hasRow, ceID)
				if x.tailEvents[lifecycleID(d.event, ident, ceID)] {
					continue // an interrupted run published it already
				}
				m, err := x.lifecycleMessage(rec, ident, d, sources, er.runID, now)
				if err != nil {
					return err
				}
				msgs = append(msgs, m)
				er.rep.Lifecycle++
			}
			if er.h.changed != nil {
				er.h.changed[[2]string{rec.CompanyID, rec.EmployeeID}] = true
			}
		}
	}
	return er.commit(ctx, msgs, pend)
}

// commit produces msgs, then writes the state entries of the records Kafka
// acknowledged, then updates the in-memory state. A record whose write
// failed keeps its old state, so the next run publishes it again.
func (er *endpointRun) commit(ctx context.Context, msgs []kafka.Message, pend []pending) error {
	if len(msgs) == 0 {
		return nil
	}
	x := er.x
	start := time.Now()
	// A page that was read is published even when the run is being stopped
	// (SIGTERM): cancellation stops fetching, not finishing.
	werr := x.write(context.WithoutCancel(ctx), msgs)
	x.metrics.publishLatency.WithLabelValues(er.r.ep.String()).Observe(time.Since(start).Seconds())
	var failed kafka.WriteErrors
	if werr != nil && !errors.As(werr, &failed) {
		failed = nil
	}
	stateTopic := x.kcfg.Topic(kafkax.ExtractorState)
	var stateMsgs []kafka.Message
	var acked []pending
	for _, p := range pend {
		if werr != nil && (failed == nil || failed[p.msg] != nil) {
			continue // not acknowledged
		}
		sm, err := stateMessage(stateTopic, p.ident, p.e, snapFields[er.r.topic])
		if err != nil {
			return err
		}
		stateMsgs = append(stateMsgs, sm)
		acked = append(acked, p)
	}
	x.metrics.records.WithLabelValues(er.r.ep.String(), "published").Add(float64(len(msgs)))
	if len(stateMsgs) > 0 {
		// The records are in Kafka: record them even when the run is being
		// cancelled, so a restart does not publish them again.
		if err := x.write(context.WithoutCancel(ctx), stateMsgs); err != nil {
			return errors.Join(werr, fmt.Errorf("write state: %w", err))
		}
		for _, p := range acked {
			if p.e == nil {
				er.recs.delete(p.ident)
				er.h.removed.add(er.r.topic, &msgs[p.msg])
			} else {
				er.recs.put(p.ident, *p.e, er.full)
			}
		}
	}
	if werr != nil {
		return fmt.Errorf("produce: %w", werr)
	}
	return nil
}

// vanished deletes, after a complete full pass, the records the state
// knows that the API no longer has: each gets a deletion message (a null
// value; job-history rows name their systemId in ukg_record_id), and the
// state forgets it once Kafka acknowledged that message (commit). The
// mass-delete guard comes first: over EXTRACTOR_MAX_DELETE_RATIO, nothing
// is deleted and the endpoint fails with a *MassDeleteError.
func (er *endpointRun) vanished(ctx context.Context, tenantNow time.Time) error {
	// Records of companies outside the scope were not read: not having met
	// them proves nothing.
	missing := slices.DeleteFunc(er.recs.unseen(), func(ident string) bool { return !er.x.scope.hasIdentity(ident) })
	if err := er.guard(len(missing)); err != nil {
		return err
	}
	gone, err := er.confirmGone(ctx, missing)
	if err != nil {
		return err
	}
	if len(gone) == 0 {
		return nil
	}
	slices.Sort(gone)
	msgs := make([]kafka.Message, 0, len(gone))
	pend := make([]pending, 0, len(gone))
	for _, ident := range gone {
		msgs = append(msgs, er.deletionMessage(ident, tenantNow))
		pend = append(pend, pending{ident: ident, msg: len(msgs) - 1})
	}
	er.rep.Tombstones = len(msgs)
	er.log.Info("records vanished from the API", "count", len(gone))
	if err := er.commit(ctx, msgs, pend); err != nil {
		return fmt.Errorf("delete vanished records: %w", err)
	}
	return nil
}

// confirmGone asks UKG for each employee whose records a full read did not
// return, and returns the identities UKG no longer has. A paged read is not
// proof of absence: rows that move while a list is paged (a hire sorted in
// before the reader's position) can be missed. Records the employee still
// has are published like any other (usually unchanged: nothing is sent).
func (er *endpointRun) confirmGone(ctx context.Context, missing []string) ([]string, error) {
	byKey := map[string][]string{}
	for _, ident := range missing {
		key, _ := splitIdentity(ident)
		byKey[key] = append(byKey[key], ident)
	}
	var gone []string
	for key, idents := range byKey {
		company, employee, _ := cut(key, '/')
		recs, err := er.x.src.Employee(ctx, er.r.ep, company, employee)
		er.rep.Calls++
		if errors.Is(err, ukgpro.ErrNotFound) {
			gone = append(gone, idents...)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("confirm that %s is gone: %w", key, err)
		}
		if err := er.publish(ctx, recs); err != nil {
			return nil, err
		}
		for _, ident := range idents {
			if !er.recs.seen(ident) {
				gone = append(gone, ident)
			}
		}
	}
	return gone, nil
}

func splitIdentity(ident string) (key, row string) {
	// identity = topic|company/employee[|row]
	_, rest, _ := cut(ident, '|')
	key, row, _ = cut(rest, '|')
	return key, row
}

func cut(s string, sep byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// write produces msgs with the shared writer, in chunks that fit a request.
// Any failure makes the extractor unsure of what Kafka holds (see
// Extractor.unsure).
func (x *Extractor) write(ctx context.Context, msgs []kafka.Message) error {
	err := x.w.WriteMessages(ctx, msgs...)
	if err != nil {
		x.unsure.Store(true)
	}
	var we kafka.WriteErrors
	if errors.As(err, &we) {
		return &writeError{we}
	}
	return err
}

// writeError summarises kafka.WriteErrors, whose own message lists every
// message's error (thousands of lines for one page); errors.As still finds
// the kafka.WriteErrors.
type writeError struct{ errs kafka.WriteErrors }

func (e *writeError) Error() string {
	var first error
	for _, err := range e.errs {
		if err != nil {
			first = err
			break
		}
	}
	return fmt.Sprintf("%d of %d messages not acknowledged (first: %v)", e.errs.Count(), len(e.errs), first)
}

func (e *writeError) Unwrap() error { return e.errs }

// source is the CloudEvents source of an endpoint's records.
func (x *Extractor) source(r route) string { return "ukgpro://" + x.host + "/" + r.ep.String() }

// recordMessage is the message of one record; rowID (job history's
// systemId, "" elsewhere) goes into the ukg_record_id header.
func (x *Extractor) recordMessage(r route, key, rowID string, value []byte, h RecordHash, ceID, runID string, now time.Time) kafka.Message {
	m := kafka.Message{
		Topic: x.kcfg.Topic(r.topic), Key: []byte(key), Value: value,
		Headers: []kafka.Header{
			{Key: "ce_specversion", Value: []byte("1.0")},
			{Key: "ce_id", Value: []byte(ceID)},
			{Key: "ce_source", Value: []byte(x.source(r))},
			{Key: "ce_type", Value: []byte("com.ukgpro." + r.topic + ".snapshot")},
			{Key: "ce_time", Value: []byte(now.Format(time.RFC3339Nano))},
			{Key: "ce_subject", Value: []byte(key)},
			{Key: "content-type", Value: []byte("application/json")},
			{Key: "ukg_record_hash", Value: []byte(h.String())},
			{Key: "ukg_schema", Value: []byte(x.val.SchemaID(r.topic))},
			{Key: "ukg_run_id", Value: []byte(runID)},
		},
	}
	if rowID != "" {
		m.Headers = append(m.Headers, kafka.Header{Key: HeaderRecordID, Value: []byte(rowID)})
	}
	return m
}

// deadLetter builds a DLQ message (schemas/dlq): the value after the PII
// policy (nil when the policy could not be applied, so no raw PII is ever
// forwarded) with the reason in headers.
func (x *Extractor) deadLetter(r route, key string, value []byte, runID string, dl schema.DeadLetter) kafka.Message {
	x.metrics.records.WithLabelValues(r.ep.String(), "dlq").Inc()
	x.log.Warn("record dead-lettered", "endpoint", r.ep.String(), "key", key, "reason", dl.Reason, "field", dl.Field)
	dl.Stage = "extractor"
	dl.OriginTopic = x.kcfg.Topic(r.topic)
	dl.OriginSchema = x.val.SchemaID(r.topic)
	hs := []kafka.Header{
		{Key: "ce_source", Value: []byte(x.source(r))},
		{Key: "content-type", Value: []byte("application/json")},
		{Key: "ukg_run_id", Value: []byte(runID)},
	}
	for _, h := range dl.Headers() {
		hs = append(hs, kafka.Header{Key: h.Key, Value: h.Value})
	}
	return kafka.Message{Topic: x.kcfg.Topic(kafkax.DLQ), Key: []byte(key), Value: value, Headers: hs}
}

func (x *Extractor) lifecycleMessage(rec ukgpro.Record, ident string, d derived, sources []string, runID string, now time.Time) (kafka.Message, error) {
	ev := schema.LifecycleEvent{
		Event: d.event, CompanyID: rec.CompanyID, EmployeeID: rec.EmployeeID, Key: rec.Key(),
		EffectiveDate: d.effective, Changes: d.changes, Sources: sources, DetectedAt: now, RunID: runID,
	}
	v, err := json.Marshal(ev)
	if err != nil {
		return kafka.Message{}, fmt.Errorf("encode %s event of %s: %w", d.event, ident, err)
	}
	return x.eventMessage(rec.Key(), ident, d.event, sources[0], runID, v, now), nil
}

// eventMessage wraps an encoded lifecycle event. Its ce_id depends only on
// the event kind, the record identity and the source record's ce_id, so
// re-deriving it from the same data gives the same id.
func (x *Extractor) eventMessage(key, ident, event, sourceID, runID string, value []byte, now time.Time) kafka.Message {
	h, _ := HashRecord(value)
	src := x.source(routes["employee-employment-details"])
	return kafka.Message{
		Topic: x.kcfg.Topic(kafkax.Lifecycle), Key: []byte(key), Value: value,
		Headers: []kafka.Header{
			{Key: "ce_specversion", Value: []byte("1.0")},
			{Key: "ce_id", Value: []byte(lifecycleID(event, ident, sourceID))},
			{Key: "ce_source", Value: []byte(src)},
			{Key: "ce_type", Value: []byte("com.ukgpro.lifecycle." + event)},
			{Key: "ce_time", Value: []byte(now.Format(time.RFC3339Nano))},
			{Key: "ce_subject", Value: []byte(key)},
			{Key: "content-type", Value: []byte("application/json")},
			{Key: "ukg_record_hash", Value: []byte(h.String())},
			{Key: "ukg_schema", Value: []byte(x.val.SchemaID(kafkax.Lifecycle))},
			{Key: "ukg_run_id", Value: []byte(runID)},
		},
	}
}

func lifecycleID(event, ident, sourceID string) string {
	return eventID("lifecycle", event, ident, sourceID)
}
