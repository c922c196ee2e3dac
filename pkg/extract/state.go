package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// The state topic (ukgpro._extractor-state, compacted) holds three kinds of
// entries, told apart by the key's prefix:
//
//	r|<topic>|<key>[|<systemId>]  one published record: its hash, and for
//	                              employees the fields lifecycle events diff
//	m|<topic>                     the data topic's end offsets up to which
//	                              every record is reflected in the r| entries
//	e|<endpoint>                  the endpoint's run bookkeeping (EndpointState)
//
// An r| entry is written only after Kafka acknowledged the record it
// describes. See docs/decisions/0050-extractor-checkpoints.md.
const (
	recordPrefix = "r|"
	markPrefix   = "m|"
	endpointPref = "e|"
)

// entry is what the extractor remembers of one published record.
type entry struct {
	hash RecordHash
	dlq  bool   // the record failed its schema and went to the DLQ
	snap string // employees only: lifecycle field values (packSnap)
}

type entryJSON struct {
	Hash string            `json:"h"`
	DLQ  bool              `json:"dlq,omitempty"`
	Snap map[string]string `json:"s,omitempty"`
}

// EndpointState is the bookkeeping of one endpoint, kept across runs.
type EndpointState struct {
	// LastFullStart is the tenant time the last complete full pass started.
	LastFullStart time.Time `json:"lastFullStart"`
	// Watermark is the tenant time the last complete run (full or
	// incremental) started; the next incremental window starts there minus
	// the overlap.
	Watermark time.Time `json:"watermark"`
	// FullPages is how many pages the last full pass read (the cost of a
	// full pass, to choose between refetching per employee and a full pass).
	FullPages int `json:"fullPages"`
	// Baselined is true once a full pass completed: lifecycle events are
	// derived only after the baseline.
	Baselined bool   `json:"baselined"`
	LastRunID string `json:"lastRunId"`
	// CatchUp (compensation only) is set before a run's employment pass
	// publishes and cleared when compensation completes. Found set at the
	// start of a run, it means an earlier run published employment changes
	// whose compensation was never refetched (it was killed or failed), so
	// compensation reads everything.
	CatchUp bool `json:"catchUp,omitempty"`
	// Companies is the company scope (EXTRACTOR_COMPANIES, upper-case,
	// sorted) of the last complete run; nil: every company. A run whose
	// scope adds a company reads in full, and the added company's records
	// derive no lifecycle events (they are its baseline).
	Companies []string `json:"companies,omitempty"`
}

// State is the extractor's memory, loaded from the state topic at start-up.
// Records are sharded by topic, so endpoints running concurrently never
// contend.
type State struct {
	mu        sync.Mutex
	topics    map[string]*records      // topic → its records
	marks     map[string]map[int]int64 // data topic → partition → offset
	endpoints map[string]EndpointState
}

func newState() *State {
	return &State{topics: map[string]*records{}, marks: map[string]map[int]int64{}, endpoints: map[string]EndpointState{}}
}

// records returns the records of a topic. The caller owning the topic (one
// endpoint goroutine) uses them without further locking.
func (s *State) records(topic string) *records {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.topics[topic]
	if r == nil {
		r = newRecords(topic)
		s.topics[topic] = r
	}
	return r
}

// Endpoint returns the bookkeeping of an endpoint.
func (s *State) Endpoint(name string) EndpointState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endpoints[name]
}

func (s *State) setEndpoint(name string, es EndpointState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endpoints[name] = es
}

// Len returns how many records of topic the state holds.
func (s *State) Len(topic string) int { return s.records(topic).len() }

func identity(topic, key, row string) string {
	if row == "" {
		return topic + "|" + key
	}
	return topic + "|" + key + "|" + row
}

