package schema

import (
	"encoding/json"
	"strconv"
	"time"
)

// Lifecycle event types (the lifecycle schema's event enum).
const (
	EventHired               = "employee.hired"
	EventTerminated          = "employee.terminated"
	EventRehired             = "employee.rehired"
	EventJobChanged          = "employee.job_changed"
	EventCompensationChanged = "employee.compensation_changed"
	EventStatusChanged       = "employee.status_changed"
	// EventRemoved (lifecycle v1.1): the employee was purged from UKG (its
	// records vanished on a full pass, not a termination). Changes is empty;
	// Sources names the topics its records vanished from.
	EventRemoved = "employee.removed"
	// EventDirectDepositChanged (lifecycle v1.2): a deposit or global-bank account added or
	// changed (docs/decisions/0101-bank-data-and-multi-row-topics.md).
	EventDirectDepositChanged = "employee.direct_deposit_changed"
)

// LifecycleEvent is the value of a lifecycle topic message
// (schemas/lifecycle): the extractor marshals it with encoding/json,
// consumers unmarshal it. TestLifecycleEventMatchesSchema holds it to the
// schema field by field.
type LifecycleEvent struct {
	Event         string    `json:"event"`
	CompanyID     string    `json:"companyId"`
	EmployeeID    string    `json:"employeeId"`
	Key           string    `json:"key"`           // <companyId>/<employeeId>
	EffectiveDate string    `json:"effectiveDate"` // YYYY-MM-DD
	Changes       []Change  `json:"changes"`       // never nil when marshalled: use []Change{}
	Sources       []string  `json:"sources"`       // ce_id of the source records
	DetectedAt    time.Time `json:"detectedAt"`    // marshalled as RFC 3339; keep it UTC, microseconds at most
	RunID         string    `json:"runId"`
}

// MarshalJSON writes DetectedAt in UTC with at most microseconds (the
// schema's timestamp form) and nil Changes/Sources as empty arrays.
func (e LifecycleEvent) MarshalJSON() ([]byte, error) {
	type plain LifecycleEvent
	out := struct {
		plain
		DetectedAt string `json:"detectedAt"`
	}{plain(e), e.DetectedAt.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.999999Z07:00")}
	if out.Changes == nil {
		out.Changes = []Change{}
	}
	if out.Sources == nil {
		out.Sources = []string{}
	}
	return json.Marshal(out)
}

// Change is one changed field of a lifecycle event. Before and After are JSON
// scalars or null (json.RawMessage("null") on a hire's before).
type Change struct {
	Field  string          `json:"field"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// DLQ header names (the x-header of each dlq schema property).
const (
	HeaderDLQReason          = "dlq_reason"
	HeaderDLQStage           = "dlq_stage"
	HeaderDLQError           = "dlq_error"
	HeaderDLQField           = "dlq_field"
	HeaderDLQOriginTopic     = "dlq_origin_topic"
	HeaderDLQOriginPartition = "dlq_origin_partition"
	HeaderDLQOriginOffset    = "dlq_origin_offset"
	HeaderDLQOriginSchema    = "dlq_origin_schema"
)

// DeadLetter describes why a message went to the dlq topic. The dead letter
// is the original value under the original key with these headers added
// (besides the original ce_* headers); see schemas/dlq.
// TestDeadLetterMatchesSchema holds it to the schema.
type DeadLetter struct {
	Reason          string `json:"reason"` // invalid_json, schema_validation, conversion, pii_policy, too_large, unknown_topic, unknown_schema
	Stage           string `json:"stage"`  // extractor or loader
	Error           string `json:"error,omitempty"`
	Field           string `json:"field,omitempty"`
	OriginTopic     string `json:"originTopic"`
	OriginPartition *int32 `json:"originPartition,omitempty"` // nil when the record was never produced
	OriginOffset    *int64 `json:"originOffset,omitempty"`
	OriginSchema    string `json:"originSchema,omitempty"` // e.g. employees/v1.0
}

// Headers renders the dead letter as Kafka headers; empty fields are left
// out.
func (d DeadLetter) Headers() []Header {
	var hs []Header
	add := func(k, v string) {
		if v != "" {
			hs = append(hs, Header{Key: k, Value: []byte(v)})
		}
	}
	add(HeaderDLQReason, d.Reason)
	add(HeaderDLQStage, d.Stage)
	add(HeaderDLQError, d.Error)
	add(HeaderDLQField, d.Field)
	add(HeaderDLQOriginTopic, d.OriginTopic)
	if d.OriginPartition != nil {
		add(HeaderDLQOriginPartition, strconv.FormatInt(int64(*d.OriginPartition), 10))
	}
	if d.OriginOffset != nil {
		add(HeaderDLQOriginOffset, strconv.FormatInt(*d.OriginOffset, 10))
	}
	add(HeaderDLQOriginSchema, d.OriginSchema)
	return hs
}

// DeadLetterFor fills a DeadLetter from a validation or conversion error:
// the field of the first *FieldError, and its message (which never holds a
// value).
func DeadLetterFor(err error, reason, stage string) DeadLetter {
	d := DeadLetter{Reason: reason, Stage: stage, Error: err.Error()}
	if fe := asFieldError(err); fe != nil {
		d.Field = fe.Field
	}
	return d
}

func asFieldError(err error) *FieldError {
	switch e := err.(type) {
	case *FieldError:
		return e
	case interface{ Unwrap() []error }:
		for _, x := range e.Unwrap() {
			if fe := asFieldError(x); fe != nil {
				return fe
			}
		}
	case interface{ Unwrap() error }:
		return asFieldError(e.Unwrap())
	}
	return nil
}
