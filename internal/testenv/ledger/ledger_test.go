package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// keep is a policy that changes nothing.
type keep struct{}

func (keep) Apply(_ string, raw []byte) ([]byte, error) { return raw, nil }

// errs records what Check reports instead of failing the test.
type errs struct {
	testing.TB
	got []string
}

func (e *errs) Helper()                        {}
func (e *errs) Errorf(format string, a ...any) { e.got = append(e.got, fmt.Sprintf(format, a...)) }

// The oracle accepts exactly the simulator's records once each and reports
// a record published twice, one missing, one that is no simulator record
// and a tombstone.
func TestCheckFindsEveryKindOfError(t *testing.T) {
	sim, _ := testenv.Sim(t, ukgsim.Config{Employees: 12, Seed: 5})
	brokers := testenv.Kafka(t)
	cfg := &kafkax.Config{Brokers: brokers, TopicPrefix: "t.", ClientID: "ledger-test", DialTimeout: 5 * time.Second,
		Partitions: 2, ReplicationFactor: 1, MinCompactionLag: time.Hour, DLQRetention: time.Hour}
	ctx := context.Background()
	if err := kafkax.EnsureTopics(ctx, cfg, kafkax.Employees, kafkax.People, kafkax.Compensation, kafkax.JobHistory); err != nil {
		t.Fatal(err)
	}
	w := &kafka.Writer{Transport: testenv.Transport(t), Addr: kafka.TCP(brokers...), Balancer: &kafka.Hash{}, BatchTimeout: time.Millisecond}
	defer w.Close()
	msg := func(topic string, raw []byte) kafka.Message {
		key, _, err := Identity(topic, raw)
		if err != nil {
			t.Fatal(err)
		}
		h, err := extract.HashRecord(raw)
		if err != nil {
			t.Fatal(err)
		}
		return kafka.Message{Topic: cfg.Topic(topic), Key: []byte(key), Value: raw,
			Headers: []kafka.Header{{Key: "ukg_record_hash", Value: []byte(h.String())}}}
	}
	var all []kafka.Message
	var people []json.RawMessage
	for ep, topic := range Topics {
		recs, err := sim.Records(ep, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range recs {
			all = append(all, msg(topic, raw))
		}
		if topic == kafkax.People {
			people = recs
		}
	}
	if err := w.WriteMessages(ctx, all...); err != nil {
		t.Fatal(err)
	}
	l := New(keep{})
	l.Note(t, sim)
	e := &errs{TB: t}
	l.Check(e, brokers, cfg.TopicPrefix)
	if len(e.got) != 0 {
		t.Fatalf("exact data reported as wrong: %q", e.got)
	}

	// One person twice, a message that is no simulator record, a
	// tombstone; after Advance, the versions the simulator serves now are
	// missing.
	stranger := strings.Replace(string(people[0]), `"firstName"`, `"x":1,"firstName"`, 1)
	if stranger == string(people[0]) {
		t.Fatal("the test could not alter a person record")
	}
	extra := msg(kafkax.People, []byte(stranger))
	if err := w.WriteMessages(ctx, msg(kafkax.People, people[1]), extra,
		kafka.Message{Topic: cfg.Topic(kafkax.Compensation), Key: []byte("C/E")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Advance(30); err != nil {
		t.Fatal(err)
	}
	l.Note(t, sim)
	e.got = nil
	l.Check(e, brokers, cfg.TopicPrefix)
	report := strings.Join(e.got, "\n")
	for _, want := range []string{
		"people: 1 records published more than once",
		"people: 1 messages that are no simulator record",
		"deletion of C/E, never a simulator record",
		"records missing", // the versions the simulator serves after Advance
		"newest message is not the record served now",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
}

// A record the simulator no longer serves must be deleted exactly once: not
// deleted, or deleted twice, is reported; one deletion per record is exact.
func TestCheckRequiresDeletionOfRemovedRecords(t *testing.T) {
	sim, _ := testenv.Sim(t, ukgsim.Config{Employees: 40, Seed: 6})
	brokers := testenv.Kafka(t)
	cfg := &kafkax.Config{Brokers: brokers, TopicPrefix: "d.", ClientID: "ledger-test", DialTimeout: 5 * time.Second,
		Partitions: 2, ReplicationFactor: 1, MinCompactionLag: time.Hour, DLQRetention: time.Hour}
	ctx := context.Background()
	if err := kafkax.EnsureTopics(ctx, cfg, kafkax.Employees, kafkax.People, kafkax.Compensation, kafkax.JobHistory); err != nil {
		t.Fatal(err)
	}
	w := &kafka.Writer{Transport: testenv.Transport(t), Addr: kafka.TCP(brokers...), Balancer: &kafka.Hash{}, BatchTimeout: time.Millisecond}
	defer w.Close()
	var all []kafka.Message
	for ep, topic := range Topics {
		recs, err := sim.Records(ep, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range recs {
			key, _, _ := Identity(topic, raw)
			h, _ := extract.HashRecord(raw)
			all = append(all, kafka.Message{Topic: cfg.Topic(topic), Key: []byte(key), Value: raw,
				Headers: []kafka.Header{{Key: "ukg_record_hash", Value: []byte(h.String())}}})
		}
	}
	if err := w.WriteMessages(ctx, all...); err != nil {
		t.Fatal(err)
	}
	l := New(keep{})
	l.Note(t, sim)
	gt, err := sim.AdvanceWith(1, ukgsim.AdvanceOptions{Removals: 1})
	if err != nil || len(gt.Removed) != 1 {
		t.Fatalf("advance: %v, %d removed", err, len(gt.Removed))
	}
	gone := gt.Removed[0].CompanyID + "/" + gt.Removed[0].EmployeeID
	l.Note(t, sim)
	e := &errs{TB: t}
	l.Check(e, brokers, cfg.TopicPrefix)
	if r := strings.Join(e.got, "\n"); !strings.Contains(r, "records no longer served but not deleted: "+gone) {
		t.Fatalf("an undeleted removed employee is not reported:\n%s", r)
	}

	// Delete each record of the removed employee (job-history rows named),
	// in the partition that holds it.
	type target struct {
		topic     string
		partition int
	}
	dels := map[target][]kafka.Message{}
	for _, topic := range Topics {
		for _, m := range testenv.Messages(t, brokers, cfg.Topic(topic)) {
			if string(m.Key) != gone || m.Value == nil {
				continue
			}
			d := kafka.Message{Key: m.Key}
			if topic == kafkax.JobHistory {
				_, ident, _ := Identity(kafkax.JobHistory, m.Value)
				_, row, _ := strings.Cut(ident, "|")
				d.Headers = []kafka.Header{{Key: extract.HeaderRecordID, Value: []byte(row)}}
			}
			tg := target{cfg.Topic(topic), m.Partition}
			dels[tg] = append(dels[tg], d)
		}
	}
	produce := func(tg target, msgs ...kafka.Message) {
		conn, err := kafka.DialLeader(ctx, "tcp", brokers[0], tg.topic, tg.partition)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.WriteMessages(msgs...); err != nil {
			t.Fatal(err)
		}
	}
	for tg, msgs := range dels {
		produce(tg, msgs...)
	}
	e.got = nil
	l.Check(e, brokers, cfg.TopicPrefix)
	for _, line := range e.got {
		if strings.Contains(line, "deleted") || strings.Contains(line, "deletion") {
			t.Fatalf("exact deletions reported: %s", line)
		}
	}
	for tg, msgs := range dels {
		produce(tg, msgs[0])
		break
	}
	e.got = nil
	l.Check(e, brokers, cfg.TopicPrefix)
	if r := strings.Join(e.got, "\n"); !strings.Contains(r, "deletion of "+gone) {
		t.Fatalf("a repeated deletion is not reported:\n%s", r)
	}
}
