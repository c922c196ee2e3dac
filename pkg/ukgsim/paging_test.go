package ukgsim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestPagingToTheEnd(t *testing.T) {
	for _, mode := range []string{"empty", "404"} {
		_, srvMode := newTestSim(t, Config{Employees: 230, PastEnd: mode})
		for _, tc := range []struct {
			endpoint string
			perPage  int
		}{
			{EndpointEmployment, 100},
			{EndpointEmployment, 7},
			{EndpointPerson, 50},
			{EndpointJobHistory, 100},
			{EndpointCompensation, 1000},
			{EndpointDemographics, 64},
			{EndpointEmploymentOld, 99},
		} {
			t.Run(mode+"/"+tc.endpoint+"/"+itoa(tc.perPage), func(t *testing.T) {
				s := srvMode.Config.Handler.(*Sim)
				all := pageAll(t, srvMode, "/personnel/v1/"+tc.endpoint, tc.perPage)
				if want := s.Rows(tc.endpoint); len(all) != want {
					t.Fatalf("paged %d records, Rows says %d", len(all), want)
				}
				seen := map[string]bool{}
				for _, r := range all {
					b, _ := json.Marshal(r)
					if seen[string(b)] {
						t.Fatalf("record served twice: %.200s", b)
					}
					seen[string(b)] = true
				}
				// The page after the last one.
				past := len(all)/tc.perPage + 2
				r := get(t, srvMode, "/personnel/v1/"+tc.endpoint+"?page="+itoa(past)+"&per_Page="+itoa(tc.perPage))
				switch mode {
				case "empty":
					if r.status != http.StatusOK || string(r.body) != "[]" {
						t.Fatalf("past the end: got %d %q, want 200 []", r.status, r.body)
					}
				case "404":
					if r.status != http.StatusNotFound {
						t.Fatalf("past the end: got %d %q, want 404", r.status, r.body)
					}
				}
			})
		}
	}
}

func TestPagingOrderIsStable(t *testing.T) {
	_, srv := newTestSim(t, Config{Employees: 200})
	for _, ep := range []struct{ name, co, emp, row string }{
		{EndpointEmployment, "companyID", "employeeID", ""},
		{EndpointPerson, "companyId", "employeeId", ""},
		{EndpointJobHistory, "companyId", "employeeId", "jobEffectiveDate"},
	} {
		all := pageAll(t, srv, "/personnel/v1/"+ep.name, 33)
		for i := 1; i < len(all); i++ {
			a, b := key(all[i-1], ep.co, ep.emp), key(all[i], ep.co, ep.emp)
			if a > b || a == b && ep.row == "" || a == b && str(all[i-1][ep.row]) > str(all[i][ep.row]) {
				t.Fatalf("%s: record %d (%s) sorts after record %d (%s)", ep.name, i-1, a, i, b)
			}
		}
	}
}

func TestPerPage(t *testing.T) {
	s, srv := newTestSim(t, Config{Employees: 200, MaxPerPage: 50})
	for _, tc := range []struct {
		name   string
		query  string
		status int
		rows   int
	}{
		{"default is the max", "", 200, 50},
		{"larger clamped silently", "?per_Page=500", 200, 50},
		{"lower-case name", "?per_page=10", 200, 10},
		{"upper-case name", "?PER_PAGE=11&PAGE=2", 200, 11},
		{"exactly the max", "?per_Page=50", 200, 50},
		{"huge page number", "?page=99999999999&per_Page=50", 200, 0},
		{"zero", "?per_Page=0", 400, 0},
		{"negative", "?per_Page=-5", 400, 0},
		{"not a number", "?per_Page=ten", 400, 0},
		{"page zero", "?page=0", 400, 0},
		{"page not a number", "?page=x", 400, 0},
		{"bad date filter", "?dateTimeChanged=%3E2024-13-45", 400, 0},
		{"bad flag filter", "?isHomeCompany=maybe", 400, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, srv, "/personnel/v1/employee-employment-details"+tc.query)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status == 400 {
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
					t.Fatalf("Content-Type %q, want application/problem+json", ct)
				}
				var p map[string]any
				if err := json.Unmarshal(r.body, &p); err != nil {
					t.Fatal(err)
				}
				if p["title"] == nil || p["status"] != float64(400) || p["detail"] == nil {
					t.Fatalf("problem body %s lacks title/status/detail", r.body)
				}
				return
			}
			if got := len(records(t, r)); got != tc.rows {
				t.Fatalf("%d rows, want %d", got, tc.rows)
			}
		})
	}
	if s.Rows(EndpointEmployment) < 100 {
		t.Fatal("workforce too small for the test")
	}
}

