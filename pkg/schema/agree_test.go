package schema

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// fullRecord renders a record of s with every property set to a plausible
// value of its type, in declaration order (as UKG does: every key present).
func fullRecord(s *Schema, r *rand.Rand) []byte { return fullRecordOpt(s, r, true) }

func fullRecordOpt(s *Schema, r *rand.Rand, nulls bool) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := range s.props {
		p := &s.props[i]
		f := &s.Fields[p.field]
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(p.name))
		b.WriteByte(':')
		b.WriteString(plausible(p, f, r, nulls))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func plausible(p *prop, f *Field, r *rand.Rand, nulls bool) string {
	if nulls && !p.required && r.IntN(6) == 0 && p.kinds&kNull != 0 {
		return "null"
	}
	switch f.Type {
	case String:
		if p.enum != nil {
			return strconv.Quote(p.enum[r.IntN(len(p.enum))])
		}
		if f.JSONName == "key" {
			return `"Q4T9Z/B7QX2K0000A1"`
		}
		words := []string{"WHSASSOC", "Q4T9Z", "B7QX2K0000A1", "Operations", "000004711", "Y", "N", "A", "Zoë Ngô", "5f0b8c1d-2e47-4a8a-b1d3-61c2f0e9aa10"}
		return strconv.Quote(words[r.IntN(len(words))])
	case Int:
		return strconv.Itoa(r.IntN(60))
	case Bool:
		return strconv.FormatBool(r.IntN(2) == 0)
	case Date:
		return fmt.Sprintf(`"%04d-%02d-%02dT00:00:00"`, 1960+r.IntN(60), 1+r.IntN(12), 1+r.IntN(28))
	case Timestamp:
		return fmt.Sprintf(`"2024-%02d-%02dT%02d:%02d:%02d.%d"`, 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000))
	case Decimal:
		return fmt.Sprintf("%d.%d", r.IntN(100000), r.IntN(100))
	case Double:
		return fmt.Sprintf("%d.%06d", r.IntN(90), r.IntN(1000000))
	case JSON:
		if f.JSONName == "sources" {
			return `["0b9f6c1e"]`
		}
		return `[{"field":"hourlyPayRate","before":21.0,"after":22.5}]`
	}
	return "null"
}

// tokens are JSON values (and a few non-values) chosen to sit on the edges
// of the constraints both paths enforce.
var tokens = []string{
	`null`, `true`, `false`, `0`, `-0`, `52`, `52.0`, `52.5`, `1e2`, `1E+2`, `15e-4`, `1e-5`, `0.00001`, `-1250.5`,
	`9223372036854775807`, `9223372036854775808`, `-9223372036854775808`, `-9223372036854775809`,
	`99999999999999.9999`, `100000000000000`, `-99999999999999.99990`, `1e400`, `1e1000001`, `1e-1000001`, `0e1000001`,
	`21.00005`, `90`, `90.0000000000000000001`, `-90`, `1.5e-400`, `01`, `1.`, `.5`, `-`, `+1`, `NaN`,
	`""`, `"Y"`, `"abc"`, `"43680.50"`, `"-0.0001"`, `"1e3"`, `"00000000000001.5"`, `"123456789012345"`, `"1."`, `".5"`,
	`"2019-04-01T00:00:00"`, `"2019-04-01"`, `"2019-02-29"`, `"2020-02-29T00:00:00"`, `"0001-01-01T00:00:00"`, `"0000-01-01"`,
	`"2019-04-01T10:00:00"`, `"2019-4-01"`, `"2024-02-16T14:03:11.517"`, `"2024-02-16T14:03:11.1234567"`, `"2024-02-16T24:00:00"`,
	`"2024-02-16T14:03:11Z"`, `"2024-02-16T14:03:11+02:00"`, `"2024-02-16T14:03:11+24:00"`, `"2024-02-16T14:03:11-00:60"`,
	`"2024-02-16T14:03:11."`, `"employee.hired"`, `"employee.fired"`, `"Q4T9Z/B7QX2K0000A1"`, `"a/b/c"`, `"/"`,
	`"\u00e9"`, `"\ud800"`, `"\u0032019-04-01"`, `"x\"y"`, `[]`, `{}`, `[1,"a",null]`, `{"a":{"b":[]}}`,
	`[{"field":"x","before":null,"after":1}]`, `[{"field":"x"}]`, `["s"]`, `[1]`, `[[]]`, `"\x"`, `"` + "\x01" + `"`, `tru`,
}

