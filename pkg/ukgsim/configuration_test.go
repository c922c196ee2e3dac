package ukgsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// recs returns every record of endpoint as maps (the full, fault-free paging).
func recs(t testing.TB, s *Sim, endpoint string) []map[string]any {
	t.Helper()
	raw, err := s.Records(endpoint, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			t.Fatalf("%s record %d: %v", endpoint, i, err)
		}
	}
	return out
}

// TestConfigurationLabelsEveryCode: every code an employment row uses has a
// row in the configuration tables, so an analyst can name it.
func TestConfigurationLabelsEveryCode(t *testing.T) {
	s, _ := newTestSim(t, Config{Employees: 400, Companies: 4})
	has := map[string]map[string]bool{}
	add := func(table, code string) {
		if has[table] == nil {
			has[table] = map[string]bool{}
		}
		has[table][code] = true
	}
	for _, r := range recs(t, s, EndpointOrgLevels) {
		add(fmt.Sprint(r["level"]), str(r["code"]))
		if str(r["description"]) == "" {
			t.Errorf("org level %v/%s has no description", r["level"], str(r["code"]))
		}
	}
	for _, r := range recs(t, s, EndpointJobs) {
		add("job", str(r["jobCode"]))
	}
	for _, r := range recs(t, s, EndpointLocations) {
		add("loc", str(r["locationCode"]))
	}
	for _, r := range recs(t, s, EndpointCompanies) {
		add("co", str(r["companyID"]))
	}
	for _, r := range recs(t, s, EndpointPositions) {
		if !has["job"][str(r["jobcode"])] || !has["co"][str(r["companyId"])] || !has["1"][str(r["organizationLevelCode1"])] {
			t.Errorf("position %s/%s uses unknown codes", str(r["companyId"]), str(r["positionCode"]))
		}
	}
	if len(has["co"]) != 4 {
		t.Fatalf("companies = %d, want 4", len(has["co"]))
	}
	emp := recs(t, s, EndpointEmployment)
	for _, r := range emp {
		for lv := 1; lv <= 4; lv++ {
			if c := str(r[fmt.Sprintf("orgLevel%dCode", lv)]); !has[fmt.Sprint(lv)][c] {
				t.Errorf("employment %s: orgLevel%dCode %q has no org-levels row", key(r, "companyID", "employeeID"), lv, c)
			}
		}
		if !has["job"][str(r["primaryJobCode"])] || !has["loc"][str(r["primaryWorkLocationCode"])] || !has["co"][str(r["companyID"])] {
			t.Errorf("employment %s uses a code with no configuration row", key(r, "companyID", "employeeID"))
		}
	}
}

// TestEmployeeRowsBelongToEmployees: contacts, PTO, bank and contract rows
// name real employments, and each endpoint's rows validate against its
// topic's schema with unique identities.
func TestEmployeeRowsBelongToEmployees(t *testing.T) {
	s, _ := newTestSim(t, Config{Employees: 400, Companies: 4})
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	emps := map[string]bool{}
	people := map[string]bool{}
	for _, r := range recs(t, s, EndpointEmployment) {
		emps[key(r, "companyID", "employeeID")] = true
		people[str(r["employeeID"])] = true
	}
	for _, tc := range []struct {
		endpoint, topic, row string
		min                  int
	}{
		{EndpointContacts, "contacts", "contactId", 200},
		{EndpointPTOPlans, "pto-plans", "ptoPlan", 800},
		{EndpointDirectDeposit, "direct-deposit", "accountRecordId", 350},
		{EndpointGlobalBanks, "global-banks", "bankId", 5},
		{EndpointContracts, "contracts", "employmentContractId", 50},
	} {
		t.Run(tc.endpoint, func(t *testing.T) {
			raw, err := s.Records(tc.endpoint, url.Values{})
			if err != nil {
				t.Fatal(err)
			}
			if len(raw) < tc.min {
				t.Fatalf("%d rows, want at least %d", len(raw), tc.min)
			}
			seen := map[string]bool{}
			for _, b := range raw {
				var r map[string]any
				if err := json.Unmarshal(b, &r); err != nil {
					t.Fatal(err)
				}
				if tc.endpoint == EndpointContacts {
					if !people[str(r["employeeId"])] {
						t.Errorf("contact %s of unknown employee %s", str(r["contactId"]), str(r["employeeId"]))
					}
					r["companyId"] = "X" // the extractor adds it (the API row has none)
					b, _ = json.Marshal(r)
				} else if !emps[key(r, "companyId", "employeeId")] {
					t.Errorf("row of unknown employment %s", key(r, "companyId", "employeeId"))
				}
				id := key(r, "companyId", "employeeId") + "|" + fmt.Sprint(r[tc.row])
				if seen[id] {
					t.Errorf("identity %s twice", id)
				}
				seen[id] = true
				if err := reg.Topic(tc.topic).Validate(b); err != nil {
					t.Fatalf("row does not validate against %s: %v\n%s", tc.topic, err, b)
				}
			}
		})
	}
}

