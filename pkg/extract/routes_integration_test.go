package extract_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/pii"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// newRoute is what the test knows, independently of the route table, about
// an endpoint of issue 13: its topic and how a record is identified.
type newRoute struct {
	endpoint, topic string
	code            []string // configuration: the key's members
	row             string   // row key member
}

var newRoutes = []newRoute{
	{ukgsim.EndpointCompanies, kafkax.Companies, []string{"companyID"}, ""},
	{ukgsim.EndpointOrgLevels, kafkax.OrgLevels, []string{"level", "code"}, ""},
	{ukgsim.EndpointJobs, kafkax.Jobs, []string{"jobCode"}, ""},
	{ukgsim.EndpointLocations, kafkax.Locations, []string{"locationCode"}, ""},
	{ukgsim.EndpointPositions, kafkax.Positions, []string{"companyId", "positionCode"}, ""},
	{ukgsim.EndpointContacts, kafkax.Contacts, nil, "contactId"},
	{ukgsim.EndpointPTOPlans, kafkax.PTOPlans, nil, "ptoPlan"},
	{ukgsim.EndpointDirectDeposit, kafkax.DirectDeposit, nil, "accountRecordId"},
	{ukgsim.EndpointGlobalBanks, kafkax.GlobalBanks, nil, "bankId"},
	{ukgsim.EndpointContracts, kafkax.Contracts, nil, "employmentContractId"},
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strings.TrimSuffix(fmt.Sprint(x), ".0")
	}
	return fmt.Sprint(v)
}

