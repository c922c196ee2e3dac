package events_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/events"
)

// A lifecycle message as the extractor publishes it, decoded.
func ExampleDecoder_Decode() {
	m := kafka.Message{
		Topic: "ukgpro.lifecycle", Partition: 2, Offset: 41,
		Key: []byte("Q4T9Z/B7QX2K0000A1"),
		Value: []byte(`{"event":"employee.terminated","companyId":"Q4T9Z","employeeId":"B7QX2K0000A1",
			"key":"Q4T9Z/B7QX2K0000A1","effectiveDate":"2026-03-31",
			"changes":[{"field":"employeeStatusCode","before":"A","after":"T"}],
			"sources":["8d1f0c2a9b7e4f3a1c5d6e7f8a9b0c1d"],"detectedAt":"2026-04-01T06:00:00Z","runId":"20260401T060000Z-1a2b3c4d"}`),
		Headers: []kafka.Header{
			{Key: "ce_specversion", Value: []byte("1.0")},
			{Key: "ce_id", Value: []byte("5e0c9a7d3b1f4e2a8c6d0b9a7f5e3c1d")},
			{Key: "ce_type", Value: []byte("com.ukgpro.lifecycle.employee.terminated")},
			{Key: "ce_source", Value: []byte("ukgpro://service4.ultipro.com/employee-employment-details")},
			{Key: "ce_subject", Value: []byte("Q4T9Z/B7QX2K0000A1")},
			{Key: "ce_time", Value: []byte("2026-04-01T06:00:01.5Z")},
			{Key: "ukg_schema", Value: []byte("lifecycle/v1.0")},
		},
	}
	ev, err := events.NewDecoder("ukgpro.").Decode(m)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ev.Type, ev.ID)
	fmt.Println(ev.CompanyID, ev.EmployeeID, ev.SchemaVersion)
	if lc := ev.Lifecycle(); lc != nil && lc.Event == events.EventTerminated {
		fmt.Println("revoke access from", lc.EffectiveDate, "changes:", lc.Changes[0].Field, string(lc.Changes[0].Before), "->", string(lc.Changes[0].After))
	}
	// Output:
	// com.ukgpro.lifecycle.employee.terminated 5e0c9a7d3b1f4e2a8c6d0b9a7f5e3c1d
	// Q4T9Z B7QX2K0000A1 1.0
	// revoke access from 2026-03-31 changes: employeeStatusCode "A" -> "T"
}

// An employment record: typed fields, decimals exact, dates parsed on
// demand.
func ExampleEmployee() {
	m := kafka.Message{
		Topic: "ukgpro.employees", Key: []byte("Q4T9Z/B7QX2K0000A1"),
		Value: []byte(`{"companyID":"Q4T9Z","employeeID":"B7QX2K0000A1","employeeStatusCode":"A",
			"jobTitle":"Payroll Analyst","annualSalary":"61250.0000","lastHireDate":"2021-04-12T00:00:00","isSupervisor":false}`),
		Headers: []kafka.Header{{Key: "ukg_schema", Value: []byte("employees/v1.0")}},
	}
	ev, err := events.NewDecoder("ukgpro.").Decode(m)
	if err != nil {
		log.Fatal(err)
	}
	emp := ev.Data.(*events.Employee)
	salary, _, _ := emp.AnnualSalary.Rat()
	hired, _, _ := emp.LastHireDate.Time()
	fmt.Println(*emp.JobTitle, salary.FloatString(2), hired.Format(time.DateOnly), *emp.IsSupervisor, emp.TerminationDate == "")
	// Output: Payroll Analyst 61250.00 2021-04-12 false true
}

// A message of a major schema version the consumer does not know is
// rejected, not guessed at.
func ExampleSchemaError() {
	m := kafka.Message{Topic: "ukgpro.employees", Partition: 0, Offset: 7, Value: []byte(`{}`),
		Headers: []kafka.Header{{Key: "ukg_schema", Value: []byte("employees/v2.0")}}}
	_, err := events.NewDecoder("ukgpro.").Decode(m)
	fmt.Println(errors.Is(err, events.ErrUnknownSchema))
	fmt.Println(err)
	// Output:
	// true
	// ukgpro.employees/0@7: schema "employees/v2.0": this consumer decodes major version 1 only; upgrade it to read this message
}

// A consumer group on the lifecycle topic with kafka-go: each message is
// decoded, acted on once, and committed only after acting succeeded, in
// partition order (which keeps each employee's events in order).
func Example_consumerGroup() {
	ctx := context.Background()
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: []string{"localhost:9092"}, GroupID: "hr-provisioning", Topic: "ukgpro.lifecycle",
		StartOffset: kafka.FirstOffset, CommitInterval: 0, // commit explicitly, after acting
	})
	defer r.Close()
	dec := events.NewDecoder("ukgpro.")
	seen := events.NewDeduper(events.DedupConfig{Size: 100_000, TTL: 24 * time.Hour})
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return
		}
		ev, err := dec.Decode(m)
		if err != nil {
			log.Fatalf("cannot read %s/%d@%d: %v", m.Topic, m.Partition, m.Offset, err) // stop: never skip silently
		}
		if !seen.Seen(ev.ID) {
			switch lc := ev.Lifecycle(); lc.Event {
			case events.EventHired, events.EventRehired:
				fmt.Println("provision", lc.Key) // idempotency key: ev.ID
			case events.EventTerminated, events.EventRemoved:
				fmt.Println("deprovision", lc.Key)
			}
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second) // a commit always has a deadline
		err = r.CommitMessages(cctx, m)
		cancel()
		if err != nil {
			return
		}
	}
}
