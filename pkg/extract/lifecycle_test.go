package extract

import (
	"encoding/json"
	"strings"
	"testing"
)

// emp builds an employment record with the lifecycle fields given as
// field=value pairs over a baseline active employee.
func emp(t *testing.T, kv ...string) []string {
	t.Helper()
	m := map[string]any{
		"companyID": "Q4T9Z", "employeeID": "B7QX2K0000A1", "employeeStatusCode": "A",
		"originalHireDate": "2019-01-07T00:00:00", "lastHireDate": "2019-01-07T00:00:00", "terminationDate": nil,
		"employeeStatusStartDate": "2019-01-07T00:00:00", "primaryJobCode": "WHSASSOC", "jobTitle": "Associate",
		"orgLevel1Code": "OPS", "orgLevel2Code": "DC1", "orgLevel3Code": nil, "orgLevel4Code": nil,
		"dateInJob": "2019-01-07T00:00:00", "annualSalary": 43680.0, "hourlyPayRate": 21.0,
		"salaryEffectiveDate": "2019-01-07T00:00:00",
	}
	for i := 0; i < len(kv); i += 2 {
		var v any
		if err := json.Unmarshal([]byte(kv[i+1]), &v); err != nil {
			t.Fatalf("value %s: %v", kv[i+1], err)
		}
		m[kv[i]] = v
	}
	raw, _ := json.Marshal(m)
	s, err := snapshot(raw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDiffEmployment(t *testing.T) {
	base := emp(t)
	tests := []struct {
		name   string
		before []string
		after  []string
		want   []string // "event@effective"
	}{
		{"new employee is hired", nil, base, []string{"employee.hired@2019-01-07"}},
		{"new and already terminated", nil, emp(t, "employeeStatusCode", `"T"`, "terminationDate", `"2024-05-31T00:00:00"`),
			[]string{"employee.hired@2019-01-07", "employee.terminated@2024-05-31"}},
		{"unchanged lifecycle fields", base, base, nil},
		{"terminated", base, emp(t, "employeeStatusCode", `"T"`, "terminationDate", `"2024-05-31T00:00:00"`),
			[]string{"employee.terminated@2024-05-31"}},
		{"rehired", emp(t, "employeeStatusCode", `"T"`, "terminationDate", `"2024-05-31T00:00:00"`),
			emp(t, "lastHireDate", `"2025-02-03T00:00:00"`), []string{"employee.rehired@2025-02-03"}},
		{"leave", base, emp(t, "employeeStatusCode", `"L"`, "employeeStatusStartDate", `"2025-03-01T00:00:00"`),
			[]string{"employee.status_changed@2025-03-01"}},
		{"return from leave", emp(t, "employeeStatusCode", `"L"`), emp(t, "employeeStatusStartDate", `"2025-04-01T00:00:00"`),
			[]string{"employee.status_changed@2025-04-01"}},
		{"transfer", base, emp(t, "orgLevel2Code", `"DC2"`, "dateInJob", `"2025-06-01T00:00:00"`),
			[]string{"employee.job_changed@2025-06-01"}},
		{"promotion with raise", base, emp(t, "primaryJobCode", `"WHSLEAD"`, "dateInJob", `"2025-06-01T00:00:00"`,
			"hourlyPayRate", "23.5", "annualSalary", "48880.0", "salaryEffectiveDate", `"2025-06-01T00:00:00"`),
			[]string{"employee.job_changed@2025-06-01", "employee.compensation_changed@2025-06-01"}},
		{"same pay written differently is no change", base, emp(t, "annualSalary", "43680", "hourlyPayRate", "21.00"), nil},
		{"raise", base, emp(t, "hourlyPayRate", "21.5", "annualSalary", "44720.0", "salaryEffectiveDate", `"2025-07-01T00:00:00"`),
			[]string{"employee.compensation_changed@2025-07-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range diffEmployment(tt.before, tt.after) {
				got = append(got, d.event+"@"+d.effective)
				if len(d.changes) == 0 {
					t.Errorf("%s carries no changes", d.event)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("events %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRecordHashIgnoresOrderAndSpacingOnly(t *testing.T) {
	a := `{"b":1,"a":"x","c":null}`
	same := []string{`{"a":"x","b":1,"c":null}`, "{ \"c\" : null ,\n \"b\":1, \"a\":\"x\"}"}
	different := []string{`{"a":"x","b":1.0,"c":null}`, `{"a":"x","b":1}`, `{"a":"y","b":1,"c":null}`, `{"a":"x","b":1,"c":""}`}
	ha, err := HashRecord([]byte(a))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range same {
		if h, _ := HashRecord([]byte(s)); h != ha {
			t.Errorf("%s hashes differently from %s", s, a)
		}
	}
	for _, s := range different {
		if h, _ := HashRecord([]byte(s)); h == ha {
			t.Errorf("%s hashes like %s", s, a)
		}
	}
	if _, err := HashRecord([]byte(`[1,2]`)); err == nil {
		t.Error("a JSON array must not hash as a record")
	}
	if p, err := ParseRecordHash(ha.String()); err != nil || p != ha {
		t.Errorf("hash does not round-trip through its hex form")
	}
}