// expected returns what the simulator serves now for route nr, as the
// topic must carry it: identity (key|row) → value after the PII policy
// (contacts keyed and labelled with the employee's home company).
func expected(t *testing.T, sim *ukgsim.Sim, pol *pii.Policy, nr newRoute) map[string]string {
	t.Helper()
	home := map[string]string{}
	if nr.endpoint == ukgsim.EndpointContacts {
		emp, err := sim.Records(ukgsim.EndpointEmployment, url.Values{"isHomeCompany": {"Y"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range emp {
			var m map[string]any
			json.Unmarshal(raw, &m)
			home[m["employeeID"].(string)] = m["companyID"].(string)
		}
	}
	recs, err := sim.Records(nr.endpoint, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, raw := range recs {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		var key string
		switch {
		case nr.code != nil:
			var parts []string
			for _, c := range nr.code {
				parts = append(parts, text(m[c]))
			}
			key = strings.Join(parts, "/")
		case nr.endpoint == ukgsim.EndpointContacts:
			co := home[text(m["employeeId"])]
			key = co + "/" + text(m["employeeId"])
			raw = append([]byte(`{"companyId":"`+co+`",`), raw[1:]...)
		default:
			key = text(m["companyId"]) + "/" + text(m["employeeId"])
		}
		if nr.row != "" {
			key += "|" + text(m[nr.row])
		}
		v, err := pol.Apply(nr.topic, raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[key]; dup {
			t.Fatalf("%s: the simulator serves %s twice", nr.endpoint, key)
		}
		out[key] = string(v)
	}
	return out
}

// published returns the topic's messages of run runID ("": all) as
// identity → value ("" for a deletion), failing on an identity met twice.
func published(t *testing.T, msgs []*kafkax.Message, nr newRoute, runID string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range msgs {
		if runID != "" && string(m.Header("ukg_run_id")) != runID {
			continue
		}
		id := string(m.Key)
		if nr.row != "" {
			id += "|" + string(m.Header(extract.HeaderRecordID))
		}
		if _, dup := out[id]; dup {
			t.Errorf("%s: %s published twice in one run", nr.topic, id)
		}
		out[id] = string(m.Value)
	}
	return out
}

// TestNewEndpointsEndToEnd: for every endpoint of issue 13, the baseline
// publishes exactly what the simulator serves (counts, distinct identities,
// every value field by field after the PII policy), a second run publishes
// nothing, and an advance that renames a department, adds a job and
// changes bank accounts publishes exactly the rows that changed, with one
// employee.direct_deposit_changed per row the simulator's ground truth
// lists. No bank number or national id of a contact appears in any topic
// or log.
func TestNewEndpointsEndToEnd(t *testing.T) {
	p := newPipeline(t, ukgsim.Config{Employees: 300, Companies: 3, Seed: 11, Start: "2025-06-02",
		Rates: ukgsim.Rates{Rename: 1, NewJob: 1, AccountChange: 0.1}})
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	pol := newRedactor(t, reg)
	needles := testenv.BankNeedles(t, p.sim, 300)
	x := p.extractor(func(c *extract.Config) { c.Endpoints = []string{extract.AllEndpoints} })

	counts := map[string]int{}
	rep := p.run(x)
	if len(rep.Skipped) != 0 {
		t.Fatalf("skipped %v with every role granted", rep.Skipped)
	}
	for _, nr := range newRoutes {
		msgs := p.messages(nr.topic)
		counts[nr.topic] = len(msgs)
		want := expected(t, p.sim, pol, nr)
		got := published(t, msgs, nr, "")
		if len(got) != len(want) || len(want) == 0 {
			t.Errorf("%s: %d distinct records in Kafka (%d messages), the simulator serves %d", nr.topic, len(got), len(msgs), len(want))
		}
		for id, w := range want {
			if g, ok := got[id]; !ok {
				t.Errorf("%s: %s missing", nr.topic, id)
				break
			} else if g != w {
				t.Errorf("%s %s: value\n%s\nwant (after the PII policy)\n%s", nr.topic, id, g, w)
				break
			}
		}
		for _, m := range msgs[:min(3, len(msgs))] {
			if string(m.Header("ce_type")) != "com.ukgpro."+nr.topic+".snapshot" || m.Header("ce_id") == nil ||
				!strings.HasPrefix(string(m.Header("ukg_schema")), nr.topic+"/v") {
				t.Errorf("%s: headers %v", nr.topic, m.Headers)
			}
		}
	}
	if n := len(p.messages(kafkax.Lifecycle)); n != 0 {
		t.Errorf("the baseline published %d lifecycle events", n)
	}

	// A second run publishes nothing.
	p.run(x)
	for _, nr := range newRoutes {
		if n := len(p.messages(nr.topic)); n != counts[nr.topic] {
			t.Errorf("%s: a run without changes published %d messages", nr.topic, n-counts[nr.topic])
		}
	}
	if n := len(p.messages(kafkax.Lifecycle)); n != 0 {
		t.Errorf("a run without changes published %d lifecycle events", n)
	}

	// An advance: exactly the changed rows, and the deposit events.
	before := map[string]map[string]string{}
	for _, nr := range newRoutes {
		before[nr.topic] = expected(t, p.sim, pol, nr)
	}
	gt, err := p.sim.Advance(30)
	if err != nil {
		t.Fatal(err)
	}
	if len(gt.ConfigChanged) != 2 || len(gt.DirectDepositChanged) == 0 {
		t.Fatalf("the advance changed %d configuration rows and %d accounts; want a rename, a new job and some accounts",
			len(gt.ConfigChanged), len(gt.DirectDepositChanged))
	}
	runID := p.run(x).RunID
	for _, nr := range newRoutes {
		after := expected(t, p.sim, pol, nr)
		want := map[string]string{}
		for id, v := range after {
			if before[nr.topic][id] != v {
				want[id] = v
			}
		}
		for id := range before[nr.topic] {
			if _, ok := after[id]; !ok {
				want[id] = "" // deleted
			}
		}
		got := published(t, p.messages(nr.topic), nr, runID)
		if fmt.Sprint(idsOf(got)) != fmt.Sprint(idsOf(want)) {
			t.Errorf("%s: the advance published %v\nwant the changed rows %v", nr.topic, idsOf(got), idsOf(want))
		}
		for id, w := range want {
			if got[id] != w {
				t.Errorf("%s %s after the advance: %s, want %s", nr.topic, id, got[id], w)
				break
			}
		}
	}
	for _, c := range gt.ConfigChanged {
		topic := map[string]string{ukgsim.EndpointOrgLevels: kafkax.OrgLevels, ukgsim.EndpointJobs: kafkax.Jobs}[c.Endpoint]
		if _, ok := published(t, p.messages(topic), newRoute{topic: topic}, runID)[c.Key]; !ok {
			t.Errorf("%s %s (%s) was not published", topic, c.Key, c.Change)
		}
	}
	var gotDD, wantDD []string
	for _, m := range p.messages(kafkax.Lifecycle) {
		var ev schema.LifecycleEvent
		if err := json.Unmarshal(m.Value, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Event != schema.EventDirectDepositChanged {
			continue
		}
		c := ev.Changes[0]
		kind := ukgsim.AccountChanged
		if string(c.Before) == "null" {
			kind = ukgsim.AccountAdded
		}
		var row string
		json.Unmarshal(c.After, &row)
		gotDD = append(gotDD, ev.Key+"|"+c.Field+"|"+row+"|"+kind)
		for _, ch := range ev.Changes {
			if s := string(ch.After); strings.Contains(ch.Field, "Last4") == false && ch.Field != c.Field && s != "null" &&
				!strings.HasPrefix(s, `"`+pii.HashPrefix) {
				t.Errorf("event %s carries %s=%s, not a keyed hash", ev.Key, ch.Field, s)
			}
		}
	}
	for _, d := range gt.DirectDepositChanged {
		field := "accountRecordId"
		if d.Endpoint == ukgsim.EndpointGlobalBanks {
			field = "bankId"
		}
		wantDD = append(wantDD, d.CompanyID+"/"+d.EmployeeID+"|"+field+"|"+d.RowID+"|"+d.Change)
	}
	sort.Strings(gotDD)
	sort.Strings(wantDD)
	if d := diffLists(gotDD, wantDD); d != "" {
		t.Errorf("employee.direct_deposit_changed differs from the ground truth (-extra +missing):\n%s", d)
	}

	// No bank number, IBAN, SWIFT code or contact national id in clear.
	where := map[string]string{"logs": p.logs.String()}
	for _, topic := range append(kafkax.DataTopics, kafkax.ExtractorState) {
		where[topic] = testenv.TopicText(t, p.brokers, p.kcfg.Topic(topic))
	}
	testenv.NoLeaks(t, where, needles)
}

func idsOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestNewEndpointsUnderFaults: 5xx, 429 with Retry-After, malformed and
// truncated pages, repeated rows and a tenant page cap on every endpoint at
// once: each new topic holds exactly what the simulator serves.
func TestNewEndpointsUnderFaults(t *testing.T) {
	p := newPipeline(t, ukgsim.Config{Employees: 250, Companies: 3, Seed: 5, MaxPerPage: 40, Start: "2025-06-02"})
	if err := p.sim.SetFaults(ukgsim.Faults{Rate5xx: 0.10, Rate429: 0.06, RetryAfter: time.Second,
		RateMalformed: 0.04, RateTruncate: 0.03, RateDuplicate: 0.5}); err != nil {
		t.Fatal(err)
	}
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	pol := newRedactor(t, reg)
	x := p.build(opts{ukg: func(c *ukgpro.Config) { c.PerPage = 100; c.MaxRetries = 12 },
		config: func(c *extract.Config) { c.Endpoints = []string{extract.AllEndpoints} }})
	p.run(x)
	for _, nr := range newRoutes {
		want := expected(t, p.sim, pol, nr)
		got := published(t, p.messages(nr.topic), nr, "")
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s under faults: %d records, want exactly the simulator's %d", nr.topic, len(got), len(want))
		}
	}
	if st := p.sim.Stats(); st.Faults["5xx"] == 0 || st.Faults["malformed"] == 0 {
		t.Errorf("faults not exercised: %v", st.Faults)
	}
}

// TestOptionalEndpointForbidden: with every endpoint selected, an optional
// endpoint whose role the account lacks (403) is skipped: the run
// succeeds, its report and a warning name the endpoint and the role, and
// nothing is published to its topic. Named explicitly, the same endpoint
// fails the run.
func TestOptionalEndpointForbidden(t *testing.T) {
	p := newPipeline(t, ukgsim.Config{Employees: 120, Companies: 2, Seed: 3, Start: "2025-06-02",
		Deny: []string{ukgsim.EndpointDirectDeposit, ukgsim.EndpointOrgLevels}})
	x := p.build(opts{config: func(c *extract.Config) { c.Endpoints = []string{extract.AllEndpoints} }})
	rep := p.run(x)
	want := []extract.Skipped{{Endpoint: "org-levels", Role: "Company Configuration Integration"},
		{Endpoint: "direct-deposit", Role: "Employee Direct Deposit"}}
	if fmt.Sprint(rep.Skipped) != fmt.Sprint(want) {
		t.Errorf("skipped %v, want %v", rep.Skipped, want)
	}
	for _, topic := range []string{kafkax.DirectDeposit, kafkax.OrgLevels} {
		if n := len(p.messages(topic)); n != 0 {
			t.Errorf("%s: %d messages from a forbidden endpoint", topic, n)
		}
	}
	for _, topic := range []string{kafkax.Jobs, kafkax.GlobalBanks, kafkax.Employees} {
		if len(p.messages(topic)) == 0 {
			t.Errorf("%s: nothing published beside the skipped endpoints", topic)
		}
	}
	logs := p.logs.String()
	if !strings.Contains(logs, `"endpoint":"direct-deposit","role":"Employee Direct Deposit"`) {
		t.Errorf("no warning naming direct-deposit and its role in the logs")
	}

	named := p.build(opts{config: func(c *extract.Config) {
		c.Endpoints = []string{ukgsim.EndpointEmployment, ukgsim.EndpointDirectDeposit}
	}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if rep, err := named.Run(ctx); err == nil || !errors.Is(err, ukgpro.ErrForbidden) || len(rep.Skipped) != 0 {
		t.Errorf("direct-deposit named in EXTRACTOR_ENDPOINTS and forbidden: err %v, skipped %v; want the run to fail", err, rep.Skipped)
	}
}