// TestConfigurationRoutes: the new endpoints answer on their documented
// paths; org-levels and locations are unpaged; the sub-record endpoints
// page like the others.
func TestConfigurationRoutes(t *testing.T) {
	s, srv := newTestSim(t, Config{Employees: 300})
	for _, name := range []string{EndpointCompanies, EndpointOrgLevels, EndpointJobs, EndpointLocations, EndpointPositions,
		EndpointContacts, EndpointPTOPlans, EndpointDirectDeposit, EndpointGlobalBanks, EndpointContracts} {
		path := Path(name)
		if path == "" {
			t.Fatalf("%s: no path", name)
		}
		want := s.Rows(name)
		if ep := endpointByName(name); ep.unpaged {
			if got := len(records(t, get(t, srv, path+"?page=1&per_Page=5"))); got != want {
				t.Errorf("%s (unpaged): page 1 of 5 returned %d rows, want all %d", name, got, want)
			}
			continue
		}
		if got := len(pageAll(t, srv, path, 37)); got != want {
			t.Errorf("%s: paging by 37 returned %d rows, want %d", name, got, want)
		}
	}
	if r := get(t, srv, "/personnel/v1/jobs"); r.status != http.StatusNotFound {
		t.Errorf("jobs under /personnel/v1: status %d, want 404 (it lives under /configuration/v2)", r.status)
	}
	co := s.Companies()[0]
	byCo := records(t, get(t, srv, "/payroll/v1/companies/"+co+"/direct-deposit"))
	for _, r := range byCo {
		if str(r["companyId"]) != co {
			t.Fatalf("by-company direct deposit returned company %s", str(r["companyId"]))
		}
	}
	if n, _ := s.Count(EndpointDirectDeposit, url.Values{"companyId": {co}}); n != len(byCo) {
		t.Errorf("by-company path: %d rows, the companyId filter %d", len(byCo), n)
	}
}

// TestAdvanceConfigurationGroundTruth: an advance that renames a
// department, adds a job and changes bank accounts reports exactly what the
// endpoints then serve differently.
func TestAdvanceConfigurationGroundTruth(t *testing.T) {
	s, _ := newTestSim(t, Config{Employees: 600, Rates: Rates{Rename: 1, NewJob: 1, AccountChange: 0.2}})
	orgBefore := byKey(recs(t, s, EndpointOrgLevels), "level", "code")
	jobsBefore := byKey(recs(t, s, EndpointJobs), "jobCode")
	ddBefore := byKey(recs(t, s, EndpointDirectDeposit), "accountRecordId")
	gbBefore := byKey(recs(t, s, EndpointGlobalBanks), "bankId")
	gt, err := s.Advance(30)
	if err != nil {
		t.Fatal(err)
	}
	var renamed, added []string
	for _, c := range gt.ConfigChanged {
		switch c.Change {
		case "renamed":
			renamed = append(renamed, c.Key)
		case "added":
			added = append(added, c.Key)
		}
	}
	if got := diffKeys(orgBefore, byKey(recs(t, s, EndpointOrgLevels), "level", "code")); !slices.Equal(got, renamed) || len(renamed) != 1 {
		t.Errorf("org-levels changed %v, ground truth renamed %v", got, renamed)
	}
	if got := diffKeys(jobsBefore, byKey(recs(t, s, EndpointJobs), "jobCode")); !slices.Equal(got, added) || len(added) != 1 {
		t.Errorf("jobs changed %v, ground truth added %v", got, added)
	}
	// Deposit ground truth: new rows are account_added, rows whose account
	// number changed are account_changed; nothing else.
	want := map[string]string{}
	after := byKey(recs(t, s, EndpointDirectDeposit), "accountRecordId")
	for id, r := range after {
		old, ok := ddBefore[id]
		switch {
		case !ok:
			want[EndpointDirectDeposit+"|"+id] = AccountAdded
		case old["account"] != r["account"]:
			want[EndpointDirectDeposit+"|"+id] = AccountChanged
		}
	}
	for id := range byKey(recs(t, s, EndpointGlobalBanks), "bankId") {
		if _, ok := gbBefore[id]; !ok {
			want[EndpointGlobalBanks+"|"+id] = AccountAdded
		}
	}
	got := map[string]string{}
	for _, d := range gt.DirectDepositChanged {
		got[d.Endpoint+"|"+d.RowID] = d.Change
	}
	if len(got) != len(gt.DirectDepositChanged) || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("direct_deposit_changed = %v\nwant (from the served rows) %v", got, want)
	}
	changed := 0
	for _, c := range want {
		if c == AccountChanged {
			changed++
		}
	}
	if changed == 0 || len(want) == changed {
		t.Errorf("want both kinds of deposit change in 30 days at rate 0.2: %v", want)
	}
}

func byKey(rs []map[string]any, fields ...string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range rs {
		k := ""
		for i, f := range fields {
			if i > 0 {
				k += "/"
			}
			k += fmt.Sprint(r[f])
		}
		out[k] = r
	}
	return out
}

// diffKeys lists the keys added or changed from a to b, sorted.
func diffKeys(a, b map[string]map[string]any) []string {
	var out []string
	for k, rb := range b {
		if ra, ok := a[k]; !ok || fmt.Sprint(ra) != fmt.Sprint(rb) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
