package schema

import (
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

func days(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func micros(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMicro()
}

// cell reads one converted value back from the Arrow column in a form a
// test can state independently: decimals as their exact string, dates as
// days since the epoch, timestamps as Unix microseconds.
func cell(col arrow.Array, i int) any {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Date32:
		return int64(a.Value(i))
	case *array.Timestamp:
		return int64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		r := new(big.Rat).SetFrac(a.Value(i).BigInt(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dt.Scale)), nil))
		return r.FloatString(int(dt.Scale))
	}
	return col.ValueStr(i)
}

// The table of tricky values: each converts to the stated value or fails
// with the field named, and the library agrees on accept/reject.
func TestTrickyValues(t *testing.T) {
	hugeString := strings.Repeat("Zoë 😀 ", 200_000) // ~2 MB
	type tc struct {
		topic, field string // JSON field set in an otherwise minimal record
		value        string // JSON text of the value
		column       string
		want         any    // converted value; nil = null
		errField     string // non-empty: must fail naming this field
		loc          string // tenant zone
		raw          string // the whole record, when set
	}
	emp := func(field, value, column string, want any) tc {
		return tc{topic: "employees", field: field, value: value, column: column, want: want}
	}
	bad := func(field, value string) tc {
		return tc{topic: "employees", field: field, value: value, errField: field}
	}
	cases := map[string]tc{
		"money number":                 emp("annualSalary", `43680.0`, "annual_salary", "43680.0000"),
		"money string":                 emp("annualSalary", `"43680.50"`, "annual_salary", "43680.5000"),
		"money negative":               emp("annualSalary", `-1250.5`, "annual_salary", "-1250.5000"),
		"money 4dp":                    emp("hourlyPayRate", `21.0625`, "hourly_pay_rate", "21.0625"),
		"money max":                    emp("annualSalary", `99999999999999.9999`, "annual_salary", "99999999999999.9999"),
		"money min":                    emp("annualSalary", `"-99999999999999.9999"`, "annual_salary", "-99999999999999.9999"),
		"money exponent":               emp("annualSalary", `4.368E4`, "annual_salary", "43680.0000"),
		"money small exponent":         emp("hourlyPayRate", `15e-4`, "hourly_pay_rate", "0.0015"),
		"money trailing zeros":         emp("hourlyPayRate", `21.000000000`, "hourly_pay_rate", "21.0000"),
		"money zero (inapplicable)":    emp("hourlyPayRate", `0.0`, "hourly_pay_rate", "0.0000"),
		"money negative zero":          emp("hourlyPayRate", `-0`, "hourly_pay_rate", "0.0000"),
		"money null":                   emp("annualSalary", `null`, "annual_salary", nil),
		"money blank":                  emp("annualSalary", `""`, "annual_salary", nil),
		"money 5dp":                    bad("hourlyPayRate", `21.00005`),
		"money 5dp string":             bad("hourlyPayRate", `"21.00005"`),
		"money 15 integer digits":      bad("annualSalary", `123456789012345`),
		"money too big string":         bad("annualSalary", `"123456789012345"`),
		"money huge exponent":          bad("annualSalary", `1e400`),
		"money absurd exponent":        bad("annualSalary", `1e99999999`),
		"money tiny":                   bad("annualSalary", `1e-99999999`),
		"money text":                   bad("annualSalary", `"abc"`),
		"money string exponent":        bad("annualSalary", `"1e3"`),
		"money string plus":            bad("annualSalary", `"+5"`),
		"money bool":                   bad("annualSalary", `true`),
		"money object":                 bad("annualSalary", `{"amount":1}`),
		"date midnight":                emp("originalHireDate", `"2019-04-01T00:00:00"`, "original_hire_date", days(2019, 4, 1)),
		"date plain":                   emp("originalHireDate", `"2019-04-01"`, "original_hire_date", days(2019, 4, 1)),
		"date sentinel 0001-01-01":     emp("terminationDate", `"0001-01-01T00:00:00"`, "termination_date", int64(-719162)),
		"date 9999-12-31":              emp("terminationDate", `"9999-12-31T00:00:00"`, "termination_date", days(9999, 12, 31)),
		"date leap day":                emp("originalHireDate", `"2020-02-29T00:00:00"`, "original_hire_date", days(2020, 2, 29)),
		"date before epoch":            emp("originalHireDate", `"1969-12-31"`, "original_hire_date", int64(-1)),
		"date null":                    emp("terminationDate", `null`, "termination_date", nil),
		"date blank":                   emp("terminationDate", `""`, "termination_date", nil),
		"date not leap":                bad("originalHireDate", `"2019-02-29T00:00:00"`),
		"date month 13":                bad("originalHireDate", `"2019-13-01"`),
		"date year 0":                  bad("originalHireDate", `"0000-01-01"`),
		"date with time":               bad("originalHireDate", `"2019-04-01T10:00:00"`),
		"date with zone":               bad("originalHireDate", `"2019-04-01T00:00:00Z"`),
		"date .NET style":              bad("originalHireDate", `"4/1/2019 12:00:00 AM"`),
		"date number":                  bad("originalHireDate", `20190401`),
		"timestamp 3 digits":           emp("dateTimeChanged", `"2024-02-16T14:03:11.517"`, "date_time_changed", micros("2024-02-16T14:03:11.517Z")),
		"timestamp 2 digits":           emp("dateTimeChanged", `"2023-03-29T08:24:30.16"`, "date_time_changed", micros("2023-03-29T08:24:30.16Z")),
		"timestamp no fraction":        emp("dateTimeChanged", `"2024-02-16T14:03:11"`, "date_time_changed", micros("2024-02-16T14:03:11Z")),
		"timestamp 6 digits":           emp("dateTimeChanged", `"2024-02-16T14:03:11.123456"`, "date_time_changed", micros("2024-02-16T14:03:11.123456Z")),
		"timestamp Z":                  emp("dateTimeChanged", `"2024-02-16T14:03:11Z"`, "date_time_changed", micros("2024-02-16T14:03:11Z")),
		"timestamp offset":             emp("dateTimeChanged", `"2024-02-16T14:03:11+02:00"`, "date_time_changed", micros("2024-02-16T12:03:11Z")),
		"timestamp blank":              emp("dateTimeChanged", `""`, "date_time_changed", nil),
		"timestamp 7 digits":           bad("dateTimeChanged", `"2024-02-16T14:03:11.1234567"`),
		"timestamp hour 24":            bad("dateTimeChanged", `"2024-02-16T24:00:00"`),
		"timestamp leap second":        bad("dateTimeChanged", `"2016-12-31T23:59:60"`),
		"timestamp date only":          bad("dateTimeChanged", `"2024-02-16"`),
		"timestamp space":              bad("dateTimeChanged", `"2024-02-16 14:03:11"`),
		"timestamp tenant zone":        {topic: "employees", field: "dateTimeChanged", value: `"2024-02-16T14:03:11.5"`, column: "date_time_changed", want: micros("2024-02-16T20:03:11.5Z"), loc: "America/Chicago"},
		"timestamp tenant zone, DST":   {topic: "employees", field: "dateTimeChanged", value: `"2024-07-16T14:03:11"`, column: "date_time_changed", want: micros("2024-07-16T19:03:11Z"), loc: "America/Chicago"},
		"timestamp explicit zone wins": {topic: "employees", field: "dateTimeChanged", value: `"2024-07-16T14:03:11Z"`, column: "date_time_changed", want: micros("2024-07-16T14:03:11Z"), loc: "America/Chicago"},
		"bool":                         emp("isSupervisor", `true`, "is_supervisor", true),
		"bool null":                    emp("isSupervisor", `null`, "is_supervisor", nil),
		"bool as Y":                    bad("isSupervisor", `"Y"`),
		"bool as 1":                    bad("isSupervisor", `1`),
		"Y/N stays string":             emp("okToRehire", `"Y"`, "ok_to_rehire", "Y"),
		"zero-padded number string":    emp("employeeNumber", `"000004711"`, "employee_number", "000004711"),
		"employee number as number":    bad("employeeNumber", `4711`),
		"empty string stays":           emp("jobTitle", `""`, "job_title", ""),
		"string null":                  emp("jobTitle", `null`, "job_title", nil),
		"non-ASCII":                    emp("jobTitle", `"Ingénieure — 日本語 😀"`, "job_title", "Ingénieure — 日本語 😀"),
		"escapes":                      emp("jobTitle", `"a\"b\\c\/d\u00e9\ud83d\ude00\n"`, "job_title", "a\"b\\c/dé😀\n"),
		"lone surrogate":               emp("jobTitle", `"x\ud800y"`, "job_title", "x\uFFFDy"),
		"huge string":                  emp("jobTitle", `"`+hugeString+`"`, "job_title", hugeString),
		"string as array":              bad("jobTitle", `["a"]`),
		"key missing":                  {topic: "employees", raw: `{"employeeID":"E","x":1}`, errField: "companyID"},
		"key empty":                    bad("companyID", `""`),
		"key null":                     bad("companyID", `null`),
		"int":                          {topic: "compensation", field: "numberOfPayments", value: `52`, column: "number_of_payments", want: int64(52)},
		"int as 52.0":                  {topic: "compensation", field: "numberOfPayments", value: `52.0`, column: "number_of_payments", want: int64(52)},
		"int max":                      {topic: "compensation", field: "numberOfPayments", value: `9223372036854775807`, column: "number_of_payments", want: int64(9223372036854775807)},
		"int min":                      {topic: "compensation", field: "numberOfPayments", value: `-9223372036854775808`, column: "number_of_payments", want: int64(-9223372036854775808)},
		"int fraction":                 {topic: "compensation", field: "numberOfPayments", value: `52.5`, errField: "numberOfPayments"},
		"int overflow":                 {topic: "compensation", field: "numberOfPayments", value: `9223372036854775808`, errField: "numberOfPayments"},
		"int string":                   {topic: "compensation", field: "numberOfPayments", value: `"52"`, errField: "numberOfPayments"},
		"double latitude":              {topic: "people", field: "addressLatitude", value: `39.961176`, column: "address_latitude", want: 39.961176},
		"double out of range":          {topic: "people", field: "addressLatitude", value: `90.0000000000000000001`, errField: "addressLatitude"},
		"alias accepted":               {topic: "people", field: "nameSuffixCode", value: `"III"`, column: "name_suffix_code", want: "III"},
		"unknown field kept in raw":    {topic: "employees", field: "brandNewUKGField", value: `{"nested":[1,2,{"a":null}]}`, column: "annual_salary", want: nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := topic(t, c.topic)
			k := s.KeyFields
			raw := `{"` + k.Company + `":"Q4T9Z","` + k.Employee + `":"B7QX2K0000A1",` + `"` + c.field + `":` + c.value + `}`
			if c.field == k.Company || c.field == k.Employee {
				other := k.Employee
				if c.field == k.Employee {
					other = k.Company
				}
				raw = `{"` + other + `":"X","` + c.field + `":` + c.value + `}`
			}
			if c.raw != "" {
				raw = c.raw
			}
			var opts []Option
			if c.loc != "" {
				loc, err := Config{TenantTimeZone: c.loc}.Location()
				if err != nil {
					t.Fatal(err)
				}
				opts = append(opts, WithLocation(loc))
			}
			b := NewBatch(s, nil, opts...)
			defer b.Release()
			fastErr := b.Append([]byte(raw), meta("Q4T9Z/B7QX2K0000A1"))
			libErr := s.Validate([]byte(raw))
			if (fastErr == nil) != (libErr == nil) {
				t.Fatalf("paths disagree: fast %v, library %v", fastErr, libErr)
			}
			if c.errField != "" {
				for _, err := range []error{fastErr, libErr} {
					var fe *FieldError
					if !errors.As(err, &fe) || fe.Field != c.errField {
						t.Errorf("error %v, want a FieldError naming %s", err, c.errField)
					}
				}
				if fe := (*FieldError)(nil); errors.As(fastErr, &fe) && fe.Key != "Q4T9Z/B7QX2K0000A1" {
					t.Errorf("fast error key %q, want the record key", fe.Key)
				}
				if b.Len() != 0 {
					t.Errorf("a failed record appended %d rows", b.Len())
				}
				return
			}
			if fastErr != nil {
				t.Fatal(fastErr)
			}
			rec := b.NewRecord()
			defer rec.Release()
			if got := cell(columnByName(t, rec, c.column), 0); got != c.want {
				t.Errorf("%s = %#v, want %#v", c.column, got, c.want)
			}
			if got := cell(columnByName(t, rec, "_raw"), 0); got != raw {
				t.Errorf("_raw is not the value as received")
			}
		})
	}
}
