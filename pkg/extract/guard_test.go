package extract_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// deletesRefused reads ukgpro_extractor_deletes_refused{topic} from reg.
func deletesRefused(t *testing.T, reg *prometheus.Registry, topic string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "ukgpro_extractor_deletes_refused" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "topic" && l.GetValue() == topic {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no ukgpro_extractor_deletes_refused{topic=%q}", topic)
	return 0
}

// deletions counts the null-value messages of every data topic.
func (p *pipeline) deletions() map[string]int {
	out := map[string]int{}
	for _, topic := range topicOf {
		for _, m := range p.messages(topic) {
			if m.Value == nil {
				out[topic]++
			}
		}
	}
	return out
}

// TestMassDeleteGuard: a tenant that loses a third of its employees at once
// (as a service account that lost a company's permission would see it) is
// refused: nothing deleted, the state unchanged, the run fails with a
// MassDeleteError naming the counts, the metric set. With
// EXTRACTOR_ALLOW_MASS_DELETE the next run deletes them, and only that
// run: a later mass deletion is refused again.
func TestMassDeleteGuard(t *testing.T) {
	p := newPipeline(t, ukgsim.Config{Employees: 300, Companies: 2, Seed: 21})
	p.run(p.build(opts{}))
	employees := p.sim.Rows(ukgsim.EndpointEmployment)
	gt, err := p.sim.AdvanceWith(1, ukgsim.AdvanceOptions{Removals: employees / 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(gt.Removed) != employees/3 {
		t.Fatalf("the simulator removed %d employees, want %d", len(gt.Removed), employees/3)
	}

	reg := prometheus.NewRegistry()
	x := p.build(opts{mode: "full", metrics: extract.NewMetrics(reg)})
	before := map[string]int{}
	for _, topic := range topicOf {
		before[topic] = x.State().Len(topic)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err = x.Run(ctx)
	var mde *extract.MassDeleteError
	if !errors.As(err, &mde) {
		t.Fatalf("run: %v, want a MassDeleteError", err)
	}
	if !strings.Contains(err.Error(), "EXTRACTOR_ALLOW_MASS_DELETE") {
		t.Errorf("the error does not say how to proceed: %v", err)
	}
	if n := p.deletions(); len(n) != 0 {
		t.Fatalf("a refused pass deleted %v", n)
	}
	for _, topic := range topicOf {
		if got := x.State().Len(topic); got < before[topic] {
			t.Errorf("%s: state %d records, had %d: a refused pass forgot some", topic, got, before[topic])
		}
	}
	if got := deletesRefused(t, reg, kafkax.Employees); got != float64(len(gt.Removed)) {
		t.Errorf("deletes_refused{employees} = %v, want %d", got, len(gt.Removed))
	}
	if !strings.Contains(p.logs.String(), `"msg":"mass deletion refused; nothing deleted"`) ||
		!strings.Contains(p.logs.String(), `"vanished":`+strconv.Itoa(len(gt.Removed))) {
		t.Errorf("no error log naming the counts")
	}

	// The override lets one run through.
	reg = prometheus.NewRegistry()
	x = p.build(opts{mode: "full", metrics: extract.NewMetrics(reg), config: func(c *extract.Config) { c.AllowMassDelete = true }})
	p.run(x)
	if got := p.deletions()[kafkax.Employees]; got != len(gt.Removed) {
		t.Fatalf("%d employee deletions after the override, want %d", got, len(gt.Removed))
	}
	if got := deletesRefused(t, reg, kafkax.Employees); got != 0 {
		t.Errorf("deletes_refused{employees} = %v after the override, want 0", got)
	}
	checkLifecycle(t, p.brokers, p.kcfg, gt)
	gt2, err := p.sim.AdvanceWith(1, ukgsim.AdvanceOptions{Removals: p.sim.Rows(ukgsim.EndpointEmployment) / 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Run(ctx); !errors.As(err, &mde) {
		t.Fatalf("the second run of the overriding process: %v, want a MassDeleteError", err)
	}
	if got := p.deletions()[kafkax.Employees]; got != len(gt.Removed) {
		t.Fatalf("the second mass deletion (%d) went through: %d employee deletions", len(gt2.Removed), got)
	}
}

// TestRemovalRecoveredAfterKill: a run killed after Kafka acknowledged an
// employee's deletions (and the state forgot the records) but before its
// employee.removed event and the marks were written leaves the deletions
// past the marks. The restarted extractor publishes the event from them,
// once, naming the topics; the next full pass deletes nothing again.
func TestRemovalRecoveredAfterKill(t *testing.T) {
	p := newPipeline(t, ukgsim.Config{Employees: 150, Companies: 2, Seed: 5})
	p.run(p.build(opts{}))
	gt, err := p.sim.AdvanceWith(1, ukgsim.AdvanceOptions{Removals: 1})
	if err != nil {
		t.Fatal(err)
	}
	key := gt.Removed[0].CompanyID + "/" + gt.Removed[0].EmployeeID

	// What the interrupted run left: a deletion per record of the employee
	// in every topic (job-history rows named), the state entries gone.
	var data, state []kafka.Message
	for _, topic := range topicOf {
		for _, m := range p.messages(topic) {
			if string(m.Key) != key || m.Value == nil {
				continue
			}
			_, ident, err := identOf(topic, m.Value)
			if err != nil {
				t.Fatal(err)
			}
			d := kafka.Message{Topic: p.kcfg.Topic(topic), Key: m.Key, Headers: []kafka.Header{
				{Key: "ce_id", Value: []byte("del-" + ident)},
				{Key: "ce_type", Value: []byte("com.ukgpro." + topic + ".deleted")},
				{Key: "ce_time", Value: []byte(p.sim.Now().Format(time.RFC3339Nano))},
				{Key: "ukg_run_id", Value: []byte("killed-run")},
			}}
			if _, row, ok := strings.Cut(ident, "|"); ok {
				d.Headers = append(d.Headers, kafka.Header{Key: extract.HeaderRecordID, Value: []byte(row)})
			}
			data = append(data, d)
			state = append(state, kafka.Message{Topic: p.kcfg.Topic(kafkax.ExtractorState), Key: []byte("r|" + topic + "|" + ident)})
		}
	}
	w := &kafka.Writer{Transport: testenv.Transport(t), Addr: kafka.TCP(p.brokers...), Balancer: &kafka.Murmur2Balancer{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, append(data, state...)...); err != nil {
		t.Fatal(err)
	}

	x := p.build(opts{mode: "full"}) // recovers at start
	events := func() []string {
		var out []string
		for _, m := range p.messages(kafkax.Lifecycle) {
			if strings.HasSuffix(string(m.Header("ce_type")), schema.EventRemoved) {
				out = append(out, string(m.Value))
			}
		}
		return out
	}
	got := events()
	var ev schema.LifecycleEvent
	if len(got) != 1 || json.Unmarshal([]byte(got[0]), &ev) != nil || ev.Key != key || len(ev.Sources) != 4 ||
		ev.EffectiveDate != p.sim.Now().Format(time.DateOnly) || ev.RunID != "killed-run" {
		t.Fatalf("after recovery: removal events %v, want one for %s naming 4 topics", got, key)
	}
	deletions := p.deletions()
	p.run(x)
	if got := p.deletions(); !maps.Equal(got, deletions) {
		t.Errorf("the full pass after recovery deleted again: %v, before %v", got, deletions)
	}
	if n := len(events()); n != 1 {
		t.Errorf("%d removal events after the full pass, want 1", n)
	}
}
