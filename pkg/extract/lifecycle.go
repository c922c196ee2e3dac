package extract

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strings"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// Lifecycle events are derived from the employment record (E2, topic
// employees) alone: it carries status, hire, termination, job, org and pay
// with their effective dates, so one record diff yields every event kind
// without joining endpoints. See docs/lifecycle.md for the rules.

// The employment fields the state keeps per employee, in this order.
var lifecycleFields = []string{
	"employeeStatusCode",      // 0
	"originalHireDate",        // 1
	"lastHireDate",            // 2
	"terminationDate",         // 3
	"employeeStatusStartDate", // 4
	"primaryJobCode",          // 5
	"jobTitle",                // 6
	"orgLevel1Code",           // 7
	"orgLevel2Code",           // 8
	"orgLevel3Code",           // 9
	"orgLevel4Code",           // 10
	"dateInJob",               // 11
	"annualSalary",            // 12
	"hourlyPayRate",           // 13
	"salaryEffectiveDate",     // 14
}

const (
	lfStatus = iota
	lfOrigHire
	lfLastHire
	lfTerm
	lfStatusStart
	lfJob
	lfTitle
	lfOrg1
	lfOrg2
	lfOrg3
	lfOrg4
	lfDateInJob
	lfAnnual
	lfHourly
	lfSalaryEff
)

// derived is an event found by diffing, before it gets ids and a time.
type derived struct {
	event     string
	effective string // YYYY-MM-DD, or "" when the record has no date for it
	changes   []schema.Change
}

// snapshot extracts the lifecycle fields of an employment record as compact
// JSON values ("null" when absent).
func snapshot(raw []byte) ([]string, error) { return snapshotOf(raw, lifecycleFields) }

// snapshotOf extracts fields of a record as compact JSON values ("null"
// when absent).
func snapshotOf(raw []byte, fields []string) ([]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	out := make([]string, len(fields))
	for i, f := range fields {
		v, ok := m[f]
		if !ok {
			out[i] = "null"
			continue
		}
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			return nil, err
		}
		out[i] = b.String()
	}
	return out, nil
}

// str returns a snapshot value as a Go string ("" for null or non-strings).
func str(v string) string {
	var s string
	if json.Unmarshal([]byte(v), &s) != nil {
		return ""
	}
	return s
}

// day returns the YYYY-MM-DD part of a UKG date value, or "".
func day(v string) string {
	s := str(v)
	if len(s) >= 10 {
		return s[:10]
	}
	return ""
}

// sameNumber compares two JSON numbers by value (58240.0 equals 58240).
func sameNumber(a, b string) bool {
	if a == b {
		return true
	}
	ra, okA := new(big.Rat).SetString(strings.Trim(a, `"`))
	rb, okB := new(big.Rat).SetString(strings.Trim(b, `"`))
	if !okA || !okB {
		return false
	}
	return ra.Cmp(rb) == 0
}

func change(field string, before, after []string, i int) schema.Change {
	b, a := "null", after[i]
	if before != nil {
		b = before[i]
	}
	return schema.Change{Field: field, Before: json.RawMessage(b), After: json.RawMessage(a)}
}

func changes(before, after []string, idx ...int) []schema.Change {
	out := make([]schema.Change, 0, len(idx))
	for _, i := range idx {
		out = append(out, change(lifecycleFields[i], before, after, i))
	}
	return out
}

const terminated = "T"

// diffEmployment derives the lifecycle events between an employee's previous
// employment snapshot (nil: never seen) and the new one.
//
//   - hired: a (company, employee) never seen before; also terminated when
//     it arrives already terminated.
//   - terminated: status becomes T.
//   - rehired: status leaves T (the employee is back).
//   - status_changed: status changes between two non-T codes (A↔L, O, S, R).
//   - job_changed: primaryJobCode or an orgLevel code changes.
//   - compensation_changed: annualSalary or hourlyPayRate changes in value.
func diffEmployment(before, after []string) []derived {
	var out []derived
	if before == nil {
		out = append(out, derived{schema.EventHired, firstDay(after[lfLastHire], after[lfOrigHire]),
			changes(nil, after, lfStatus, lfOrigHire, lfLastHire, lfJob, lfOrg1)})
		if str(after[lfStatus]) == terminated {
			out = append(out, derived{schema.EventTerminated, day(after[lfTerm]), changes(nil, after, lfStatus, lfTerm)})
		}
		return out
	}
	bs, as := str(before[lfStatus]), str(after[lfStatus])
	switch {
	case bs != terminated && as == terminated:
		out = append(out, derived{schema.EventTerminated, day(after[lfTerm]), changes(before, after, lfStatus, lfTerm)})
	case bs == terminated && as != terminated:
		out = append(out, derived{schema.EventRehired, firstDay(after[lfLastHire], after[lfStatusStart]),
			changes(before, after, lfStatus, lfLastHire, lfTerm)})
	case bs != as:
		out = append(out, derived{schema.EventStatusChanged, day(after[lfStatusStart]), changes(before, after, lfStatus, lfStatusStart)})
	}
	var job []int
	for _, i := range []int{lfJob, lfOrg1, lfOrg2, lfOrg3, lfOrg4} {
		if before[i] != after[i] {
			job = append(job, i)
		}
	}
	if len(job) > 0 {
		if before[lfTitle] != after[lfTitle] {
			job = append(job, lfTitle)
		}
		out = append(out, derived{schema.EventJobChanged, day(after[lfDateInJob]), changes(before, after, job...)})
	}
	var pay []int
	for _, i := range []int{lfAnnual, lfHourly} {
		if !sameNumber(before[i], after[i]) {
			pay = append(pay, i)
		}
	}
	if len(pay) > 0 {
		out = append(out, derived{schema.EventCompensationChanged, day(after[lfSalaryEff]), changes(before, after, pay...)})
	}
	return out
}

func firstDay(vs ...string) string {
	for _, v := range vs {
		if d := day(v); d != "" {
			return d
		}
	}
	return ""
}