// stateMessage encodes an r| entry (nil e: a tombstone, the record is gone).
func stateMessage(stateTopic, ident string, e *entry, snapFields []string) (kafka.Message, error) {
	m := kafka.Message{Topic: stateTopic, Key: []byte(recordPrefix + ident)}
	if e == nil {
		return m, nil
	}
	ej := entryJSON{Hash: e.hash.String(), DLQ: e.dlq}
	if snap := unpackSnap(e.snap); len(snap) > 0 {
		ej.Snap = make(map[string]string, len(snap))
		for i, f := range snapFields {
			ej.Snap[f] = snap[i]
		}
	}
	v, err := json.Marshal(ej)
	if err != nil {
		return m, fmt.Errorf("encode state of %s: %w", ident, err)
	}
	m.Value = v
	return m, nil
}

func markMessage(stateTopic, dataTopic string, offs map[int]int64) (kafka.Message, error) {
	js := make(map[string]int64, len(offs))
	for p, o := range offs {
		js[strconv.Itoa(p)] = o
	}
	v, err := json.Marshal(js)
	return kafka.Message{Topic: stateTopic, Key: []byte(markPrefix + dataTopic), Value: v}, err
}

func endpointMessage(stateTopic, name string, es EndpointState) (kafka.Message, error) {
	v, err := json.Marshal(es)
	return kafka.Message{Topic: stateTopic, Key: []byte(endpointPref + name), Value: v}, err
}

// loadState reads the whole state topic (it is compacted, so this is one
// entry per record ever published and still present).
func loadState(ctx context.Context, cl *kafka.Client, stateTopic string, snapFields map[string][]string) (*State, error) {
	s := newState()
	offs, err := kafkax.PartitionOffsets(ctx, cl, stateTopic)
	if err != nil {
		return nil, fmt.Errorf("load extractor state: %w", err)
	}
	for p, o := range offs {
		err := kafkax.ReadRange(ctx, cl, stateTopic, p, o.First, o.End, func(m *kafkax.Message) error {
			return s.apply(string(m.Key), m.Value, snapFields)
		})
		if err != nil {
			return nil, fmt.Errorf("load extractor state: %w", err)
		}
	}
	return s, nil
}

// apply folds one state-topic message into s (later messages win).
func (s *State) apply(key string, value []byte, snapFields map[string][]string) error {
	switch {
	case strings.HasPrefix(key, recordPrefix):
		ident := key[len(recordPrefix):]
		topic, _, ok := strings.Cut(ident, "|")
		if !ok {
			return fmt.Errorf("state entry %q: no topic", key)
		}
		recs := s.records(topic)
		if value == nil {
			recs.delete(ident)
			return nil
		}
		var ej entryJSON
		if err := json.Unmarshal(value, &ej); err != nil {
			return fmt.Errorf("state entry %q: %w", key, err)
		}
		h, err := ParseRecordHash(ej.Hash)
		if err != nil {
			return fmt.Errorf("state entry %q: %w", key, err)
		}
		e := entry{hash: h, dlq: ej.DLQ}
		if fields := snapFields[topic]; len(fields) > 0 && ej.Snap != nil {
			snap := make([]string, len(fields))
			for i, f := range fields {
				snap[i] = ej.Snap[f]
			}
			e.snap = packSnap(snap)
		}
		recs.put(ident, e, false)
	case strings.HasPrefix(key, markPrefix):
		if value == nil {
			delete(s.marks, key[len(markPrefix):])
			return nil
		}
		var js map[string]int64
		if err := json.Unmarshal(value, &js); err != nil {
			return fmt.Errorf("state mark %q: %w", key, err)
		}
		offs := make(map[int]int64, len(js))
		for p, o := range js {
			n, err := strconv.Atoi(p)
			if err != nil {
				return fmt.Errorf("state mark %q: partition %q", key, p)
			}
			offs[n] = o
		}
		s.marks[key[len(markPrefix):]] = offs
	case strings.HasPrefix(key, endpointPref):
		var es EndpointState
		if value != nil {
			if err := json.Unmarshal(value, &es); err != nil {
				return fmt.Errorf("state of endpoint %q: %w", key, err)
			}
		}
		s.endpoints[key[len(endpointPref):]] = es
	default:
		return fmt.Errorf("state topic holds an unknown key %q", key)
	}
	return nil
}
