package ukgsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"
)

// TestAdvanceGroundTruth: the ground truth of an advance is exactly what an
// extractor diffing the API before and after would find.
func TestAdvanceGroundTruth(t *testing.T) {
	s, srv := newTestSim(t, Config{Employees: 1500})
	for round, days := range []int{30, 7, 90} {
		before := index(t, pageAll(t, srv, "/personnel/v1/employee-employment-details", 1000), "companyID", "employeeID")
		personBefore := index(t, pageAll(t, srv, "/personnel/v1/person-details", 1000), "companyId", "employeeId")
		histBefore := map[string]bool{}
		for _, r := range pageAll(t, srv, "/personnel/v1/employee-job-history-details", 1000) {
			histBefore[str(r["systemId"])] = true
		}
		clockBefore := s.Now()

		// Advance over HTTP the first time, from Go afterwards.
		var gt GroundTruth
		if round == 0 {
			r := postJSON(t, srv, "/_sim/advance?days="+itoa(days), "")
			if r.status != 200 {
				t.Fatalf("advance: %d %s", r.status, r.body)
			}
			if err := json.Unmarshal(r.body, &gt); err != nil {
				t.Fatal(err)
			}
		} else {
			var err error
			if gt, err = s.Advance(days); err != nil {
				t.Fatal(err)
			}
		}
		if got := s.Now().Sub(clockBefore); got != time.Duration(days)*24*time.Hour {
			t.Fatalf("clock moved %s, want %d days", got, days)
		}
		if len(gt.Hired) == 0 || len(gt.Terminated) == 0 || len(gt.JobChanged) == 0 || len(gt.CompensationChanged) == 0 || len(gt.StatusChanged) == 0 {
			t.Fatalf("round %d: some event kinds are missing: %d hired, %d terminated, %d job, %d comp, %d status",
				round, len(gt.Hired), len(gt.Terminated), len(gt.JobChanged), len(gt.CompensationChanged), len(gt.StatusChanged))
		}
		after := index(t, pageAll(t, srv, "/personnel/v1/employee-employment-details", 1000), "companyID", "employeeID")
		personAfter := index(t, pageAll(t, srv, "/personnel/v1/person-details", 1000), "companyId", "employeeId")
		var newRows []map[string]any
		for _, r := range pageAll(t, srv, "/personnel/v1/employee-job-history-details", 1000) {
			if !histBefore[str(r["systemId"])] {
				newRows = append(newRows, r)
			}
		}
		day := func(e Event) string { return e.EffectiveDate + "T00:00:00" }
		inWindow := func(e Event) {
			t.Helper()
			at, err := time.Parse("2006-01-02T15:04:05.999", e.ChangedAt)
			if err != nil || !at.After(clockBefore) || !at.Before(s.Now()) {
				t.Fatalf("%s/%s changed at %s, outside (%s, %s)", e.CompanyID, e.EmployeeID, e.ChangedAt, clockBefore, s.Now())
			}
			if after[e.CompanyID+"/"+e.EmployeeID]["dateTimeChanged"] != e.ChangedAt {
				t.Fatalf("%s/%s: dateTimeChanged is not the event time %s", e.CompanyID, e.EmployeeID, e.ChangedAt)
			}
		}
		for _, e := range gt.Hired {
			k := e.CompanyID + "/" + e.EmployeeID
			a := after[k]
			if before[k] != nil || a == nil || a["employeeStatusCode"] != "A" || a["originalHireDate"] != day(e) || a["lastHireDate"] != day(e) {
				t.Fatalf("hired %s: before %v, after %v", k, before[k] != nil, a)
			}
			inWindow(e)
		}
		for _, e := range gt.Terminated {
			k := e.CompanyID + "/" + e.EmployeeID
			a, b := after[k], before[k]
			if b["employeeStatusCode"] == "T" || a["employeeStatusCode"] != "T" || a["terminationDate"] != day(e) || a["termType"] == nil {
				t.Fatalf("terminated %s: before %v after %v, termination %v", k, b["employeeStatusCode"], a["employeeStatusCode"], a["terminationDate"])
			}
			if personAfter[k]["datetimeChanged"] == personBefore[k]["datetimeChanged"] {
				t.Fatalf("terminated %s: person-details datetimeChanged did not move", k)
			}
			inWindow(e)
		}
		for _, e := range gt.Rehired {
			k := e.CompanyID + "/" + e.EmployeeID
			a, b := after[k], before[k]
			if b["employeeStatusCode"] != "T" || a["employeeStatusCode"] != "A" || a["lastHireDate"] != day(e) || a["terminationDate"] != nil || a["originalHireDate"] != b["originalHireDate"] {
				t.Fatalf("rehired %s: before %v after %v", k, b, a)
			}
			inWindow(e)
		}
		for _, e := range gt.JobChanged {
			k := e.CompanyID + "/" + e.EmployeeID
			a, b := after[k], before[k]
			changed := false
			for _, f := range []string{"primaryJobCode", "orgLevel1Code", "orgLevel2Code", "orgLevel3Code", "orgLevel4Code"} {
				changed = changed || a[f] != b[f]
			}
			if !changed || a["employeeStatusCode"] != b["employeeStatusCode"] {
				t.Fatalf("job_changed %s: nothing changed", k)
			}
			inWindow(e)
		}
		for _, e := range gt.CompensationChanged {
			k := e.CompanyID + "/" + e.EmployeeID
			a, b := after[k], before[k]
			if a["annualSalary"] == b["annualSalary"] || money(int64(a["annualSalary"].(float64)*100+0.5)) != e.After {
				t.Fatalf("compensation_changed %s: %v -> %v (event %s -> %s)", k, b["annualSalary"], a["annualSalary"], e.Before, e.After)
			}
			inWindow(e)
		}
		for _, e := range gt.StatusChanged {
			k := e.CompanyID + "/" + e.EmployeeID
			a, b := after[k], before[k]
			if b["employeeStatusCode"] != e.Before || a["employeeStatusCode"] != e.After || e.Before == "T" || e.After == "T" || e.Before == e.After {
				t.Fatalf("status_changed %s: %v -> %v, event %s -> %s", k, b["employeeStatusCode"], a["employeeStatusCode"], e.Before, e.After)
			}
			inWindow(e)
		}

		// Exactness: the employment records that differ are exactly the changed ones.
		changed := gt.Changed()
		for k, a := range after {
			ids := [2]string{str(a["companyID"]), str(a["employeeID"])}
			if differs := !reflect.DeepEqual(before[k], a); differs != changed[ids] {
				t.Fatalf("%s: record differs=%v, in ground truth=%v", k, differs, changed[ids])
			}
		}
		if len(after) != len(before)+len(gt.Hired) {
			t.Fatalf("%d employments after, %d before + %d hired", len(after), len(before), len(gt.Hired))
		}

		// One new job-history row per change; a promotion with a raise is one row in two arrays.
		jobRows, rateRows, both := 0, 0, 0
		for _, r := range newRows {
			j := r["isJobChange"] == true || r["isOrgchange"] == true
			if j {
				jobRows++
			}
			if r["isRateChange"] == true {
				rateRows++
			}
			if j && r["isRateChange"] == true {
				both++
			}
		}
		if jobRows != len(gt.JobChanged) || rateRows != len(gt.CompensationChanged) {
			t.Fatalf("new job/org rows %d vs job_changed %d; new rate rows %d vs compensation_changed %d",
				jobRows, len(gt.JobChanged), rateRows, len(gt.CompensationChanged))
		}
		events := len(gt.Hired) + len(gt.Terminated) + len(gt.Rehired) + len(gt.StatusChanged) + len(gt.JobChanged) + len(gt.CompensationChanged) - both
		if len(newRows) != events {
			t.Fatalf("%d new job-history rows, %d events", len(newRows), events)
		}

		// employee-changes for the window returns exactly the changed employees,
		// and incremental reads by dateTimeChanged find them too.
		win := "?startDate=" + url.QueryEscape(gt.From) + "&endDate=" + url.QueryEscape(gt.To)
		got := map[[2]string]bool{}
		for _, r := range pageAll(t, srv, "/personnel/v1/employee-changes"+win, 100) {
			got[[2]string{str(r["companyId"]), str(r["employeeId"])}] = true
		}
		if !reflect.DeepEqual(got, changed) {
			t.Fatalf("employee-changes returned %d employees, ground truth has %d", len(got), len(changed))
		}
		since := pageAll(t, srv, "/personnel/v1/employee-employment-details?dateTimeChanged="+url.QueryEscape(">"+clockBefore.Format("01-02-2006")), 1000)
		found := 0
		for _, r := range since {
			if changed[[2]string{str(r["companyID"]), str(r["employeeID"])}] {
				found++
			}
		}
		if found != len(changed) {
			t.Fatalf("dateTimeChanged filter finds %d of %d changed employees", found, len(changed))
		}
	}
}

