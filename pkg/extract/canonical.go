package extract

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// RecordHash is the hash of a record's canonical form: its top-level members
// sorted by name, each value compacted, numbers and strings kept as sent.
// Two responses that differ only in member order or whitespace hash alike;
// any change of a value (including 58240.0 → 58240) is a change. It is the
// ukg_record_hash header and the change detector's memory.
type RecordHash [16]byte

// String renders the hash as 32 hex digits.
func (h RecordHash) String() string { return hex.EncodeToString(h[:]) }

// ParseRecordHash parses the hex form written by String.
func ParseRecordHash(s string) (RecordHash, error) {
	var h RecordHash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("record hash %q is not 32 hex digits", s)
	}
	copy(h[:], b)
	return h, nil
}

type member struct {
	name  string
	value []byte
}

// Canonical returns the canonical form of a JSON object (see RecordHash).
func Canonical(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("canonical form: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("canonical form: record is not a JSON object")
	}
	var members []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("canonical form: %w", err)
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("canonical form: member %q: %w", name, err)
		}
		members = append(members, member{name, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("canonical form: %w", err)
	}
	slices.SortStableFunc(members, func(a, b member) int { return strings.Compare(a.name, b.name) })
	var out bytes.Buffer
	out.Grow(len(raw))
	out.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			out.WriteByte(',')
		}
		nb, _ := json.Marshal(m.name)
		out.Write(nb)
		out.WriteByte(':')
		if err := json.Compact(&out, m.value); err != nil {
			return nil, fmt.Errorf("canonical form: member %q: %w", m.name, err)
		}
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// HashRecord returns the RecordHash of a JSON object.
func HashRecord(raw []byte) (RecordHash, error) {
	c, err := Canonical(raw)
	if err != nil {
		return RecordHash{}, err
	}
	sum := sha256.Sum256(c)
	var h RecordHash
	copy(h[:], sum[:])
	return h, nil
}

// eventID returns a deterministic CloudEvents id: the same parts give the
// same id on every run, so consumers can de-duplicate.
func eventID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
