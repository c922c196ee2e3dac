package extract

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
)

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
		if er.r.homeCompany {
			// Contacts: the key's company is the employee's home company
			// (docs/decisions/0102-contacts-key.md).
			company := er.h.home[rec.EmployeeID]
			if company == "" {
				dl := schema.DeadLetter{Reason: "no_home_company", Error: "the employee has no home employment row to key the record by"}
				msgs = append(msgs, x.deadLetter(er.r, "/"+rec.EmployeeID, nil, er.runID, dl))
				er.rep.DLQ++
				continue
			}
			rec.CompanyID, rec.Raw = company, withCompany(rec.Raw, company)
		}
		if !er.r.tenantWide && !x.scope.has(rec.CompanyID) {
			// The tenant ignored the company filter (or a per-employee read
			// returned the employee's other company): not ours to publish.
			er.rep.OutOfScope++
			continue
		}
		ident := identity(er.r.topic, rec.Key(), rec.RowID)
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
		if er.r.rowIndex && er.h.rows != nil && known && prev.hash == h && !prev.dlq {
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
		msgs = append(msgs, x.recordMessage(er.r, rec.Key(), rec.RowID, value, h, ceID, er.runID, now))
		pend = append(pend, pending{ident: ident, e: e, msg: len(msgs) - 1})
		er.rep.Published++
		if er.r.rowIndex && er.h.rows != nil {
			er.h.rows.note(rec.Key(), value, ceID)
		}
		if er.r.snap == nil {
			continue
		}
		snap, err := snapshotOf(value, er.r.snap)
		if err != nil {
			return fmt.Errorf("record %s: %w", ident, err)
		}
		e.snap = packSnap(snap)
		var before []string
		if known {
			before = unpackSnap(prev.snap)
		}
		// A record first met because its company entered the scope is
		// that company's baseline, as on a first run.
		derive := er.baselined && (known || !added(er.prevScope, rec.CompanyID))
		for _, d := range er.r.derive(before, snap, derive, x.cfg.BackfillHires && !known) {
			sources := []string{ceID}
			if er.r.events == evEmployment {
				row, hasRow := er.h.rows.get(rec.Key())
				sources = row.date(&d, hasRow, ceID)
			}
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
		if er.r.events == evEmployment && er.h.changed != nil {
			er.h.changed[[2]string{rec.CompanyID, rec.EmployeeID}] = true
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
