package ukgsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// employeeID reads a record's employee id whatever the endpoint's casing.
func employeeID(rec map[string]any) string {
	for k, v := range rec {
		if strings.EqualFold(k, "employeeId") {
			return str(v)
		}
	}
	return ""
}

// TestAdvanceRemovalsAndCorrections: removed employees are gone from every
// route, deleted job-history rows are gone, corrected rows carry the new
// pay, and nothing else changes besides the lifecycle events.
func TestAdvanceRemovalsAndCorrections(t *testing.T) {
	s, srv := newTestSim(t, Config{Employees: 1500})
	lists := []string{EndpointDemographics, EndpointEmployment, EndpointEmploymentOld, EndpointPerson,
		EndpointCompensation, EndpointJobHistory, EndpointEmployeeChanges + "?startDate=2000-01-01"}
	before := index(t, pageAll(t, srv, "/personnel/v1/employee-employment-details", 1000), "companyID", "employeeID")
	histBefore := map[string]map[string]any{}
	for _, r := range pageAll(t, srv, "/personnel/v1/employee-job-history-details", 1000) {
		histBefore[str(r["systemId"])] = r
	}

	r := postJSON(t, srv, "/_sim/advance?days=30&removals=6&corrections=8", "")
	if r.status != http.StatusOK {
		t.Fatalf("advance: %d %s", r.status, r.body)
	}
	var gt GroundTruth
	if err := json.Unmarshal(r.body, &gt); err != nil {
		t.Fatal(err)
	}
	if len(gt.Removed) != 6 || len(gt.JobHistoryDeleted)+len(gt.JobHistoryCorrected) != 8 ||
		len(gt.JobHistoryDeleted) == 0 || len(gt.JobHistoryCorrected) == 0 {
		t.Fatalf("removed %d, job history deleted %d + corrected %d; want 6 and 8 (some of each)",
			len(gt.Removed), len(gt.JobHistoryDeleted), len(gt.JobHistoryCorrected))
	}
	changed := gt.Changed()
	removed := map[string]bool{}
	for _, e := range gt.Removed {
		k := e.CompanyID + "/" + e.EmployeeID
		if before[k] == nil || changed[[2]string{e.CompanyID, e.EmployeeID}] || e.Before != str(before[k]["employeeStatusCode"]) {
			t.Fatalf("removed %s: not an unchanged existing employee (%+v)", k, e)
		}
		if e.ChangedAt <= gt.From || e.ChangedAt >= gt.To || e.EffectiveDate != e.ChangedAt[:10] {
			t.Fatalf("removed %s at %s/%s, outside (%s, %s)", k, e.EffectiveDate, e.ChangedAt, gt.From, gt.To)
		}
		removed[e.EmployeeID] = true
	}

	// Gone from every list route and every per-employee route.
	for _, ep := range lists {
		for _, rec := range pageAll(t, srv, "/personnel/v1/"+ep, 1000) {
			if removed[employeeID(rec)] {
				t.Fatalf("%s still serves removed employee %s", ep, employeeID(rec))
			}
		}
	}
	for _, e := range gt.Removed {
		for _, path := range []string{"/personnel/v1/person-details/" + e.EmployeeID, "/personnel/v1/compensation-details/" + e.EmployeeID} {
			if r := get(t, srv, path); r.status != http.StatusNotFound {
				t.Fatalf("GET %s: %d, want 404", path, r.status)
			}
		}
		for _, path := range []string{
			fmt.Sprintf("/personnel/v1/companies/%s/employees/%s/employment-details", e.CompanyID, e.EmployeeID),
			"/personnel/v1/employee-job-history-details?employeeId=" + e.EmployeeID,
			"/personnel/v1/employee-changes/" + e.EmployeeID + "?startDate=2000-01-01",
		} {
			if recs := records(t, get(t, srv, path)); len(recs) != 0 {
				t.Fatalf("GET %s: %d records of a removed employee", path, len(recs))
			}
		}
	}

	// Employment records: the removed are gone, the lifecycle changes
	// differ, everything else is identical.
	after := index(t, pageAll(t, srv, "/personnel/v1/employee-employment-details", 1000), "companyID", "employeeID")
	for k, b := range before {
		a, ok := after[k]
		ids := [2]string{str(b["companyID"]), str(b["employeeID"])}
		switch {
		case removed[ids[1]] == ok:
			t.Fatalf("%s: present=%v, removed=%v", k, ok, removed[ids[1]])
		case ok && !reflect.DeepEqual(a, b) != changed[ids]:
			t.Fatalf("%s: record differs=%v, lifecycle change=%v", k, !reflect.DeepEqual(a, b), changed[ids])
		}
	}

	// Job history: the deleted rows and the removed employees' rows are
	// gone, corrected rows carry the new pay and keep dateTimeCreated, the
	// rest is identical; new rows belong to lifecycle changes.
	deleted, corrected := map[string]Event{}, map[string]Event{}
	for _, e := range gt.JobHistoryDeleted {
		deleted[e.SystemID] = e
	}
	for _, e := range gt.JobHistoryCorrected {
		corrected[e.SystemID] = e
		if e.Before == e.After {
			t.Fatalf("correction of %s changes nothing", e.SystemID)
		}
	}
	histAfter := map[string]map[string]any{}
	for _, r := range pageAll(t, srv, "/personnel/v1/employee-job-history-details", 1000) {
		histAfter[str(r["systemId"])] = r
	}
	for id, b := range histBefore {
		a, ok := histAfter[id]
		gone := removed[employeeID(b)]
		if e, del := deleted[id]; del {
			gone = true
			if e.EmployeeID != employeeID(b) || e.EffectiveDate != str(b["jobEffectiveDate"])[:10] || removed[e.EmployeeID] {
				t.Fatalf("deleted row %s: event %+v, row %v", id, e, b)
			}
		}
		if ok == gone {
			t.Fatalf("job-history row %s: present=%v, want %v", id, ok, !gone)
		}
		if !ok {
			continue
		}
		if e, cor := corrected[id]; cor {
			if money(int64(a["annualSalary"].(float64)*100+0.5)) != e.After || money(int64(b["annualSalary"].(float64)*100+0.5)) != e.Before ||
				a["dateTimeCreated"] != b["dateTimeCreated"] {
				t.Fatalf("corrected row %s: %v -> %v, event %s -> %s", id, b["annualSalary"], a["annualSalary"], e.Before, e.After)
			}
			continue
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("job-history row %s changed without an event", id)
		}
	}
	for id, a := range histAfter {
		if histBefore[id] == nil && !changed[[2]string{str(a["companyId"]), employeeID(a)}] {
			t.Fatalf("new job-history row %s of an employee without a lifecycle change", id)
		}
	}

	// A removed employee is never changed again.
	gt2, err := s.Advance(90)
	if err != nil {
		t.Fatal(err)
	}
	for k := range gt2.Changed() {
		if removed[k[1]] {
			t.Fatalf("removed employee %s changed by a later advance", k[1])
		}
	}

	// Bad parameters are a 400.
	if r := postJSON(t, srv, "/_sim/advance?days=1&removals=x", ""); r.status != http.StatusBadRequest {
		t.Fatalf("removals=x: %d", r.status)
	}
	if r := postJSON(t, srv, "/_sim/advance?days=1&corrections=-1", ""); r.status != http.StatusBadRequest {
		t.Fatalf("corrections=-1: %d", r.status)
	}
}

// Without removals or corrections an advance removes and edits nothing,
// and says so with empty lists (never null).
func TestAdvanceWithoutEditsListsNone(t *testing.T) {
	_, srv := newTestSim(t, Config{Employees: 800})
	r := postJSON(t, srv, "/_sim/advance?days=30", "")
	for _, want := range []string{`"removed":[]`, `"job_history_deleted":[]`, `"job_history_corrected":[]`} {
		if !strings.Contains(string(r.body), want) {
			t.Fatalf("advance answer lacks %s: %.300s", want, r.body)
		}
	}
}
