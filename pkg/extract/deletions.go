package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// Deletions (docs/decisions/0062-extractor-deletions.md): after a
// confirmed full pass, every record the state knows and UKG no longer has
// is published as a deletion (a null value), the state forgets it once
// Kafka acknowledged the deletion, and an employee whose employment record
// went gets one employee.removed event. A pass that would delete more than
// EXTRACTOR_MAX_DELETE_RATIO of a topic deletes nothing (MassDeleteError).

// HeaderRecordID names the record within its key where the key alone does
// not (job history: the row's systemId). Every job-history message carries
// it, so a deletion says which row went.
const HeaderRecordID = "ukg_record_id"

// MassDeleteError is a full pass's refusal to delete more than the allowed
// share of a topic's records.
type MassDeleteError struct {
	Topic    string
	Vanished int     // records the full pass did not meet
	Records  int     // records of the topic the extractor knew
	MaxRatio float64 // EXTRACTOR_MAX_DELETE_RATIO
}

func (e *MassDeleteError) Error() string {
	return fmt.Sprintf("refused to delete %d of %d %s records (%.1f%%, more than EXTRACTOR_MAX_DELETE_RATIO=%g): "+
		"check the service account's permissions; if UKG really lost them, rerun once with EXTRACTOR_ALLOW_MASS_DELETE=true",
		e.Vanished, e.Records, e.Topic, 100*float64(e.Vanished)/float64(e.Records), e.MaxRatio)
}

// guardFloor is how many records a full pass may always delete, whatever
// share of its topic they are: small topics (a few dozen global-bank rows or
// org-level codes) would otherwise refuse their first legitimate deletion,
// while a lost permission vanishes far more than this.
const guardFloor = 10

// guard applies the mass-delete guard to a full pass that did not meet
// vanished of the topic's records. It is checked before each vanished
// employee is confirmed with UKG: a lost permission makes that tens of
// thousands of calls, all answering "not found".
func (er *endpointRun) guard(vanished int) error {
	x := er.x
	gauge := x.metrics.deletesRefused.WithLabelValues(er.r.topic)
	total := er.recs.len()
	if !x.scope.all() {
		total = er.recs.count(er.inScope)
	}
	if vanished <= guardFloor || float64(vanished) <= x.cfg.MaxDeleteRatio*float64(total) {
		gauge.Set(0)
		return nil
	}
	if er.h.allowMass {
		gauge.Set(0)
		er.log.Warn("mass deletion allowed by EXTRACTOR_ALLOW_MASS_DELETE", "topic", er.r.topic,
			"vanished", vanished, "records", total, "max_ratio", x.cfg.MaxDeleteRatio)
		return nil
	}
	gauge.Set(float64(vanished))
	err := &MassDeleteError{Topic: x.kcfg.Topic(er.r.topic), Vanished: vanished, Records: total, MaxRatio: x.cfg.MaxDeleteRatio}
	er.log.Error("mass deletion refused; nothing deleted", "topic", err.Topic, "vanished", vanished, "records", total,
		"max_ratio", x.cfg.MaxDeleteRatio)
	return err
}

// deletionMessage is the null-value message that deletes ident from its
// topic. Its ce_time is the tenant clock at the start of the run that found
// it gone (a deletion has no change time of its own), which is also the
// effective date of the employee.removed event it may imply.
func (er *endpointRun) deletionMessage(ident string, tenantNow time.Time) kafka.Message {
	key, row := splitIdentity(ident)
	src := er.x.source(er.r)
	m := kafka.Message{
		Topic: er.x.kcfg.Topic(er.r.topic), Key: []byte(key),
		Headers: []kafka.Header{
			{Key: "ce_specversion", Value: []byte("1.0")},
			{Key: "ce_type", Value: []byte("com.ukgpro." + er.r.topic + ".deleted")},
			{Key: "ce_id", Value: []byte(eventID(src, ident, "deleted", er.runID))},
			{Key: "ce_source", Value: []byte(src)},
			{Key: "ce_time", Value: []byte(tenantNow.UTC().Format(time.RFC3339Nano))},
			{Key: "ce_subject", Value: []byte(key)},
			{Key: "ukg_run_id", Value: []byte(er.runID)},
		},
	}
	if row != "" {
		m.Headers = append(m.Headers, kafka.Header{Key: HeaderRecordID, Value: []byte(row)})
	}
	return m
}

// removals collects, during a run, the deletions Kafka acknowledged per
// employee key: the topics and, for the employment record, the deletion's
// ce_id and ce_time. Endpoints of one run add to it concurrently.
type removals struct {
	mu   sync.Mutex
	keys map[string]*removal
}

type removal struct {
	topics []string // full topic names
	ceID   string   // of the employees deletion; "" while there is none
	at     string   // its ce_time
	runID  string
}

func newRemovals() *removals { return &removals{keys: map[string]*removal{}} }

// add notes an acknowledged deletion message of topic (short name).
func (rs *removals) add(topic string, m *kafka.Message) {
	if rs == nil {
		return
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r := rs.keys[string(m.Key)]
	if r == nil {
		r = &removal{}
		rs.keys[string(m.Key)] = r
	}
	if !slices.Contains(r.topics, m.Topic) {
		r.topics = append(r.topics, m.Topic)
	}
	if topic == kafkax.Employees {
		r.ceID, r.at, r.runID = header(m, "ce_id"), header(m, "ce_time"), header(m, "ukg_run_id")
	}
}

func header(m *kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// events returns one employee.removed event per employee whose employment
// record was deleted, in key order, leaving out those in have (ce_ids
// already in the lifecycle topic).
func (rs *removals) events(x *Extractor, have map[string]bool) ([]kafka.Message, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	keys := make([]string, 0, len(rs.keys))
	for k, r := range rs.keys {
		if r.ceID != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var msgs []kafka.Message
	now := x.now().UTC()
	for _, key := range keys {
		r := rs.keys[key]
		ident := identity(kafkax.Employees, key, "")
		if have[lifecycleID(schema.EventRemoved, ident, r.ceID)] {
			continue
		}
		company, employee, _ := cut(key, '/')
		eff := now.Format(time.DateOnly)
		if t, err := time.Parse(time.RFC3339Nano, r.at); err == nil {
			eff = t.Format(time.DateOnly)
		}
		sources := slices.Clone(r.topics)
		slices.Sort(sources)
		ev := schema.LifecycleEvent{Event: schema.EventRemoved, CompanyID: company, EmployeeID: employee, Key: key,
			EffectiveDate: eff, Changes: []schema.Change{}, Sources: sources, DetectedAt: now, RunID: r.runID}
		v, err := json.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("encode %s event of %s: %w", schema.EventRemoved, key, err)
		}
		msgs = append(msgs, x.eventMessage(key, ident, schema.EventRemoved, r.ceID, r.runID, v, now))
	}
	return msgs, nil
}

// publishRemovals publishes the employee.removed events of a run's
// deletions. A failure leaves the extractor unsure, and the recovery that
// follows publishes the events from the deletions in the topics' tails.
func (x *Extractor) publishRemovals(ctx context.Context, rs *removals) (int, error) {
	msgs, err := rs.events(x, x.tailEvents)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	if err := x.write(context.WithoutCancel(ctx), msgs); err != nil {
		return 0, fmt.Errorf("publish %s events: %w", schema.EventRemoved, err)
	}
	return len(msgs), nil
}
