package pii

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/jsonscan"
)

// HashPrefix starts every hashed value.
const HashPrefix = "hmac-sha256:"

// ErrNotObject is returned by Apply for input that is not one JSON object.
var ErrNotObject = errors.New("pii: record is not a JSON object")

// Policy decides and applies the action of every top-level field of a
// record. It is immutable and safe for concurrent use.
type Policy struct {
	key      []byte
	actions  map[Class]Action
	global   map[string]Action            // lower-case field → action (file)
	perTopic map[string]map[string]Action // topic → lower-case field → action (file)
	// classes: topic → field → class, by exact name and by lower-case name.
	exact map[string]map[string]Class
	lower map[string]map[string]Class
	// cache remembers Action per topic and field name: records of a topic
	// repeat the same ~100 names, and deciding one takes a few map
	// lookups, a lower-casing and the Builtin checks.
	cache actionCache
}

// actionCache is a copy-on-write map (topic → field → action): lookups
// take no lock and allocate nothing; a new name copies the topic's map. At
// most maxCached names per topic are kept, so records with arbitrary names
// cannot grow it without bound.
type actionCache struct {
	mu sync.Mutex // serialises writers
	m  atomic.Pointer[map[string]map[string]Action]
}

const maxCached = 1024

func (c *actionCache) get(topic string, field []byte) (Action, bool) {
	m := c.m.Load()
	if m == nil {
		return "", false
	}
	a, ok := (*m)[topic][string(field)]
	return a, ok
}

func (c *actionCache) put(topic, field string, a Action) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	next := map[string]map[string]Action{}
	if old != nil {
		if len((*old)[topic]) >= maxCached {
			return
		}
		for t, fs := range *old {
			next[t] = fs
		}
	}
	fs := make(map[string]Action, len(next[topic])+1)
	for f, x := range next[topic] {
		fs[f] = x
	}
	fs[field] = a
	next[topic] = fs
	c.m.Store(&next)
}

// action is Action(topic, field) through the cache.
func (p *Policy) action(topic string, field []byte) Action {
	if a, ok := p.cache.get(topic, field); ok {
		return a
	}
	a := p.Action(topic, string(field))
	p.cache.put(topic, string(field), a)
	return a
}

// NewPolicy builds a policy from an HMAC key (may be empty when nothing
// hashes), the schemas' classes (topic → field → class) and file rules.
func NewPolicy(key []byte, classes map[string]map[string]Class, r Rules) (*Policy, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	if err := checkKey(key, r); err != nil {
		return nil, err
	}
	p := &Policy{
		key:      bytes.Clone(key),
		actions:  r.classActions(),
		global:   map[string]Action{},
		perTopic: map[string]map[string]Action{},
		exact:    map[string]map[string]Class{},
		lower:    map[string]map[string]Class{},
	}
	for topic, fields := range classes {
		t := topicName(topic)
		if p.exact[t] == nil {
			p.exact[t], p.lower[t] = map[string]Class{}, map[string]Class{}
		}
		for f, c := range fields {
			if !c.valid() {
				return nil, fmt.Errorf("pii: topic %s field %s: unknown class %q", t, f, c)
			}
			p.exact[t][f] = c
			lf := strings.ToLower(f)
			if c.severity() >= p.lower[t][lf].severity() {
				p.lower[t][lf] = c
			}
		}
	}
	for k, a := range r.Fields {
		topic, field := splitField(k)
		field = strings.ToLower(field)
		if topic == "" {
			p.global[field] = a
			continue
		}
		if p.perTopic[topic] == nil {
			p.perTopic[topic] = map[string]Action{}
		}
		p.perTopic[topic][field] = a
	}
	return p, nil
}

// String describes the policy without its key (fmt would print unexported
// fields for %v).
func (p *Policy) String() string { return "pii.Policy" }

// GoString implements fmt.GoStringer for the same reason.
func (p *Policy) GoString() string { return "pii.Policy" }

// Class returns the effective class of field in topic: the more severe of
// the schema's class (exact name, else case-insensitive) and Builtin.
func (p *Policy) Class(topic, field string) Class {
	t := topicName(topic)
	c, ok := p.exact[t][field]
	if !ok {
		c = p.lower[t][strings.ToLower(field)]
	}
	if c == "" {
		c = None
	}
	if b := Builtin(field); b.severity() > c.severity() {
		c = b
	}
	return c
}

// Action returns what the policy does to field in topic: a per-topic field
// rule, else a field rule, else the action of the field's class.
func (p *Policy) Action(topic, field string) Action {
	if len(p.perTopic) > 0 || len(p.global) > 0 {
		lf := strings.ToLower(field)
		if a, ok := p.perTopic[topicName(topic)][lf]; ok {
			return a
		}
		if a, ok := p.global[lf]; ok {
			return a
		}
	}
	return p.actions[p.Class(topic, field)]
}

// member is one top-level "key": value of an object, as byte offsets.
type member struct {
	keyStart, valStart, valEnd int
	key                        []byte // the name, unquoted (a slice of the object unless escaped)
}

