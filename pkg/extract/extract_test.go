package extract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// pipeline is an extractor wired to a simulator and an embedded broker over
// real TCP and HTTP.
type pipeline struct {
	t       *testing.T
	sim     *ukgsim.Sim
	url     string
	brokers []string
	kcfg    *kafkax.Config
	logs    *bytes.Buffer
}

func newPipeline(t *testing.T, simCfg ukgsim.Config) *pipeline {
	t.Helper()
	sim, url := testenv.Sim(t, simCfg)
	brokers := testenv.Kafka(t)
	return &pipeline{t: t, sim: sim, url: url, brokers: brokers, logs: &bytes.Buffer{},
		kcfg: &kafkax.Config{Brokers: brokers, TopicPrefix: "ukgpro.", ClientID: "test", DialTimeout: 5 * time.Second,
			Partitions: 3, ReplicationFactor: 1, MinCompactionLag: time.Hour, DLQRetention: time.Hour}}
}

func (p *pipeline) ukgConfig() ukgpro.Config {
	return ukgpro.Config{BaseURL: p.url, Username: "svc-demo", Password: envconf.Secret("demo-password"),
		CustomerAPIKey: envconf.Secret("DEMO-KEY"), PerPage: 100, Concurrency: 4, MaxRetries: 8,
		RetryBase: time.Millisecond, RetryMax: 20 * time.Millisecond, RequestTimeout: 5 * time.Second}
}

