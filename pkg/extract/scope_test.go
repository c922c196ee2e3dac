package extract_test

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// EXTRACTOR_COMPANIES: a scoped run publishes only its companies; widening
// the scope reads the added companies in full as their baseline (no hire
// storm); narrowing it, even on a full pass after real changes, deletes
// nothing; and changes of known employees made while their company was out
// of scope come out as events once it is back.
func TestCompanyScope(t *testing.T) {
	p := newPipeline(t, ukgsim.Config{Employees: 300, Companies: 3, Seed: 11})
	companies := p.sim.Companies()
	if len(companies) < 3 {
		t.Fatalf("simulator has companies %v, want 3", companies)
	}
	in := companies[0]
	scoped := func(mode string) func(*extract.Config) {
		return func(c *extract.Config) {
			c.Companies = []string{" " + strings.ToLower(in) + " "} // case and spaces as a user may type them
			c.Mode = mode
		}
	}
	records := func(ep string, company string) int {
		n := 0
		recs, err := p.sim.Records(ep, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			var m map[string]any
			if err := json.Unmarshal(r, &m); err != nil {
				t.Fatal(err)
			}
			c, _ := m["companyID"].(string)
			if c == "" {
				c, _ = m["companyId"].(string)
			}
			if company == "" || c == company {
				n++
			}
		}
		return n
	}
	noDeletes := func(step string) {
		t.Helper()
		for _, topic := range []string{kafkax.Employees, kafkax.People, kafkax.JobHistory, kafkax.Compensation} {
			for _, m := range p.messages(topic) {
				if m.Value == nil {
					t.Fatalf("%s: %s holds a deletion of %s", step, topic, m.Key)
				}
			}
		}
		for _, m := range p.messages(kafkax.Lifecycle) {
			if strings.HasSuffix(string(m.Header("ce_type")), ".removed") {
				t.Fatalf("%s: lifecycle holds a removal of %s", step, m.Key)
			}
		}
	}

	// 1. Scoped baseline: only company `in`, all of it.
	p.run(p.extractor(scoped("incremental")))
	for ep, topic := range topicOf {
		msgs := p.messages(topic)
		for _, m := range msgs {
			if !strings.HasPrefix(string(m.Key), in+"/") {
				t.Fatalf("scoped run published %s key %s of another company", topic, m.Key)
			}
		}
		if want := records(ep, in); len(msgs) != want {
			t.Errorf("scoped run: %s has %d messages, company %s has %d records", topic, len(msgs), in, want)
		}
	}

	// 2. Every company: the others are read in full as their baseline, no
	// lifecycle event is derived for them.
	rep := p.run(p.extractor(nil))
	for ep, topic := range topicOf {
		if !rep.Endpoints[ep].Full {
			t.Errorf("%s: widening the scope ran incrementally; the added companies' history would be missed", ep)
		}
		if got, want := len(p.messages(topic)), records(ep, ""); got != want {
			t.Errorf("after widening: %s has %d messages, the tenant %d records", topic, got, want)
		}
	}
	if n := len(p.messages(kafkax.Lifecycle)); n != 0 {
		t.Fatalf("widening the scope derived %d lifecycle events, want 0 (a baseline)", n)
	}
	total := p.extractorState(t)

	// 3. Time passes; a full pass scoped to `in` deletes nothing of the
	// others, and its events are `in`'s alone.
	gt, err := p.sim.Advance(60)
	if err != nil {
		t.Fatal(err)
	}
	p.run(p.extractor(scoped("full")))
	noDeletes("narrowed full pass")
	if got := p.extractorState(t); got[kafkax.Employees] < total[kafkax.Employees] {
		t.Errorf("narrowing the scope dropped state records: %v, was %v", got, total)
	}
	byCompany := func(keep func(company string) bool, skipHires bool) []string {
		var out []string
		for ev, list := range map[string][]ukgsim.Event{
			schema.EventHired: gt.Hired, schema.EventTerminated: gt.Terminated, schema.EventRehired: gt.Rehired,
			schema.EventJobChanged: gt.JobChanged, schema.EventCompensationChanged: gt.CompensationChanged,
			schema.EventStatusChanged: gt.StatusChanged,
		} {
			for _, e := range list {
				if keep(e.CompanyID) && !(skipHires && ev == schema.EventHired) {
					out = append(out, ev+" "+e.CompanyID+"/"+e.EmployeeID)
				}
			}
		}
		sort.Strings(out)
		return out
	}
	events := func() []string {
		var out []string
		for _, m := range p.messages(kafkax.Lifecycle) {
			var ev schema.LifecycleEvent
			if err := json.Unmarshal(m.Value, &ev); err != nil {
				t.Fatal(err)
			}
			out = append(out, ev.Event+" "+ev.Key)
		}
		sort.Strings(out)
		return out
	}
	if got, want := events(), byCompany(func(c string) bool { return c == in }, false); !slices.Equal(got, want) {
		t.Fatalf("narrowed run's events:\n  %v\nground truth of %s:\n  %v", got, in, want)
	}

	// 4. Every company again: the changes of the others' known employees
	// come out now; their new hires are the added companies' baseline.
	p.run(p.extractor(nil))
	noDeletes("widened again")
	hires := map[string]bool{}
	for _, e := range gt.Hired {
		hires[e.CompanyID+"/"+e.EmployeeID] = true
	}
	want := slices.DeleteFunc(byCompany(func(string) bool { return true }, true), func(s string) bool {
		_, key, _ := strings.Cut(s, " ")
		return hires[key]
	})
	want = append(want, byCompany(func(c string) bool { return c == in }, false)...)
	sort.Strings(want)
	want = slices.Compact(want)
	if got := events(); !slices.Equal(got, want) {
		t.Fatalf("events after widening again:\n  %v\nwant\n  %v", got, want)
	}
}

// extractorState returns how many records of each topic a freshly started
// extractor's state holds.
func (p *pipeline) extractorState(t *testing.T) map[string]int {
	t.Helper()
	st := p.extractor(nil).State()
	out := map[string]int{}
	for _, topic := range []string{kafkax.Employees, kafkax.People, kafkax.JobHistory, kafkax.Compensation} {
		out[topic] = st.Len(topic)
	}
	return out
}
