package events_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv/pipeline"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/events"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// Every message the real extractor publishes, on every topic, across a
// baseline and incremental runs with the tenant changing in between,
// decodes; its typed value equals the record field by field, and its
// attributes equal its headers.
func TestDecodeWhatTheExtractorPublishes(t *testing.T) {
	p := pipeline.Start(t, ukgsim.Config{Employees: 250, Companies: 2, Seed: 5})
	p.Run(func(c *extract.Config) { c.BackfillHires = true })
	if _, err := p.Sim.Advance(45); err != nil {
		t.Fatal(err)
	}
	p.Run(nil)
	// Employees purged and job-history rows deleted: a full pass publishes
	// tombstones, row deletions and employee.removed.
	if _, err := p.Sim.AdvanceWith(45, ukgsim.AdvanceOptions{Removals: 3, Corrections: 6}); err != nil {
		t.Fatal(err)
	}
	p.Run(func(c *extract.Config) { c.Mode = "full" })
	dec := events.NewDecoder(p.Kafka.TopicPrefix)
	kinds := map[string]int{}
	var want []string
	topics := publishedTopics(t, p)
	for _, topic := range topics {
		if topic != kafkax.DLQ && topic != kafkax.RelayDLQ {
			want = append(want, topic) // every data topic must hold something decoded
		}
		for _, km := range p.Messages(topic) {
			m := kafka.Message{Topic: p.Kafka.Topic(topic), Partition: km.Partition, Offset: km.Offset, Key: km.Key, Value: km.Value, Headers: km.Headers}
			ev, err := dec.Decode(m)
			if err != nil {
				t.Fatalf("%s/%d@%d does not decode: %v", topic, km.Partition, km.Offset, err)
			}
			checkAttributes(t, ev, km)
			switch {
			case ev.Deleted:
				kinds[topic+" deletion"]++
				if topic == kafkax.JobHistory && ev.RecordID == "" {
					t.Fatalf("job-history deletion %s@%d names no row (ukg_record_id)", ev.Key, ev.Offset)
				}
			case topic == kafkax.DLQ:
				if _, ok := ev.Data.(*events.DeadLetter); !ok {
					t.Fatalf("dlq message decoded as %T", ev.Data)
				}
				kinds[topic]++
			default:
				if ev.Data == nil {
					t.Fatalf("%s message has no typed value", topic)
				}
				compareFields(t, topic, ev.Data, km.Value)
				kinds[topic]++
				if lc := ev.Lifecycle(); lc != nil {
					kinds[lc.Event]++
				}
			}
		}
	}
	t.Logf("decoded: %v", kinds)
	for _, k := range append(want, events.EventHired, events.EventTerminated, events.EventJobChanged, events.EventCompensationChanged, events.EventRemoved,
		events.EventDirectDepositChanged, kafkax.Employees+" deletion", kafkax.People+" deletion",
		kafkax.Compensation+" deletion", kafkax.JobHistory+" deletion") {
		if kinds[k] == 0 {
			t.Errorf("no %s message was decoded; the test proves nothing for it", k)
		}
	}
}