func TestAdvanceRejectsBadDays(t *testing.T) {
	s, srv := newTestSim(t, Config{Employees: 20})
	for _, d := range []int{0, -1, maxAdvanceDays + 1} {
		if _, err := s.Advance(d); err == nil {
			t.Errorf("Advance(%d) succeeded", d)
		}
	}
	if r := postJSON(t, srv, "/_sim/advance?days=x", ""); r.status != http.StatusBadRequest {
		t.Errorf("days=x: %d", r.status)
	}
}

func TestClockAndDateHeader(t *testing.T) {
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return wall }
	for _, tc := range []struct {
		clock string
		want  string
	}{
		{"frozen", "Mon, 09 Jun 2025 00:00:00 GMT"},
		{"wall", "Mon, 09 Jun 2025 05:00:00 GMT"},
	} {
		t.Run(tc.clock, func(t *testing.T) {
			wall = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			s, err := New(Config{Employees: 20, Start: "2025-06-02", Clock: tc.clock}, WithWallClock(now))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Advance(7); err != nil {
				t.Fatal(err)
			}
			wall = wall.Add(5 * time.Hour)
			req, _ := http.NewRequest(http.MethodGet, "/personnel/v1/person-details?per_Page=1", nil)
			req.SetBasicAuth("svc-demo", "demo-password")
			req.Header.Set("US-Customer-Api-Key", "DEMO-KEY")
			rec := newRecorder()
			s.ServeHTTP(rec, req)
			if got := rec.Header().Get("Date"); got != tc.want {
				t.Fatalf("Date %q, want %q", got, tc.want)
			}
		})
	}
}

func TestChangesWindowRules(t *testing.T) {
	for _, tc := range []struct {
		strict bool
		query  string
		status int
	}{
		{false, "?startDate=2025-05-01&endDate=2025-06-01", 200},
		{false, "?start_date=2025-05-01T00:00:00&end_date=2025-06-01T12:00:00", 200},
		{false, "?STARTDATE=2025-05-01", 200},
		{false, "?startDate=yesterday", 400},
		{false, "?startDate=2025-06-01&endDate=2025-05-01", 400},
		{true, "?startDate=2025-05-01&endDate=2025-06-01T20:00:00", 200},
		{true, "?startDate=2025-05-01&endDate=2025-06-01T22:00:00", 400},
		{true, "?startDate=2025-05-01", 400},
	} {
		t.Run(tc.query, func(t *testing.T) {
			_, srv := newTestSim(t, Config{Employees: 50, ChangesWindow: tc.strict})
			if r := get(t, srv, "/personnel/v1/employee-changes"+tc.query); r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
		})
	}
}
