package extract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// bankCanary is put into every person record's bank fields (the simulator
// leaves them null), so the test can tell whether the policy drops them.
const bankCanary = "BANKCANARY0417"

// withBank is a Source that fills the bank-class fields of person records.
type withBank struct {
	extract.Source
	fields []string
}

func (w *withBank) Pages(ctx context.Context, ep ukgpro.Endpoint, q ukgpro.Query) iter.Seq2[ukgpro.Page, error] {
	return func(yield func(ukgpro.Page, error) bool) {
		for pg, err := range w.Source.Pages(ctx, ep, q) {
			if err == nil && ep == ukgpro.PersonDetails {
				for i, r := range pg.Records {
					var m map[string]json.RawMessage
					if json.Unmarshal(r.Raw, &m) == nil {
						for _, f := range w.fields {
							m[f] = json.RawMessage(`"` + bankCanary + `"`)
						}
						pg.Records[i].Raw, _ = json.Marshal(m)
					}
				}
			}
			if !yield(pg, err) {
				return
			}
		}
	}
}

// TestNoSecretOrIdentifierLeaks runs a baseline, an incremental run and a
// few dead letters through the extractor with the PII policy, then searches
// every topic (data, lifecycle, DLQ, state: keys, values and headers), the
// log (debug level, client included) and the metrics for the simulator's
// SSNs (ssn, nationalId, previousSSN; with and without dashes), the bank
// canary, the password and the API key.
//
// It passes only with the real PII policy (newRedactor); with a
// pass-through redactor it must fail.
func TestNoSecretOrIdentifierLeaks(t *testing.T) {
	p := newPipeline(t, ukgsim.Config{Employees: 150, Companies: 2, Seed: 13})
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	var bank []string
	for f, c := range reg.Topic(kafkax.People).PIIClasses() {
		if c == schema.PIIBank {
			bank = append(bank, f)
		}
	}
	if len(bank) == 0 {
		t.Fatal("the people schema classes no field as bank details")
	}
	people, err := p.sim.Records(ukgsim.EndpointPerson, nil)
	if err != nil {
		t.Fatal(err)
	}
	needles := testenv.IdentifierNeedles(t, p.sim, 100) // before the runs; after them below
	dead := map[string]bool{}
	for _, i := range []int{2, 40, 90} {
		key, _, _ := identOf(kafkax.People, people[i])
		dead[key] = true
	}
	promReg := prometheus.NewRegistry()
	metrics := extract.NewMetrics(promReg)
	o := opts{
		source: func(s extract.Source) extract.Source { return &withBank{s, bank} },
		validator: func(v extract.Validator) extract.Validator {
			return &rejecting{Validator: v, topic: kafkax.People, keys: dead}
		},
		metrics: metrics,
	}
	p.run(p.build(o))
	if _, err := p.sim.Advance(30); err != nil {
		t.Fatal(err)
	}
	p.run(p.build(o))
	if n := len(p.messages(kafkax.DLQ)); n != len(dead) {
		t.Fatalf("%d dead letters, want %d (the DLQ path must be searched too)", n, len(dead))
	}

	var mtext bytes.Buffer
	mfs, err := promReg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&mtext, mf); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(mtext.String(), "ukgpro_extractor_pages_total") {
		t.Fatal("the metrics were not recorded")
	}
	where := map[string]string{"log": p.logs.String(), "metrics": mtext.String()}
	for _, topic := range []string{kafkax.Employees, kafkax.People, kafkax.JobHistory, kafkax.Compensation,
		kafkax.Lifecycle, kafkax.DLQ, kafkax.ExtractorState} {
		where["topic "+topic] = testenv.TopicText(t, p.brokers, p.kcfg.Topic(topic))
	}
	needles = append(append(needles, testenv.IdentifierNeedles(t, p.sim, 100)...),
		testenv.Needle{What: "the bank canary", Value: bankCanary}, testenv.Needle{What: "the password", Value: "demo-password"},
		testenv.Needle{What: "the customer API key", Value: "DEMO-KEY"}, testenv.Needle{What: "the HMAC key", Value: testHMACKey})
	testenv.NoLeaks(t, where, needles)
}