// extractor builds a fresh extractor (as a restarted process would) and
// starts it.
func (p *pipeline) extractor(mut func(*extract.Config)) *extract.Extractor {
	p.t.Helper()
	reg, err := schema.Load()
	if err != nil {
		p.t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(p.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	metrics := extract.NewMetrics(nil)
	api, err := ukgpro.New(p.ukgConfig(), ukgpro.WithLogger(log), ukgpro.WithObserver(metrics))
	if err != nil {
		p.t.Fatal(err)
	}
	cfg := extract.Config{Mode: "incremental", FullEvery: 365 * 24 * time.Hour, Overlap: 48 * time.Hour,
		Endpoints: []string{"employee-employment-details", "person-details", "compensation-details", "employee-job-history-details"},
		BatchSize: 1000, Linger: 2 * time.Millisecond, WriteTimeout: 10 * time.Second, MaxDeleteRatio: 0.05}
	if mut != nil {
		mut(&cfg)
	}
	x, err := extract.New(cfg, p.kcfg, extract.Deps{Source: api, Validator: extract.RegistryValidator(reg),
		Redactor: newRedactor(p.t, reg), Logger: log, Metrics: metrics, BaseURL: p.url, Concurrency: 4})
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { x.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := x.Start(ctx); err != nil {
		p.t.Fatal(err)
	}
	return x
}

func (p *pipeline) run(x *extract.Extractor) *extract.Report {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	rep, err := x.Run(ctx)
	if err != nil {
		p.t.Fatalf("run: %v", err)
	}
	return rep
}

func (p *pipeline) messages(topic string) []*kafkax.Message {
	return testenv.Messages(p.t, p.brokers, p.kcfg.Topic(topic))
}

var topicOf = map[string]string{
	ukgsim.EndpointEmployment:   kafkax.Employees,
	ukgsim.EndpointPerson:       kafkax.People,
	ukgsim.EndpointCompensation: kafkax.Compensation,
	ukgsim.EndpointJobHistory:   kafkax.JobHistory,
}

func TestFullRunThenNoChangeThenAdvance(t *testing.T) {
	p := newPipeline(t, ukgsim.Config{Employees: 400, Companies: 3, Seed: 7})
	x := p.extractor(nil)

	// 1. Baseline: every record the simulator serves lands once, keyed per
	// employee, with the headers design.md lists; no lifecycle events.
	rep := p.run(x)
	for ep, topic := range topicOf {
		want := p.sim.Rows(ep)
		msgs := p.messages(topic)
		if len(msgs) != want {
			t.Errorf("%s: %d messages, simulator serves %d records", topic, len(msgs), want)
		}
		for _, m := range msgs[:min(5, len(msgs))] {
			for _, h := range []string{"ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject",
				"content-type", "ukg_record_hash", "ukg_schema", "ukg_run_id"} {
				if m.Header(h) == nil {
					t.Errorf("%s message lacks header %s", topic, h)
				}
			}
			if !strings.Contains(string(m.Key), "/") || string(m.Header("ce_subject")) != string(m.Key) {
				t.Errorf("%s key %q is not <companyId>/<employeeId>", topic, m.Key)
			}
		}
		if r := rep.Endpoints[ep]; r == nil || !r.Full || r.Published != want {
			t.Errorf("%s report %+v, want a full pass publishing %d", ep, r, want)
		}
	}
	if n := len(p.messages(kafkax.Lifecycle)); n != 0 {
		t.Fatalf("baseline run published %d lifecycle events, want 0", n)
	}
	compareSample(t, p, ukgsim.EndpointEmployment, kafkax.Employees)

	// 2. Nothing changed: nothing is published, by this process or by a
	// restarted one that reads its memory back from the state topic.
	before := counts(p)
	p.run(x)
	p.run(p.extractor(nil))
	if after := counts(p); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("runs without changes published messages: before %v, after %v", before, after)
	}

	// 3. Thirty days pass. The next (incremental) run's lifecycle events are
	// exactly the simulator's ground truth, and only changed records are
	// republished.
	gt, err := p.sim.Advance(30)
	if err != nil {
		t.Fatal(err)
	}
	rep = p.run(p.extractor(nil))
	for ep, r := range rep.Endpoints {
		// compensation-details has no change filter: refetching each changed
		// employee costs more calls than a full pass on so small a tenant,
		// and the extractor must pick the cheaper one.
		if r.Full && ep != ukgsim.EndpointCompensation {
			t.Errorf("%s ran a full pass after the baseline, want incremental", ep)
		}
	}
	if r := rep.Endpoints[ukgsim.EndpointCompensation]; r.Calls > r.Pages && r.Full || !r.Full && r.Calls > 5 {
		t.Errorf("compensation refetch cost %d calls and %d pages; a full pass costs 5 pages", r.Calls, r.Pages)
	}
	got := map[string][]string{}
	for _, m := range p.messages(kafkax.Lifecycle) {
		var ev schema.LifecycleEvent
		if err := json.Unmarshal(m.Value, &ev); err != nil {
			t.Fatal(err)
		}
		got[ev.Event] = append(got[ev.Event], ev.CompanyID+"/"+ev.EmployeeID+"@"+ev.EffectiveDate)
		if want := "com.ukgpro.lifecycle." + ev.Event; string(m.Header("ce_type")) != want {
			t.Errorf("ce_type %q, want %q", m.Header("ce_type"), want)
		}
	}
	want := map[string][]ukgsim.Event{
		schema.EventHired: gt.Hired, schema.EventTerminated: gt.Terminated, schema.EventRehired: gt.Rehired,
		schema.EventJobChanged: gt.JobChanged, schema.EventCompensationChanged: gt.CompensationChanged,
		schema.EventStatusChanged: gt.StatusChanged,
	}
	total := 0
	for ev, list := range want {
		var w []string
		for _, e := range list {
			w = append(w, e.CompanyID+"/"+e.EmployeeID+"@"+e.EffectiveDate)
		}
		sort.Strings(w)
		g := got[ev]
		sort.Strings(g)
		if strings.Join(g, " ") != strings.Join(w, " ") {
			t.Errorf("%s: extractor derived\n  %v\nground truth\n  %v", ev, g, w)
		}
		total += len(w)
	}
	if total == 0 {
		t.Fatal("the simulator changed nothing in 30 days; the test proves nothing")
	}
	changed := gt.Changed()
	after := counts(p)
	if d := after[kafkax.Employees] - before[kafkax.Employees]; d != len(changed) {
		t.Errorf("republished %d employment records, %d employees changed", d, len(changed))
	}
}

// counts returns the number of messages per data topic.
func counts(p *pipeline) map[string]int {
	out := map[string]int{}
	for _, t := range []string{kafkax.Employees, kafkax.People, kafkax.JobHistory, kafkax.Compensation, kafkax.Lifecycle} {
		out[t] = len(p.messages(t))
	}
	return out
}

// compareSample checks, field by field, that message values are the records
// the simulator serves (employment records carry no PII the policy changes).
func compareSample(t *testing.T, p *pipeline, endpoint, topic string) {
	t.Helper()
	recs, err := p.sim.Records(endpoint, nil)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]map[string]any{}
	for _, r := range recs {
		var m map[string]any
		if err := json.Unmarshal(r, &m); err != nil {
			t.Fatal(err)
		}
		byKey[fmt.Sprint(m["companyID"], "/", m["employeeID"])] = m
	}
	msgs := p.messages(topic)
	for i := 0; i < len(msgs); i += max(1, len(msgs)/25) {
		var got map[string]any
		if err := json.Unmarshal(msgs[i].Value, &got); err != nil {
			t.Fatal(err)
		}
		want := byKey[string(msgs[i].Key)]
		if want == nil {
			t.Fatalf("message key %s is not a simulator record", msgs[i].Key)
		}
		for k, v := range want {
			if fmt.Sprint(got[k]) != fmt.Sprint(v) {
				t.Errorf("%s %s: %s = %v, simulator serves %v", topic, msgs[i].Key, k, got[k], v)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s %s: %d fields, simulator serves %d", topic, msgs[i].Key, len(got), len(want))
		}
	}
}
