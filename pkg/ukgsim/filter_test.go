package ukgsim

import (
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// mmddyyyy formats t as the filter syntax wants.
func mmddyyyy(t time.Time) string { return t.Format("01-02-2006") }

func parseStamp(t *testing.T, v any) time.Time {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("timestamp %v is not a string", v)
	}
	tm, err := time.Parse("2006-01-02T15:04:05.999", s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestDateOperatorFilters(t *testing.T) {
	s, srv := newTestSim(t, Config{Employees: 600})
	if _, err := s.Advance(20); err != nil {
		t.Fatal(err)
	}
	for _, ep := range []struct{ name, filter, field, co, emp string }{
		{EndpointEmployment, "dateTimeChanged", "dateTimeChanged", "companyID", "employeeID"},
		{EndpointEmploymentOld, "dateTimeChanged", "dateTimeChanged", "companyID", "employeeID"},
		{EndpointPerson, "dateTimeChanged", "datetimeChanged", "companyId", "employeeId"},
		{EndpointEmployment, "dateTimeCreated", "dateTimeCreated", "companyID", "employeeID"},
		{EndpointEmployment, "originalHireDate", "originalHireDate", "companyID", "employeeID"},
		{EndpointJobHistory, "jobEffectiveDate", "jobEffectiveDate", "companyId", "systemId"},
		{EndpointJobHistory, "dateTimeCreated", "dateTimeCreated", "companyId", "systemId"},
	} {
		all := pageAll(t, srv, "/personnel/v1/"+ep.name, 1000)
		var times []time.Time
		for _, r := range all {
			times = append(times, parseStamp(t, r[ep.field]))
		}
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		d := times[len(times)*3/4].Truncate(24 * time.Hour) // a day with data on both sides
		d2 := d.AddDate(0, 0, 10)
		for _, op := range []struct {
			value string
			match func(tm time.Time) bool
		}{
			{">" + mmddyyyy(d), func(tm time.Time) bool { return tm.After(d) }},
			{"<" + mmddyyyy(d), func(tm time.Time) bool { return tm.Before(d) }},
			{"=" + mmddyyyy(d), func(tm time.Time) bool { return !tm.Before(d) && tm.Before(d.AddDate(0, 0, 1)) }},
			{"{" + mmddyyyy(d) + "," + mmddyyyy(d2) + "}", func(tm time.Time) bool { return !tm.Before(d) && tm.Before(d2.AddDate(0, 0, 1)) }},
		} {
			t.Run(ep.name+"/"+ep.filter+op.value, func(t *testing.T) {
				want := map[string]bool{}
				for _, r := range all {
					if op.match(parseStamp(t, r[ep.field])) {
						want[key(r, ep.co, ep.emp)] = true
					}
				}
				got := pageAll(t, srv, "/personnel/v1/"+ep.name+"?"+ep.filter+"="+url.QueryEscape(op.value), 1000)
				if len(got) != len(want) {
					t.Fatalf("%d records, want %d", len(got), len(want))
				}
				for _, r := range got {
					if !want[key(r, ep.co, ep.emp)] {
						t.Fatalf("record %s does not satisfy %s", key(r, ep.co, ep.emp), op.value)
					}
				}
				if strings.HasPrefix(op.value, ">") && len(got) == 0 || strings.HasPrefix(op.value, "<") && len(got) == len(all) {
					t.Fatalf("filter %s selects nothing useful (%d of %d)", op.value, len(got), len(all))
				}
			})
		}
	}
}

func TestCodeAndFlagFilters(t *testing.T) {
	_, srv := newTestSim(t, Config{Employees: 500, MultiCompany: 0.05})
	all := pageAll(t, srv, "/personnel/v1/employee-employment-details", 1000)
	count := func(pred func(r map[string]any) bool) int {
		n := 0
		for _, r := range all {
			if pred(r) {
				n++
			}
		}
		return n
	}
	co := str(all[len(all)-1]["companyID"])
	for _, tc := range []struct {
		query string
		pred  func(r map[string]any) bool
	}{
		{"employeeStatusCode=A", func(r map[string]any) bool { return r["employeeStatusCode"] == "A" }},
		{"EMPLOYEESTATUSCODE=t", func(r map[string]any) bool { return r["employeeStatusCode"] == "T" }},
		{"employeeStatusCode=" + url.QueryEscape("L,T"), func(r map[string]any) bool { return r["employeeStatusCode"] == "L" || r["employeeStatusCode"] == "T" }},
		{"companyID=" + co, func(r map[string]any) bool { return r["companyID"] == co }},
		{"companyid=" + co + ",NOPE1", func(r map[string]any) bool { return r["companyID"] == co }},
		{"isHomeCompany=Y", func(r map[string]any) bool { return r["isHomeCompany"] == true }},
		{"isHomeCompany=N", func(r map[string]any) bool { return r["isHomeCompany"] == false }},
		{"payGroup=WKLY", func(r map[string]any) bool { return r["payGroupCode"] == "WKLY" }},
		{"fullTimeOrPartTimeCode=P&employeeStatusCode=A", func(r map[string]any) bool {
			return r["fullTimeOrPartTimeCode"] == "P" && r["employeeStatusCode"] == "A"
		}},
		{"unknownParameter=1", func(r map[string]any) bool { return true }},
	} {
		t.Run(tc.query, func(t *testing.T) {
			want := count(tc.pred)
			got := pageAll(t, srv, "/personnel/v1/employee-employment-details?"+tc.query, 1000)
			if len(got) != want {
				t.Fatalf("%d records, want %d", len(got), want)
			}
			for _, r := range got {
				if !tc.pred(r) {
					t.Fatalf("record %s does not match", key(r, "companyID", "employeeID"))
				}
			}
			if want == 0 || want == len(all) && tc.query != "unknownParameter=1" {
				t.Fatalf("filter %s is not selective (%d of %d): weak test data", tc.query, want, len(all))
			}
		})
	}
	// Names are matched case-insensitively on values too (SQL Server collation).
	name := str(all[0]["employeeID"])
	if got := pageAll(t, srv, "/personnel/v1/person-details?EmployeeID="+strings.ToLower(name), 100); len(got) == 0 {
		t.Fatal("lower-case employee id matched nothing")
	}
	// The job-history filter is isOrgChange; the response key is isOrgchange.
	for _, r := range pageAll(t, srv, "/personnel/v1/employee-job-history-details?isOrgChange=Y", 1000) {
		if r["isOrgchange"] != true {
			t.Fatalf("isOrgChange=Y returned %v", r["isOrgchange"])
		}
	}
}
