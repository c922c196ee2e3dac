package events_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/events"
)

func hdrs(kv ...string) []kafka.Header {
	var out []kafka.Header
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, kafka.Header{Key: kv[i], Value: []byte(kv[i+1])})
	}
	return out
}

func TestDecode(t *testing.T) {
	dec := events.NewDecoder("ukgpro.")
	tests := []struct {
		name  string
		m     kafka.Message
		err   string // substring; "" = decodes
		check func(t *testing.T, e *events.Event)
	}{
		{name: "tombstone", m: kafka.Message{Topic: "ukgpro.employees", Key: []byte("C1/E1"),
			Headers: hdrs("ce_type", "com.ukgpro.employees.deleted", "ce_id", "x1")},
			check: func(t *testing.T, e *events.Event) {
				if !e.Deleted || e.Data != nil || e.Value != nil || e.CompanyID != "C1" || e.EmployeeID != "E1" || e.ID != "x1" {
					t.Errorf("tombstone decoded as %+v", e)
				}
			}},
		{name: "job-history row deletion", m: kafka.Message{Topic: "ukgpro.job-history", Key: []byte("C1/E1"),
			Headers: hdrs("ce_type", "com.ukgpro.job-history.deleted", "ukg_record_id", "SYS9")},
			check: func(t *testing.T, e *events.Event) {
				if !e.Deleted || e.RecordID != "SYS9" {
					t.Errorf("row deletion decoded as %+v", e)
				}
			}},
		{name: "minor version ahead is fine", m: kafka.Message{Topic: "ukgpro.compensation", Key: []byte("C1/E1"),
			Value:   []byte(`{"companyID":"C1","employeeID":"E1","annualSalary":52000.5,"newField":1}`),
			Headers: hdrs("ukg_schema", "compensation/v1.9")},
			check: func(t *testing.T, e *events.Event) {
				c := e.Data.(*events.Compensation)
				if c.AnnualSalary != "52000.5" || e.SchemaVersion.Minor != 9 {
					t.Errorf("got %+v", e)
				}
			}},
		{name: "unknown major", m: kafka.Message{Topic: "ukgpro.people", Value: []byte(`{}`), Headers: hdrs("ukg_schema", "people/v2.0")},
			err: "decodes major version 1 only"},
		{name: "bad schema header", m: kafka.Message{Topic: "ukgpro.people", Value: []byte(`{}`), Headers: hdrs("ukg_schema", "people")},
			err: "is not <name>/v<major>.<minor>"},
		{name: "bad ce_time", m: kafka.Message{Topic: "ukgpro.people", Value: []byte(`{}`), Headers: hdrs("ce_time", "yesterday")},
			err: "ce_time"},
		{name: "other spec version", m: kafka.Message{Topic: "ukgpro.people", Value: []byte(`{}`), Headers: hdrs("ce_specversion", "0.3")},
			err: "CloudEvents 1.0"},
		{name: "value not an object", m: kafka.Message{Topic: "ukgpro.employees", Value: []byte(`[1]`)}, err: "not a JSON object"},
		{name: "trailing data", m: kafka.Message{Topic: "ukgpro.employees", Value: []byte(`{} {}`)}, err: "data after"},
		{name: "wrong field type", m: kafka.Message{Topic: "ukgpro.employees", Value: []byte(`{"isSupervisor":"yes"}`)}, err: "does not fit"},
		{name: "decimal that is no number", m: kafka.Message{Topic: "ukgpro.employees", Value: []byte(`{"annualSalary":"12x"}`)}, err: "not a number"},
		{name: "unknown topic decodes raw", m: kafka.Message{Topic: "ukgpro.widgets", Key: []byte("k"), Value: []byte(`{"a":1}`),
			Headers: hdrs("ukg_schema", "widgets/v3.0")},
			check: func(t *testing.T, e *events.Event) {
				if e.Kind != "widgets" || e.Data != nil || string(e.Value) != `{"a":1}` {
					t.Errorf("got %+v", e)
				}
			}},
		{name: "relay dead letter", m: kafka.Message{Topic: "ukgpro.relay-dlq", Key: []byte("C1/E1"), Value: []byte(`{"event":"employee.hired"}`),
			Headers: hdrs("ce_id", "abc", "dlq_reason", "http_status", "relay_status", "400", "relay_route", "okta",
				"relay_response", "bad request", "relay_attempts", "1", "dlq_origin_offset", "12", "dlq_origin_partition", "3")},
			check: func(t *testing.T, e *events.Event) {
				dl := e.Data.(*events.DeadLetter)
				if dl.HTTPStatus != 400 || dl.Route != "okta" || dl.Reason != "http_status" || *dl.OriginOffset != 12 || *dl.OriginPartition != 3 || e.ID != "abc" {
					t.Errorf("got %+v", dl)
				}
			}},
		{name: "dead letter with a bad number", m: kafka.Message{Topic: "ukgpro.dlq", Headers: hdrs("dlq_origin_offset", "x")}, err: "not a number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := dec.Decode(tc.m)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("decode: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			case tc.err != "":
				return
			}
			tc.check(t, e)
		})
	}
	_, err := dec.Decode(kafka.Message{Topic: "ukgpro.lifecycle", Value: []byte(`{}`), Headers: hdrs("ukg_schema", "lifecycle/v7.1")})
	var se *events.SchemaError
	if !errors.As(err, &se) || !errors.Is(err, events.ErrUnknownSchema) || se.Known != 1 {
		t.Fatalf("lifecycle v7: %v", err)
	}
}

func TestValues(t *testing.T) {
	for _, tc := range []struct {
		d  events.Date
		ok bool
		s  string
	}{{"2024-02-29", true, "2024-02-29"}, {"2024-02-29T00:00:00", true, "2024-02-29"}, {"", false, ""}} {
		tm, ok, err := tc.d.Time()
		if err != nil || ok != tc.ok || ok && tm.Format("2006-01-02") != tc.s {
			t.Errorf("Date(%q).Time() = %v %v %v", tc.d, tm, ok, err)
		}
	}
	if _, _, err := events.Date("2024-13-01").Time(); err == nil {
		t.Error("month 13 parsed")
	}
	tm, ok, err := events.Timestamp("2026-03-01T09:30:00.25").Time(nil)
	if err != nil || !ok || tm.UTC().Format("15:04:05.00") != "09:30:00.25" {
		t.Errorf("timestamp: %v %v %v", tm, ok, err)
	}
	r, ok, err := events.Decimal("-0.0001").Rat()
	if err != nil || !ok || r.FloatString(4) != "-0.0001" {
		t.Errorf("decimal: %v %v %v", r, ok, err)
	}
}
