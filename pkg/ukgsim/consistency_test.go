package ukgsim

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// index maps "<company>/<employee>" to its record.
func index(t *testing.T, recs []map[string]any, co, emp string) map[string]map[string]any {
	t.Helper()
	m := make(map[string]map[string]any, len(recs))
	for _, r := range recs {
		k := key(r, co, emp)
		if _, dup := m[k]; dup {
			t.Fatalf("two records for %s", k)
		}
		m[k] = r
	}
	return m
}

// TestConsistency: employment's job, org, pay and status equal the latest
// job-history row and the compensation record, for every employee.
func TestConsistency(t *testing.T) {
	s, srv := newTestSim(t, Config{Employees: 3000})
	if _, err := s.Advance(30); err != nil {
		t.Fatal(err)
	}
	emp := index(t, pageAll(t, srv, "/personnel/v1/employee-employment-details", 1000), "companyID", "employeeID")
	comp := index(t, pageAll(t, srv, "/personnel/v1/compensation-details", 1000), "companyID", "employeeID")
	person := index(t, pageAll(t, srv, "/personnel/v1/person-details", 1000), "companyId", "employeeId")
	hist := map[string][]map[string]any{}
	for _, r := range pageAll(t, srv, "/personnel/v1/employee-job-history-details", 1000) {
		k := key(r, "companyId", "employeeId")
		hist[k] = append(hist[k], r)
	}
	if len(comp) != len(emp) || len(person) != len(emp) || len(hist) != len(emp) {
		t.Fatalf("%d employment, %d compensation, %d person, %d job-history keys", len(emp), len(comp), len(person), len(hist))
	}
	seen := map[string]map[string]bool{"status": {}, "payPeriod": {}, "termType": {}}
	nonASCII, multi, ids := 0, 0, map[string]int{}
	for k, e := range emp {
		h := hist[k]
		if len(h) < 1 || len(h) > 11 { // 1-10 initially, +1 per advance
			t.Fatalf("%s: %d job-history rows", k, len(h))
		}
		last := h[len(h)-1]
		c := comp[k]
		for _, pair := range [][3]string{
			{"primaryJobCode", "jobCode", "primaryJobCode"},
			{"orgLevel1Code", "orgLevel1Code", ""},
			{"orgLevel2Code", "orgLevel2Code", ""},
			{"orgLevel3Code", "orgLevel3Code", ""},
			{"orgLevel4Code", "orgLevel4Code", ""},
			{"employeeStatusCode", "employeeStatus", "emplStatus"},
			{"annualSalary", "annualSalary", "annualSalary"},
			{"hourlyPayRate", "hourlyPayRate", "hourlyPayRate"},
			{"salaryOrHourly", "salaryOrHourly", "salaryOrHourlyCode"},
			{"fullTimeOrPartTimeCode", "fullTimeOrPartTime", "fullTimeOrPartTimeCode"},
			{"primaryWorkLocationCode", "locationCode", ""},
			{"supervisorID", "supervisorId", ""},
			{"jobChangeReasonCode", "reasonCode", "jobChangeReasonCode"},
			{"scheduledAnnualHours", "scheduledAnnualHours", "scheduledAnnualWorkHours"},
		} {
			if e[pair[0]] != last[pair[1]] {
				t.Fatalf("%s: employment %s=%v, latest job history %s=%v", k, pair[0], e[pair[0]], pair[1], last[pair[1]])
			}
			if pair[2] != "" && e[pair[0]] != c[pair[2]] {
				t.Fatalf("%s: employment %s=%v, compensation %s=%v", k, pair[0], e[pair[0]], pair[2], c[pair[2]])
			}
		}
		if e["dateTimeChanged"] != last["dateTimeCreated"] {
			t.Fatalf("%s: dateTimeChanged %v, latest row created %v", k, e["dateTimeChanged"], last["dateTimeCreated"])
		}
		if e["originalHireDate"] != h[0]["jobEffectiveDate"] || h[0]["reasonCode"] != "100" {
			t.Fatalf("%s: first row %v/%v, hired %v", k, h[0]["reasonCode"], h[0]["jobEffectiveDate"], e["originalHireDate"])
		}
		for i := 1; i < len(h); i++ {
			if str(h[i]["jobEffectiveDate"]) < str(h[i-1]["jobEffectiveDate"]) {
				t.Fatalf("%s: job history out of date order", k)
			}
			flagged := h[i]["isJobChange"] == true || h[i]["isOrgchange"] == true || h[i]["isRateChange"] == true
			statusRow := h[i]["employeeStatus"] != h[i-1]["employeeStatus"]
			if flagged == statusRow {
				t.Fatalf("%s row %d: a row is either a flagged job/org/rate change or a status change (flags %v, status %v->%v)",
					k, i, flagged, h[i-1]["employeeStatus"], h[i]["employeeStatus"])
			}
			if h[i]["isRateChange"] == true && (h[i]["annualSalary"] == h[i-1]["annualSalary"] || h[i]["percentChange"] == 0.0) {
				t.Fatalf("%s row %d: rate change without a new salary", k, i)
			}
			if h[i]["isRateChange"] == false && h[i]["annualSalary"] != h[i-1]["annualSalary"] {
				t.Fatalf("%s row %d: salary moved without isRateChange", k, i)
			}
		}
		// Money rules.
		annual, rate, hours := e["annualSalary"].(float64), e["hourlyPayRate"].(float64), e["scheduledAnnualHours"].(float64)
		if e["salaryOrHourly"] == "H" && math.Abs(math.Round(rate*hours*100)/100-annual) > 0.005 {
			t.Fatalf("%s: hourly %v x %v h != annual %v", k, rate, hours, annual)
		}
		if math.Abs(annual*100-math.Round(annual*100)) > 1e-6 || math.Abs(rate*1e4-math.Round(rate*1e4)) > 1e-6 {
			t.Fatalf("%s: too many decimals in %v / %v", k, annual, rate)
		}
		st := str(e["employeeStatusCode"])
		seen["status"][st] = true
		seen["payPeriod"][str(e["payPeriod"])] = true
		if st == "T" {
			seen["termType"][str(e["termType"])] = true
			if e["terminationDate"] == nil {
				t.Fatalf("%s: terminated without terminationDate", k)
			}
		} else if e["terminationDate"] != nil {
			t.Fatalf("%s: status %s with terminationDate", k, st)
		}
		p := person[k]
		for _, f := range []string{"firstName", "lastName", "middleName"} {
			if n := str(p[f]); n != "" && !isASCII(n) {
				nonASCII++
			}
		}
		if !strings.HasPrefix(str(p["ssn"]), "9") {
			t.Fatalf("%s: SSN outside the synthetic 9xx range", k)
		}
		if strings.ContainsRune(str(p["lastName"]), '\'') {
			seen["status"]["apostrophe"] = true
		}
		ids[str(e["employeeID"])]++
	}
	for _, n := range ids {
		if n > 1 {
			multi++
		}
	}
	for what, want := range map[string][]string{
		"status":    {"A", "L", "T", "O", "R", "S", "apostrophe"},
		"payPeriod": {"W", "B", "S", "M"},
		"termType":  {"V", "I"},
	} {
		for _, w := range want {
			if !seen[what][w] {
				t.Errorf("no %s %q in %d employees", what, w, len(emp))
			}
		}
	}
	if nonASCII == 0 || multi == 0 {
		t.Errorf("%d non-ASCII names, %d people in two companies", nonASCII, multi)
	}
}

func isASCII(s string) bool { return utf8.RuneCountInString(s) == len(s) }