// mutate applies one random edit to a record's text.
func mutate(s *Schema, rec []byte, r *rand.Rand) []byte {
	tok := tokens[r.IntN(len(tokens))]
	name := s.props[r.IntN(len(s.props))].name
	key := strconv.Quote(name) + ":"
	str := string(rec)
	switch r.IntN(8) {
	case 0, 1, 2: // replace a declared field's value
		i := strings.Index(str, key)
		if i < 0 {
			break
		}
		j := i + len(key)
		end, ok := skipValue(rec, j, 1)
		if !ok {
			break
		}
		return []byte(str[:j] + tok + str[end:])
	case 3: // duplicate a key (the last occurrence decides)
		return []byte(str[:len(str)-1] + "," + key + tok + "}")
	case 4: // unknown field
		return []byte(str[:len(str)-1] + `,"zzNew` + strconv.Itoa(r.IntN(9)) + `":` + tok + "}")
	case 5: // delete a field
		i := strings.Index(str, key)
		if i < 0 {
			break
		}
		end, ok := skipValue(rec, i+len(key), 1)
		if !ok {
			break
		}
		if end < len(str) && str[end] == ',' {
			end++
		}
		return []byte(str[:i] + str[end:])
	case 6: // byte-level damage
		b := []byte(str)
		if len(b) == 0 {
			break
		}
		i := r.IntN(len(b))
		switch r.IntN(3) {
		case 0:
			return append(b[:i:i], b[i+1:]...)
		case 1:
			return append(b[:i:i], append([]byte{"{}[]\",:\\ 0a-"[r.IntN(12)]}, b[i:]...)...)
		default:
			return b[:i]
		}
	default: // escaped key spelling
		return []byte(strings.Replace(str, key, strconv.Quote(name[:1])[:2]+`\u00`+strconv.FormatInt(int64(name[1]), 16)+name[2:]+`":`, 1))
	}
	return rec
}

// agree checks the invariant of the two validation paths on one input.
func agree(t testing.TB, s *Schema, b *Batch, raw []byte) {
	t.Helper()
	m := meta("k")
	libErr := s.Validate(raw)
	if s.Opaque {
		// dlq: the value is opaque; the headers are what is validated
		m.Headers = []Header{{HeaderDLQReason, []byte("conversion")}, {HeaderDLQStage, raw}, {HeaderDLQOriginTopic, []byte("t")}}
		libErr = s.ValidateHeaders(m.Headers)
	}
	fastErr := b.Append(raw, m)
	if (libErr == nil) != (fastErr == nil) {
		t.Fatalf("%s: library and fast path disagree on %q:\nlibrary: %v\nfast:    %v", s.ID(), raw, libErr, fastErr)
	}
	if !s.Opaque {
		// Check (validation without a row) answers as Append does.
		if checkErr := b.Check(raw); (checkErr == nil) != (fastErr == nil) {
			t.Fatalf("%s: Check and Append disagree on %q:\nCheck:  %v\nAppend: %v", s.ID(), raw, checkErr, fastErr)
		}
	}
}

// TestPathsAgree is the differential test: for thousands of records edited
// around the constraint edges, the library accepts exactly when the fast
// path does.
func TestPathsAgree(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	reg := registry(t)
	r := rand.New(rand.NewPCG(1, 2))
	for _, name := range reg.Names() {
		s := reg.Topic(name)
		b := NewBatch(s, nil)
		accepted := 0
		for i := 0; i < n; i++ {
			rec := fullRecord(s, r)
			for k := r.IntN(3); k >= 0; k-- {
				rec = mutate(s, rec, r)
			}
			agree(t, s, b, rec)
			if s.Validate(rec) == nil {
				accepted++
			}
		}
		if accepted == 0 || accepted == n {
			t.Errorf("%s: %d of %d accepted: the mutations do not exercise both outcomes", name, accepted, n)
		}
		b.Release()
	}
}

// FuzzAgree: for arbitrary bytes, neither path panics and both accept or
// both reject, for every topic. Run with make fuzz.
func FuzzAgree(f *testing.F) {
	reg := registry(f)
	names := reg.Names()
	r := rand.New(rand.NewPCG(3, 4))
	for i, n := range names {
		s := reg.Topic(n)
		for _, ex := range s.Examples {
			f.Add(uint8(i), []byte(ex))
		}
		for k := 0; k < 20; k++ {
			f.Add(uint8(i), mutate(s, fullRecord(s, r), r))
		}
	}
	batches := map[string]*Batch{}
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		s := reg.Topic(names[int(which)%len(names)])
		b := batches[s.Name]
		if b == nil {
			b = NewBatch(s, nil)
			batches[s.Name] = b
		}
		agree(t, s, b, raw)
		if b.Len() > 1000 {
			b.NewRecord().Release()
		}
	})
}

// The hand-written checks of the canonical patterns match the regexps the
// library runs, on every token and on systematic variations.
func TestCanonicalPatternsMatchRegexps(t *testing.T) {
	s := topic(t, "employees")
	check := func(field string, v string) {
		p := &s.props[s.propIndex[field]]
		f := &s.Fields[p.field]
		var dt dateTime
		var hand bool
		switch f.Type {
		case Date:
			hand = v == "" || dateShape([]byte(v), &dt)
		case Timestamp:
			hand = v == "" || timestampShape([]byte(v), &dt)
		case Decimal:
			hand = v == "" || decimalShape([]byte(v), f.Precision, f.Scale)
		}
		if re := p.pattern.MatchString(v); re != hand {
			t.Errorf("%s %q: regexp %v, hand-written %v", field, v, re, hand)
		}
	}
	vals := []string{""}
	for _, tok := range tokens {
		if u, err := strconv.Unquote(tok); err == nil {
			vals = append(vals, u)
		}
	}
	base := []string{"2024-02-16T14:03:11.123456+02:00", "2019-04-01T00:00:00", "-12345678901234.5678"}
	for _, b := range base {
		for i := 0; i <= len(b); i++ {
			vals = append(vals, b[:i], b[:i]+"0"+b[i:], b[:i]+"x"+b[i:])
			if i < len(b) {
				vals = append(vals, b[:i]+b[i+1:])
			}
		}
	}
	for _, v := range vals {
		check("originalHireDate", v)
		check("dateTimeChanged", v)
		check("annualSalary", v)
	}
}