func TestRoutes(t *testing.T) {
	s, srv := newTestSim(t, Config{Employees: 300, MultiCompany: 0.1})
	// A person with two company rows.
	var multi map[string]any
	counts := map[string]int{}
	all := pageAll(t, srv, "/personnel/v1/employee-employment-details", 1000)
	for _, r := range all {
		counts[str(r["employeeID"])]++
	}
	for _, r := range all {
		if counts[str(r["employeeID"])] == 2 && r["isHomeCompany"] == false {
			multi = r
			break
		}
	}
	if multi == nil {
		t.Fatal("no employee with two company rows")
	}
	emp, co := str(multi["employeeID"]), str(multi["companyID"])
	jh := records(t, get(t, srv, "/personnel/v1/employee-job-history-details?employeeId="+emp))
	sys := str(jh[0]["systemId"])
	for _, tc := range []struct {
		path   string
		status int
		object bool
		rows   int // for arrays; -1 = any
	}{
		{"/personnel/v1/person-details/" + emp, 200, true, 0},
		{"/personnel/v1/person-details/" + strings.ToLower(emp), 200, true, 0},
		{"/personnel/v1/compensation-details/" + emp, 200, true, 0},
		{"/personnel/v1/employee-job-history-details/" + sys, 200, true, 0},
		{"/personnel/v1/companies/" + co + "/employees/" + emp + "/person-details", 200, false, 1},
		{"/personnel/v1/companies/" + co + "/employees/" + emp + "/compensation-details", 200, false, 1},
		{"/personnel/v1/companies/" + co + "/employees/" + emp + "/employment-details", 200, false, 1},
		{"/personnel/v1/employment-details?employeeId=" + emp, 200, false, 2},
		{"/PERSONNEL/V1/Person-Details?EMPLOYEEID=" + emp, 200, false, 2},
		{"/personnel/v1/companies/" + co + "/person-details", 200, false, s.countCompany(co)},
		{"/personnel/v1/companies/" + co + "/compensation-details", 200, false, s.countCompany(co)},
		{"/personnel/v1/companies/" + co + "/employment-details", 200, false, s.countCompany(co)},
		{"/personnel/v1/employee-changes/" + emp, 200, false, 2},
		{"/personnel/v1/person-details/NOSUCHPERSON", 404, false, 0},
		{"/personnel/v1/employee-job-history-details/ZZZZ00000000", 404, false, 0},
		{"/personnel/v1/companies/ZZZZZ/person-details", 200, false, 0},
		{"/personnel/v1/no-such-endpoint", 404, false, 0},
		{"/personnel/v1/employee-changes", 400, false, 0}, // startDate is required
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := get(t, srv, tc.path)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %.200s", r.status, tc.status, r.body)
			}
			if tc.status != 200 {
				return
			}
			if tc.object {
				var obj map[string]any
				if err := json.Unmarshal(r.body, &obj); err != nil {
					t.Fatalf("want one object: %v", err)
				}
				if got := str(obj["employeeId"]) + str(obj["employeeID"]); !strings.EqualFold(got, emp) {
					t.Fatalf("object for %s, want %s", got, emp)
				}
				return
			}
			if got := len(records(t, r)); got != tc.rows {
				t.Fatalf("%d rows, want %d", got, tc.rows)
			}
		})
	}
}

// countCompany counts the employments of one company (test helper).
func (s *Sim) countCompany(id string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	co := s.companyIndex(id)
	return s.coStart[co+1] - s.coStart[co]
}
