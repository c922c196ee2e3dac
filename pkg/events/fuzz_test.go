package events_test

import (
	"encoding/json"
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/events"
)

// FuzzDecode feeds arbitrary topics, keys, values and headers to the
// decoder. Invariants: it never panics; it returns an event or an error,
// never both or neither; a decoded event with a value keeps the value
// byte for byte; a typed record re-marshals to valid JSON.
func FuzzDecode(f *testing.F) {
	f.Add("ukgpro.lifecycle", "C/E", []byte(`{"event":"employee.hired","changes":[{"field":"x","before":null,"after":"A"}],"detectedAt":"2026-01-01T00:00:00Z"}`), "ukg_schema", "lifecycle/v1.0")
	f.Add("ukgpro.employees", "C/E", []byte(`{"companyID":"C","annualSalary":"1.5","lastHireDate":"2020-01-01T00:00:00"}`), "ce_time", "2026-01-01T00:00:00Z")
	f.Add("ukgpro.job-history", "C/E", []byte(nil), "ukg_record_id", "S1")
	f.Add("ukgpro.people", "C/E", []byte(`{"healthWeight":1e400}`), "ukg_schema", "people/v1.0")
	f.Add("ukgpro.relay-dlq", "x", []byte(`{}`), "relay_status", "503")
	f.Add("ukgpro.compensation", "", []byte(`{"annualSalary":-0}`), "ukg_schema", "compensation/v")
	dec := events.NewDecoder("ukgpro.")
	f.Fuzz(func(t *testing.T, topic, key string, value []byte, hk, hv string) {
		m := kafka.Message{Topic: topic, Key: []byte(key), Value: value, Headers: []kafka.Header{{Key: hk, Value: []byte(hv)}}}
		e, err := dec.Decode(m)
		if (e == nil) == (err == nil) {
			t.Fatalf("event %v and error %v", e, err)
		}
		if err != nil {
			return
		}
		if value != nil && string(e.Value) != string(value) {
			t.Fatalf("value changed: %q -> %q", value, e.Value)
		}
		if e.Data != nil && !e.Deleted {
			b, err := json.Marshal(e.Data)
			if err != nil || !json.Valid(b) {
				t.Fatalf("typed %T does not re-marshal: %v", e.Data, err)
			}
		}
	})
}