// members scans the top-level members of a valid JSON object.
func members(obj []byte) ([]member, error) {
	i := jsonscan.SkipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, ErrNotObject
	}
	i = jsonscan.SkipSpace(obj, i+1)
	var out []member
	for i < len(obj) && obj[i] == '"' {
		m := member{keyStart: i}
		kEnd := jsonscan.StringEnd(obj, i)
		m.key = decodeKey(obj[i:kEnd])
		i = jsonscan.SkipSpace(obj, kEnd)
		i = jsonscan.SkipSpace(obj, i+1) // past ':'
		m.valStart = i
		m.valEnd = jsonscan.ValueEnd(obj, i)
		out = append(out, m)
		i = jsonscan.SkipSpace(obj, m.valEnd)
		if i < len(obj) && obj[i] == ',' {
			i = jsonscan.SkipSpace(obj, i+1)
		}
	}
	return out, nil
}

func decodeKey(q []byte) []byte {
	if bytes.IndexByte(q, '\\') < 0 {
		return q[1 : len(q)-1]
	}
	var s string
	if json.Unmarshal(q, &s) != nil {
		return q[1 : len(q)-1]
	}
	return []byte(s)
}

type edit struct {
	start, end int
	repl       []byte
}

// Apply rewrites one record (a JSON object) for topic: each top-level
// field's value is kept, hashed, masked or dropped. Everything kept stays
// byte for byte as it was, key order and whitespace included; null stays
// null. Nested objects are treated as one value of their top-level field.
func (p *Policy) Apply(topic string, raw []byte) ([]byte, error) {
	if !json.Valid(raw) {
		return nil, fmt.Errorf("%w: invalid JSON", ErrNotObject)
	}
	ms, err := members(raw)
	if err != nil {
		return nil, err
	}
	acts := make([]Action, len(ms))
	changed := false
	for i, m := range ms {
		acts[i] = p.action(topic, m.key)
		if acts[i] != Keep {
			changed = true
		}
	}
	if !changed {
		return raw, nil
	}
	var edits []edit
	// Trailing run of dropped members: removed from the end of the last
	// kept value (taking its comma) or, if all are dropped, from the first
	// key.
	tail := len(ms)
	for tail > 0 && acts[tail-1] == Drop {
		tail--
	}
	for i, m := range ms[:tail] {
		switch acts[i] {
		case Drop:
			edits = append(edits, edit{m.keyStart, ms[i+1].keyStart, nil})
		case Hash, Mask, HashLast4:
			v := raw[m.valStart:m.valEnd]
			var nv []byte
			if acts[i] == Mask {
				nv = mask(v)
			} else {
				nv = p.hash(v)
			}
			if !bytes.Equal(nv, v) {
				edits = append(edits, edit{m.valStart, m.valEnd, nv})
			}
			if acts[i] == HashLast4 && !hasMember(ms, string(m.key)+Last4Suffix) {
				edits = append(edits, edit{m.valEnd, m.valEnd, last4Member(m.key, v)})
			}
		}
	}
	if tail < len(ms) {
		start := ms[0].keyStart
		if tail > 0 {
			start = ms[tail-1].valEnd
		}
		edits = append(edits, edit{start, ms[len(ms)-1].valEnd, nil})
	}
	out := make([]byte, 0, len(raw))
	at := 0
	for _, e := range edits {
		out = append(out, raw[at:e.start]...)
		out = append(out, e.repl...)
		at = e.end
	}
	return append(out, raw[at:]...), nil
}

// hasMember reports whether the object has a member named name (any case).
func hasMember(ms []member, name string) bool {
	for _, m := range ms {
		if len(m.key) == len(name) && strings.EqualFold(string(m.key), name) {
			return true
		}
	}
	return false
}

// last4Member renders `,"<key>Last4":<last 4>` for HashLast4.
func last4Member(key, v []byte) []byte {
	b, _ := json.Marshal(string(key) + Last4Suffix)
	out := append([]byte{','}, b...)
	out = append(out, ':')
	var s string
	switch v[0] {
	case '"':
		if json.Unmarshal(v, &s) != nil {
			s = ""
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		s = string(v)
	}
	l, ok := Last4(s)
	if !ok {
		return append(out, "null"...)
	}
	q, _ := json.Marshal(l)
	return append(out, q...)
}

// Last4 returns the last 4 letters or digits of s (letters upper-cased),
// ok false when s has 4 or fewer: then they would be the whole value.
func Last4(s string) (string, bool) {
	var rs []rune
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			rs = append(rs, unicode.ToUpper(r))
		}
	}
	if len(rs) <= 4 {
		return "", false
	}
	return string(rs[len(rs)-4:]), true
}