// publishedTopics lists the data topics (names without prefix) on the
// broker: every topic the extractor published to but its state.
func publishedTopics(t *testing.T, p *pipeline.Pipeline) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl := &kafka.Client{Transport: testenv.Transport(t), Addr: kafka.TCP(p.Brokers...), Timeout: 10 * time.Second}
	md, err := cl.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tp := range md.Topics {
		name, ok := strings.CutPrefix(tp.Name, p.Kafka.TopicPrefix)
		if ok && name != kafkax.ExtractorState {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func checkAttributes(t *testing.T, ev *events.Event, km *kafkax.Message) {
	t.Helper()
	for h, got := range map[string]string{"ce_id": ev.ID, "ce_type": ev.Type, "ce_source": ev.Source, "ce_subject": ev.Subject,
		"ce_specversion": ev.SpecVersion, "ukg_record_hash": ev.RecordHash, "ukg_schema": ev.Schema, "ukg_run_id": ev.RunID,
		"content-type": ev.ContentType} {
		if want := string(km.Header(h)); got != want {
			t.Fatalf("%s@%d: attribute of %s is %q, header %q", ev.Topic, ev.Offset, h, got, want)
		}
	}
	if ct := km.Header("ce_time"); ct != nil && ev.Time.Format("2006-01-02T15:04:05.999999999Z07:00") != string(ct) {
		t.Fatalf("%s@%d: ce_time %s decoded as %s", ev.Topic, ev.Offset, ct, ev.Time)
	}
	perEmployee := map[string]bool{kafkax.Employees: true, kafkax.People: true, kafkax.JobHistory: true,
		kafkax.Compensation: true, kafkax.Lifecycle: true}[ev.Kind]
	if ev.Key != string(km.Key) || ev.CompanyID != "" && ev.CompanyID+"/"+ev.EmployeeID != ev.Key || perEmployee && ev.CompanyID == "" {
		t.Fatalf("%s@%d: key %q split as %q / %q", ev.Topic, ev.Offset, km.Key, ev.CompanyID, ev.EmployeeID)
	}
}

// compareFields checks every field of a typed value against the record's
// JSON: present and equal (decimals by value, dates and timestamps as
// text), or absent/null and empty. Every property of the record that the
// type has a field for is compared.
func compareFields(t *testing.T, topic string, data any, raw []byte) {
	t.Helper()
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	if lc, ok := data.(*events.LifecycleEvent); ok {
		// The extractor marshals this very type: it must round-trip.
		b, err := json.Marshal(lc)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(b, raw) {
			t.Fatalf("lifecycle event round-trips as\n%s\nwas\n%s", b, raw)
		}
		return
	}
	v := reflect.ValueOf(data).Elem()
	matched := 0
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name := f.Tag.Get("json")
		want, present := rec[name]
		if present {
			matched++
		}
		if !present || string(want) == "null" {
			want = nil
		}
		fv := v.Field(i).Interface()
		var got []byte
		switch x := fv.(type) {
		case events.Decimal:
			if x != "" {
				got = []byte(x)
			}
			if !sameDecimal(got, want) {
				t.Fatalf("%s %s: decimal %s, record %s", topic, name, got, want)
			}
			continue
		case events.Int, *events.Int:
			if n, ok := x.(events.Int); ok {
				got = []byte(big.NewInt(int64(n)).String())
			} else if p := x.(*events.Int); p != nil {
				got = []byte(big.NewInt(int64(*p)).String())
			}
			if !sameDecimal(got, want) {
				t.Fatalf("%s %s: integer %s, record %s", topic, name, got, want)
			}
			continue
		case events.Date, events.Timestamp:
			if s := reflect.ValueOf(x).String(); s != "" {
				got, _ = json.Marshal(s)
			}
			if string(want) == `""` {
				want = nil
			}
		default:
			if !v.Field(i).IsZero() || f.Type.Kind() != reflect.Pointer {
				got, _ = json.Marshal(fv)
			}
		}
		if !sameJSON(got, want) {
			t.Fatalf("%s %s: typed %s, record %s", topic, name, got, want)
		}
	}
	if matched == 0 {
		t.Fatalf("%s: no field of %T is in the record", topic, data)
	}
}

func sameJSON(a, b []byte) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y any
	da, db := json.NewDecoder(bytes.NewReader(a)), json.NewDecoder(bytes.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&x) != nil || db.Decode(&y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func sameDecimal(got, want []byte) bool {
	if string(want) == `""` {
		want = nil
	}
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	var s string
	if json.Unmarshal(want, &s) == nil {
		want = []byte(s)
	}
	a, ok1 := new(big.Rat).SetString(string(got))
	b, ok2 := new(big.Rat).SetString(string(want))
	return ok1 && ok2 && a.Cmp(b) == 0
}
