package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// LifecycleEvent is the value of a lifecycle message (schemas/lifecycle);
// the extractor marshals the same type.
type LifecycleEvent = schema.LifecycleEvent

// Change is one changed field of a lifecycle event.
type Change = schema.Change

// Lifecycle event names (the lifecycle schema's event enum; ce_type is
// "com.ukgpro.lifecycle." + the name).
const (
	EventHired               = schema.EventHired
	EventTerminated          = schema.EventTerminated
	EventRehired             = schema.EventRehired
	EventJobChanged          = schema.EventJobChanged
	EventCompensationChanged = schema.EventCompensationChanged
	EventStatusChanged       = schema.EventStatusChanged
	// EventRemoved: the employee vanished from the tenant (a confirmed full
	// pass no longer finds it); deprovision.
	EventRemoved = schema.EventRemoved
	// EventDirectDepositChanged: a new, changed or re-split bank account (a
	// payroll-fraud signal).
	EventDirectDepositChanged = schema.EventDirectDepositChanged
)

// Attributes are a message's CloudEvents attributes (Kafka binding, binary
// mode: ce_* headers) and the ukg_* extension headers.
type Attributes struct {
	ID          string    // ce_id: the same record content from the same source has the same id; de-duplicate on it
	Source      string    // ce_source: ukgpro://<tenant-host>/<endpoint>
	Type        string    // ce_type, e.g. com.ukgpro.lifecycle.employee.hired, com.ukgpro.employees.snapshot
	Subject     string    // ce_subject: the message key, <companyId>/<employeeId>
	Time        time.Time // ce_time: when the extractor published it (zero when absent)
	SpecVersion string    // ce_specversion: 1.0
	ContentType string    // content-type: application/json
	RecordHash  string    // ukg_record_hash: hash of the canonical record
	Schema      string    // ukg_schema: name and version, e.g. employees/v1.0
	RunID       string    // ukg_run_id: the extraction run that published it
	RecordID    string    // ukg_record_id: the row identity of a deletion (job history: systemId)
}

// Event is one decoded message of any ukgpro topic.
type Event struct {
	Attributes
	// Topic is the full topic name and Kind the name without the prefix
	// ("employees", "lifecycle", "dlq", ...).
	Topic, Kind string
	Partition   int
	Offset      int64
	// Key is the Kafka key; CompanyID and EmployeeID are split from it on
	// the topics keyed per employee (the configuration topics are keyed by
	// their code).
	Key                   string
	CompanyID, EmployeeID string
	// Deleted is set for a message with a null value: a tombstone of a
	// compacted topic, or a deleted job-history row (RecordID names it).
	Deleted bool
	// SchemaVersion is parsed from Schema (zero when the header is absent).
	SchemaVersion schema.Version
	// Value is the message value as published (nil when Deleted).
	Value json.RawMessage
	// Data is the typed value: *LifecycleEvent on the lifecycle topic;
	// *Employee, *Person, *JobHistory, *Compensation (and the other
	// generated record types) on record topics; *DeadLetter on dlq and
	// relay-dlq. nil when Deleted, and on a topic this package does not
	// know (Value still holds it).
	Data any
}

// Lifecycle returns the lifecycle event, or nil on another topic.
func (e *Event) Lifecycle() *LifecycleEvent { ev, _ := e.Data.(*LifecycleEvent); return ev }

// DeadLetter is a message of the dlq or relay-dlq topic: the original key,
// value and ce_* headers, with why it could not be processed.
type DeadLetter struct {
	schema.DeadLetter
	// HTTPStatus, Route, Response and Attempts are set by the relay
	// (relay-dlq): the receiver's status (0: none, e.g. retries ran out on
	// timeouts), the route's name, the start of the response body, the
	// number of calls made.
	HTTPStatus int
	Route      string
	Response   string
	Attempts   int
}

// Relay dead-letter headers (besides schema's dlq_* headers).
const (
	HeaderRelayStatus   = "relay_status"
	HeaderRelayRoute    = "relay_route"
	HeaderRelayResponse = "relay_response"
	HeaderRelayAttempts = "relay_attempts"
)

// ErrUnknownSchema is matched (errors.Is) by the *SchemaError a message of
// an unknown major schema version produces.
var ErrUnknownSchema = errors.New("unknown schema version")

// SchemaError reports a message whose ukg_schema names a major version this
// build does not know: its fields may have changed meaning, so it is not
// decoded. Upgrade the consumer (or dead-letter the message).
type SchemaError struct {
	Topic     string
	Partition int
	Offset    int64
	Schema    string // the header's value
	Known     int    // the major version this build decodes
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("%s/%d@%d: schema %q: this consumer decodes major version %d only; upgrade it to read this message",
		e.Topic, e.Partition, e.Offset, e.Schema, e.Known)
}

// Is makes errors.Is(err, ErrUnknownSchema) true.
func (e *SchemaError) Is(target error) bool { return target == ErrUnknownSchema }

// Decoder decodes the messages of the topics under one prefix. The zero
// value is not usable; build it with NewDecoder. It is safe for concurrent
// use.
type Decoder struct {
	prefix string
}

