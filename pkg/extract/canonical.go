package extract

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/jsonscan"
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
	pos    int    // position in the record: duplicate names keep their order
	name   []byte // decoded name, for ordering
	quoted []byte // the name as it goes into the canonical form, quotes included
	value  []byte
}

// Canonical returns the canonical form of a JSON object (see RecordHash).
// It scans the bytes once (records are flat objects of ~100 members; this
// runs for every record of every run), so it allocates a few buffers, not a
// value per member.
func Canonical(raw []byte) ([]byte, error) {
	if !json.Valid(raw) {
		return nil, fmt.Errorf("canonical form: record is not valid JSON")
	}
	i := jsonscan.SkipSpace(raw, 0)
	if raw[i] != '{' {
		return nil, fmt.Errorf("canonical form: record is not a JSON object")
	}
	members := make([]member, 0, 128)
	for i++; ; {
		i = jsonscan.SkipSpace(raw, i)
		if raw[i] == '}' {
			break
		}
		if raw[i] == ',' {
			i = jsonscan.SkipSpace(raw, i+1)
		}
		ks, ke := i, jsonscan.StringEnd(raw, i)
		m := member{pos: len(members), quoted: raw[ks:ke], name: raw[ks+1 : ke-1]}
		if !plainName(m.name) {
			var name string
			if err := json.Unmarshal(m.quoted, &name); err != nil {
				return nil, fmt.Errorf("canonical form: member name %s: %w", m.quoted, err)
			}
			m.name = []byte(name)
			m.quoted, _ = json.Marshal(name)
		}
		i = jsonscan.SkipSpace(raw, jsonscan.SkipSpace(raw, ke)+1) // past the colon
		ve := jsonscan.ValueEnd(raw, i)
		m.value = raw[i:ve]
		members = append(members, m)
		i = ve
	}
	// pdqsort with the position as tie-break: the order of a stable sort,
	// at a fraction of SortStableFunc's cost on ~100 members.
	slices.SortFunc(members, func(a, b member) int {
		if c := bytes.Compare(a.name, b.name); c != 0 {
			return c
		}
		return a.pos - b.pos
	})
	var out bytes.Buffer
	out.Grow(len(raw))
	out.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			out.WriteByte(',')
		}
		out.Write(m.quoted)
		out.WriteByte(':')
		if c := m.value[0]; c != '{' && c != '[' {
			out.Write(m.value) // a scalar: no whitespace inside to remove
			continue
		}
		if err := json.Compact(&out, m.value); err != nil {
			return nil, fmt.Errorf("canonical form: member %s: %w", m.quoted, err)
		}
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// plainName reports a member name that json.Marshal would write back
// unchanged: no escapes, no characters it escapes, valid UTF-8.
func plainName(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c == '<' || c == '>' || c == '&' || c < 0x20 || c >= 0x80 {
			return false
		}
	}
	return true
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