// hash returns the JSON string "hmac-sha256:<hex>" of the normalised value;
// null and blank strings are returned unchanged.
func (p *Policy) hash(v []byte) []byte {
	var s string
	switch v[0] {
	case 'n':
		return v
	case '"':
		if json.Unmarshal(v, &s) != nil {
			return v
		}
	case '{', '[':
		var buf bytes.Buffer
		if json.Compact(&buf, v) == nil {
			s = buf.String()
		} else {
			s = string(v)
		}
	default: // number, true, false: their JSON text
		s = string(v)
	}
	s = Normalize(s)
	if s == "" {
		return v
	}
	return []byte(`"` + HashValue(p.key, s) + `"`)
}

// Normalize prepares a value for hashing so that equal identifiers written
// differently hash the same: whitespace and dashes removed, letters
// upper-cased. "123-45-6789", "123 45 6789" and "123456789" all give
// "123456789".
func Normalize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}

// HashValue returns "hmac-sha256:" + hex(HMAC-SHA256(key, s)) for an
// already normalised s. Other programs can compute joinable hashes with it.
func HashValue(key []byte, s string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return HashPrefix + hex.EncodeToString(m.Sum(nil))
}

// mask hides most of a value, keeping its JSON type where that stays
// useful:
//   - null and "" stay as they are;
//   - dates keep the year: "1988-04-12T00:00:00" → "1988-01-01T00:00:00",
//     "4/12/1988 12:00:00 AM" → "1/1/1988 12:00:00 AM";
//   - e-mail addresses keep the domain: "***@example.test";
//   - strings mostly of digits (SSN, phone, account) keep the last 4
//     letters or digits, separators stay: "***-**-6789";
//   - other strings keep the first letter of each word: "D*** O*****";
//   - numbers, booleans, objects and arrays become null.
func mask(v []byte) []byte {
	if v[0] != '"' {
		return []byte("null")
	}
	var s string
	if json.Unmarshal(v, &s) != nil || s == "" {
		return v
	}
	b, _ := json.Marshal(MaskString(s))
	return b
}

// MaskString masks one string value (see Apply's mask rules).
func MaskString(s string) string {
	if d, ok := maskDate(s); ok {
		return d
	}
	if at := strings.LastIndexByte(s, '@'); at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t") {
		return "***" + s[at:]
	}
	alnum, digits := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			alnum++
			if unicode.IsDigit(r) {
				digits++
			}
		}
	}
	var b strings.Builder
	if digits >= 4 && 2*digits >= alnum {
		keep := alnum - 4
		n := 0
		for _, r := range s {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				n++
				if n <= keep || alnum <= 4 {
					r = '*'
				}
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	first := true
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !first {
				r = '*'
			}
			first = false
		default:
			first = true
		}
		b.WriteRune(r)
	}
	return b.String()
}

// maskDate recognises UKG's two date shapes and keeps only the year.
func maskDate(s string) (string, bool) {
	if len(s) >= 10 && isDigits(s[:4]) && s[4] == '-' && isDigits(s[5:7]) && s[7] == '-' && isDigits(s[8:10]) {
		rest := []byte(s[10:])
		for i, c := range rest {
			if c >= '0' && c <= '9' {
				rest[i] = '0'
			}
		}
		return s[:4] + "-01-01" + string(rest), true
	}
	// M/D/YYYY[ h:mm:ss AM]
	date, rest, _ := strings.Cut(s, " ")
	parts := strings.Split(date, "/")
	if len(parts) == 3 && len(parts[2]) == 4 && isDigits(parts[0]) && isDigits(parts[1]) && isDigits(parts[2]) &&
		len(parts[0]) <= 2 && len(parts[1]) <= 2 {
		out := "1/1/" + parts[2]
		if rest != "" {
			out += " 12:00:00 AM"
		}
		return out, true
	}
	return "", false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Redacted replaces a protected value in Redact's output.
const Redacted = "REDACTED"

// maxRedact caps Redact's output.
const maxRedact = 2048

// Redact renders a record safely for a log line or a DLQ reason: every
// field whose class is not none, or whose action is not keep, shows
// "REDACTED" (null stays null), the rest is kept, and the text is capped at
// 2 KiB. Input that is not a JSON object is never echoed: Redact describes
// it by size only.
func (p *Policy) Redact(topic string, raw []byte) string {
	if !json.Valid(raw) {
		return fmt.Sprintf("<invalid JSON, %d bytes>", len(raw))
	}
	ms, err := members(raw)
	if err != nil {
		return fmt.Sprintf("<JSON value that is not an object, %d bytes>", len(raw))
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(raw[m.keyStart:jsonscan.StringEnd(raw, m.keyStart)])
		b.WriteByte(':')
		v := raw[m.valStart:m.valEnd]
		if string(v) != "null" && (p.Class(topic, string(m.key)) != None || p.action(topic, m.key) != Keep) {
			b.WriteString(`"` + Redacted + `"`)
		} else {
			b.Write(v)
		}
		if b.Len() > maxRedact {
			break
		}
	}
	b.WriteByte('}')
	s := b.String()
	if len(s) > maxRedact {
		cut := maxRedact
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + fmt.Sprintf("…(%d bytes)", len(raw))
	}
	return s
}
