package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// recover repairs the state after a run that was killed between Kafka
// acknowledging records and the state topic recording them.
//
// Each data topic has a mark in the state topic: offsets up to which every
// record is reflected in the state. Marks move to the topics' ends after
// every run, so after a clean run there is nothing to read. After a crash,
// the records between the mark and the end are exactly what the interrupted
// run produced; reading them back tells which records Kafka holds that the
// state does not know yet. They are recorded (so they are not published
// again), lifecycle events they imply and that the lifecycle topic does not
// hold yet are published (so none is lost), and the marks move on. The DLQ
// has a mark too: schema failures dead-lettered past it whose state entry
// was lost are recorded, so the same version is not dead-lettered twice.
func (x *Extractor) recover(ctx context.Context) error {
	stateTopic := x.kcfg.Topic(kafkax.ExtractorState)
	var stateMsgs, events []kafka.Message
	recovered := 0
	haveEvent := map[string]bool{}
	err := x.readTail(ctx, kafkax.Lifecycle, func(m *kafkax.Message) error {
		if id := m.Header("ce_id"); id != nil {
			haveEvent[string(id)] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	x.tailEvents = haveEvent
	// remember records e as ident's state entry, in memory and (once the
	// tails are read) in the state topic.
	remember := func(topic, ident string, e entry) error {
		sm, err := stateMessage(stateTopic, ident, &e, snapFields[topic])
		if err != nil {
			return err
		}
		stateMsgs = append(stateMsgs, sm)
		x.state.records(topic).put(ident, e, false)
		recovered++
		return nil
	}
	// Deletions past the marks: an employee.removed event the interrupted
	// run did not publish is published from them (tailRemovals).
	tailRemovals := newRemovals()
	// Job history first: its rows date the employment changes, as in a run.
	rows := newRowIndex()
	for _, r := range routeTable { // job history comes first
		topic := r.topic
		recs := x.state.records(topic)
		baselined := x.state.Endpoint(r.name()).Baselined
		err := x.readTail(ctx, topic, func(m *kafkax.Message) error {
			ident, err := tailIdentity(r, m)
			if err != nil {
				return err
			}
			prev, known := recs.get(ident)
			if m.Value == nil { // a deletion, recorded in the state or not
				tailRemovals.add(topic, &kafka.Message{Topic: x.kcfg.Topic(topic), Key: m.Key, Headers: m.Headers})
				if known {
					sm, _ := stateMessage(stateTopic, ident, nil, nil)
					stateMsgs = append(stateMsgs, sm)
					recs.delete(ident)
					recovered++
				}
				return nil
			}
			h, err := ParseRecordHash(string(m.Header("ukg_record_hash")))
			if err != nil {
				return fmt.Errorf("recover %s@%d: %w", topic, m.Offset, err)
			}
			if r.rowIndex {
				rows.note(string(m.Key), m.Value, string(m.Header("ce_id")))
			}
			if known && prev.hash == h {
				return nil
			}
			e := entry{hash: h}
			if r.snap != nil {
				snap, err := snapshotOf(m.Value, r.snap)
				if err != nil {
					return fmt.Errorf("recover %s@%d: %w", topic, m.Offset, err)
				}
				e.snap = packSnap(snap)
				var before []string
				if known {
					before = unpackSnap(prev.snap)
				}
				company, employee, _ := cut(string(m.Key), '/')
				srcID := string(m.Header("ce_id"))
				row, hasRow := rows.get(string(m.Key))
				for _, d := range r.derive(before, snap, baselined, false) {
					if haveEvent[lifecycleID(d.event, ident, srcID)] {
						continue
					}
					sources := []string{srcID}
					if r.events == evEmployment {
						sources = row.date(&d, hasRow, srcID)
					}
					ev := schema.LifecycleEvent{Event: d.event, CompanyID: company, EmployeeID: employee, Key: string(m.Key),
						EffectiveDate: d.effective, Changes: d.changes, Sources: sources,
						DetectedAt: x.now().UTC(), RunID: string(m.Header("ukg_run_id"))}
					v, err := json.Marshal(ev)
					if err != nil {
						return err
					}
					events = append(events, x.eventMessage(string(m.Key), ident, d.event, srcID, ev.RunID, v, ev.DetectedAt))
					haveEvent[lifecycleID(d.event, ident, srcID)] = true
				}
			}
			return remember(topic, ident, e)
		})
		if err != nil {
			return err
		}
	}
	// Schema failures are remembered like published records (entry.dlq),
	// so the same version is dead-lettered once: dead letters Kafka holds
	// past the mark whose state entry was lost are recorded now.
	err = x.readTail(ctx, kafkax.DLQ, func(m *kafkax.Message) error {
		if string(m.Header(schema.HeaderDLQStage)) != "extractor" || string(m.Header(schema.HeaderDLQReason)) != "schema_validation" ||
			m.Value == nil || m.Header("ukg_record_hash") == nil {
			return nil
		}
		topic, ok := strings.CutPrefix(string(m.Header(schema.HeaderDLQOriginTopic)), x.kcfg.TopicPrefix)
		r, known := routeOfTopic(topic)
		if !ok || !known {
			return nil
		}
		h, err := ParseRecordHash(string(m.Header("ukg_record_hash")))
		if err != nil {
			return fmt.Errorf("recover %s@%d: %w", kafkax.DLQ, m.Offset, err)
		}
		ident, err := tailIdentity(r, m)
		if err != nil {
			return err
		}
		prev, known := x.state.records(topic).get(ident)
		if known && prev.hash == h {
			return nil
		}
		return remember(topic, ident, entry{hash: h, dlq: true, snap: prev.snap})
	})
	if err != nil {
		return err
	}
	removedEvents, err := tailRemovals.events(x, haveEvent)
	if err != nil {
		return err
	}
	events = append(events, removedEvents...)
	if len(events) > 0 {
		if err := x.write(ctx, events); err != nil {
			return fmt.Errorf("recover: publish lifecycle events: %w", err)
		}
	}
	if len(stateMsgs) > 0 {
		if err := x.write(ctx, stateMsgs); err != nil {
			return fmt.Errorf("recover: write state: %w", err)
		}
	}
	if recovered > 0 || len(events) > 0 {
		x.log.Warn("recovered an interrupted run", "records", recovered, "lifecycle_events", len(events))
	}
	// The lifecycle mark stays where it is: the events past it whose
	// records Kafka refused (a partial write) are known only from this tail,
	// and the process that publishes those records again may be a restarted
	// one, which must read them back too. The next clean run moves it.
	return x.writeMarks(ctx, false)
}

// tailIdentity is the state identity of a record read back from a route's
// topic: rows of routes with a row key are told apart by it (the value's
// member; a deletion names it in ukg_record_id).
func tailIdentity(r route, m *kafkax.Message) (string, error) {
	row := ""
	switch {
	case r.ep.RowKey() == "":
	case m.Value == nil:
		row = string(m.Header(HeaderRecordID))
	default:
		var err error
		if row, err = memberText(m.Value, r.ep.RowKey()); err != nil {
			return "", fmt.Errorf("recover %s@%d: %w", r.topic, m.Offset, err)
		}
	}
	return identity(r.topic, string(m.Key), row), nil
}

// memberText is a record member as ukgpro.Record.RowID has it: a string's
// text, or a number's with a zero fraction dropped; "" when absent or null.
func memberText(raw []byte, name string) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", err
	}
	v, ok := m[name]
	if !ok {
		for k, x := range m {
			if strings.EqualFold(k, name) {
				v = x
				break
			}
		}
	}
	var str string
	switch {
	case len(v) == 0 || string(v) == "null":
		return "", nil
	case json.Unmarshal(v, &str) == nil:
		return str, nil
	}
	n := string(v)
	if i := strings.IndexByte(n, '.'); i > 0 && !strings.ContainsAny(n, "eE") && strings.Trim(n[i+1:], "0") == "" {
		n = n[:i]
	}
	return n, nil
}

// readTail calls fn for every message of a data topic past its mark.
func (x *Extractor) readTail(ctx context.Context, topic string, fn func(*kafkax.Message) error) error {
	full := x.kcfg.Topic(topic)
	offs, err := kafkax.PartitionOffsets(ctx, x.cl, full)
	if err != nil {
		return fmt.Errorf("recover: %w", err)
	}
	mark := x.state.marks[full]
	for p, o := range offs {
		from, ok := mark[p]
		if !ok || from < o.First {
			from = o.First
		}
		if err := kafkax.ReadRange(ctx, x.cl, full, p, from, o.End, fn); err != nil {
			return fmt.Errorf("recover: %w", err)
		}
	}
	return nil
}

// writeMarks records the current end offsets of the data topics and the
// DLQ as marks, and of the lifecycle topic when lifecycle is set. Call it
// only when no produce is in flight.
func (x *Extractor) writeMarks(ctx context.Context, lifecycle bool) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	stateTopic := x.kcfg.Topic(kafkax.ExtractorState)
	var msgs []kafka.Message
	marks := map[string]map[int]int64{}
	topics := append(routeTopics(), kafkax.DLQ)
	if lifecycle {
		topics = append(topics, kafkax.Lifecycle)
	}
	for _, topic := range topics {
		full := x.kcfg.Topic(topic)
		offs, err := kafkax.PartitionOffsets(ctx, x.cl, full)
		if err != nil {
			return fmt.Errorf("write marks: %w", err)
		}
		m := make(map[int]int64, len(offs))
		for p, o := range offs {
			m[p] = o.End
		}
		msg, err := markMessage(stateTopic, full, m)
		if err != nil {
			return err
		}
		msgs = append(msgs, msg)
		marks[full] = m
	}
	if err := x.write(ctx, msgs); err != nil {
		return fmt.Errorf("write marks: %w", err)
	}
	x.state.mu.Lock()
	for k, v := range marks {
		x.state.marks[k] = v
	}
	x.state.mu.Unlock()
	return nil
}