// NewDecoder returns a decoder for topics named prefix+kind (KAFKA_TOPIC_PREFIX,
// "ukgpro." by default).
func NewDecoder(prefix string) *Decoder { return &Decoder{prefix: prefix} }

// Decode decodes one kafka-go message. It fails on a message of an unknown
// major schema version (*SchemaError), on malformed CloudEvents headers and
// on a value that does not fit its topic's type; a message of a topic it
// does not know decodes with Data nil.
func (d *Decoder) Decode(m kafka.Message) (*Event, error) {
	e := &Event{Topic: m.Topic, Kind: strings.TrimPrefix(m.Topic, d.prefix), Partition: m.Partition, Offset: m.Offset,
		Key: string(m.Key), Deleted: m.Value == nil}
	where := func(format string, a ...any) error {
		return fmt.Errorf("%s/%d@%d: %s", m.Topic, m.Partition, m.Offset, fmt.Sprintf(format, a...))
	}
	var dl *DeadLetter
	if e.Kind == "dlq" || e.Kind == "relay-dlq" {
		dl = &DeadLetter{}
	}
	for _, h := range m.Headers {
		v := string(h.Value)
		switch h.Key {
		case "ce_id":
			e.ID = v
		case "ce_source":
			e.Source = v
		case "ce_type":
			e.Type = v
		case "ce_subject":
			e.Subject = v
		case "ce_specversion":
			e.SpecVersion = v
		case "content-type":
			e.ContentType = v
		case "ukg_record_hash":
			e.RecordHash = v
		case "ukg_schema":
			e.Schema = v
		case "ukg_run_id":
			e.RunID = v
		case "ukg_record_id":
			e.RecordID = v
		case "ce_time":
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return nil, where("ce_time %q is not an RFC 3339 time", v)
			}
			e.Time = t
		default:
			if dl != nil {
				if err := dl.header(h.Key, v); err != nil {
					return nil, where("%v", err)
				}
			}
		}
	}
	if e.SpecVersion != "" && e.SpecVersion != "1.0" {
		return nil, where("ce_specversion %q: only CloudEvents 1.0 is known", e.SpecVersion)
	}
	if c, emp, ok := strings.Cut(e.Key, "/"); ok && (e.Kind == "lifecycle" || records[e.Kind].perEmployee) {
		e.CompanyID, e.EmployeeID = c, emp
	}
	if e.Schema != "" && dl == nil {
		name, ver, ok := strings.Cut(e.Schema, "/v")
		v, err := schema.ParseVersion(ver)
		if !ok || err != nil {
			return nil, where("ukg_schema %q is not <name>/v<major>.<minor>", e.Schema)
		}
		e.SchemaVersion = v
		known := 0
		if rk, ok := records[name]; ok {
			known = rk.major
		} else if name == "lifecycle" {
			known = lifecycleMajor
		}
		if known != 0 && v.Major != known {
			return nil, &SchemaError{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Schema: e.Schema, Known: known}
		}
	}
	if dl != nil {
		e.Data = dl
	}
	if e.Deleted {
		return e, nil
	}
	e.Value = json.RawMessage(m.Value)
	if dl != nil {
		return e, nil
	}
	var data any
	switch rk, ok := records[e.Kind]; {
	case e.Kind == "lifecycle":
		data = new(LifecycleEvent)
	case ok:
		data = rk.new()
	default:
		return e, nil
	}
	if err := strictObject(m.Value); err != nil {
		return nil, where("value: %v", err)
	}
	if err := json.Unmarshal(m.Value, data); err != nil {
		return nil, where("value does not fit the %s type: %v", e.Kind, err)
	}
	e.Data = data
	return e, nil
}

// lifecycleMajor is the lifecycle schema's major version this build knows.
const lifecycleMajor = 1

// strictObject accepts one JSON object and nothing after it.
func strictObject(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	if raw == nil {
		return errors.New("not a JSON object: null")
	}
	if dec.More() {
		return errors.New("data after the JSON object")
	}
	return nil
}

func (dl *DeadLetter) header(k, v string) error {
	num := func() (int64, error) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("header %s %q is not a number", k, v)
		}
		return n, nil
	}
	switch k {
	case schema.HeaderDLQReason:
		dl.Reason = v
	case schema.HeaderDLQStage:
		dl.Stage = v
	case schema.HeaderDLQError:
		dl.Error = v
	case schema.HeaderDLQField:
		dl.Field = v
	case schema.HeaderDLQOriginTopic:
		dl.OriginTopic = v
	case schema.HeaderDLQOriginSchema:
		dl.OriginSchema = v
	case schema.HeaderDLQOriginPartition:
		n, err := num()
		if err != nil {
			return err
		}
		p := int32(n)
		dl.OriginPartition = &p
	case schema.HeaderDLQOriginOffset:
		n, err := num()
		if err != nil {
			return err
		}
		dl.OriginOffset = &n
	case HeaderRelayStatus:
		n, err := num()
		if err != nil {
			return err
		}
		dl.HTTPStatus = int(n)
	case HeaderRelayRoute:
		dl.Route = v
	case HeaderRelayResponse:
		dl.Response = v
	case HeaderRelayAttempts:
		n, err := num()
		if err != nil {
			return err
		}
		dl.Attempts = int(n)
	}
	return nil
}
