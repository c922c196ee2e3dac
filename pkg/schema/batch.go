package schema

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Header is a Kafka record header. It has the shape of kafka-go's
// kafka.Header, so a conversion schema.Header(h) works.
type Header struct {
	Key   string
	Value []byte
}

// Meta is what the loader knows about a message besides its value; it fills
// the archive's metadata columns.
type Meta struct {
	Topic      string
	Partition  int32
	Offset     int64
	Timestamp  time.Time // Kafka record timestamp
	Key        []byte
	RecordHash []byte   // ukg_record_hash header; nil archives as null
	EventID    []byte   // ce_id header; nil archives as null
	RecordID   []byte   // ukg_record_id header; nil archives as null
	Headers    []Header // read only by opaque schemas (dlq), whose fields come from headers
}

// Option configures a Batch.
type Option func(*Batch)

// WithLocation sets the tenant time zone: UKG timestamps without a zone are
// wall times in it. The default is UTC. Values with an explicit Z or offset
// ignore it. See Config.
func WithLocation(loc *time.Location) Option {
	return func(b *Batch) {
		if loc != nil {
			b.loc = loc
		}
	}
}

// Batch converts message values of one topic schema into one Arrow record
// batch: the fast path of the loader. Append scans the JSON bytes once, with
// no map[string]any and no reflection, enforces the constraints the JSON
// Schema states (types, nullability, required fields, patterns, formats,
// decimal scale and range; unknown fields allowed) and appends typed values
// to the builders. It accepts exactly the records Validate accepts
// (FuzzAgree). A Batch is not safe for concurrent use.
type Batch struct {
	s       *Schema
	loc     *time.Location
	rb      *array.RecordBuilder
	cols    []column // per field, then the metadata columns
	fprops  [][]int  // per field: its props, primary first
	slots   []slot   // per prop
	scratch []byte   // decoded escaped strings
	numBuf  []byte
	keyBuf  []byte
	hdrBuf  []byte
	next    int // predicted index of the next property (records repeat their key order)

	dataHint []int // string bytes per column in the previous record batch
}

type slotState uint8

const (
	absent slotState = iota
	null
	present
	bad
)

// slot holds one property's converted value until the record is known good.
type slot struct {
	state   slotState
	code    errCode
	scratch bool  // str is in Batch.scratch, else in the input
	v       int64 // int, unscaled decimal, days, microseconds, bool, float64 bits
	off     int
	end     int
}

type errCode uint8

const (
	errNone errCode = iota
	errType
	errMinLen
	errEnum
	errPattern
	errFormat
	errRange
	errScale
	errInteger
)

type column struct {
	str *array.StringBuilder
	i64 *array.Int64Builder
	i32 *array.Int32Builder
	bl  *array.BooleanBuilder
	d32 *array.Date32Builder
	ts  *array.TimestampBuilder
	dec *array.Decimal128Builder
	f64 *array.Float64Builder
}

// NewBatch returns an empty batch building ArrowSchema(). Release it when
// done.
func NewBatch(s *Schema, mem memory.Allocator, opts ...Option) *Batch {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	b := &Batch{s: s, loc: time.UTC, slots: make([]slot, len(s.props)), fprops: make([][]int, len(s.Fields))}
	for _, o := range opts {
		o(b)
	}
	for i := range s.props {
		f := s.props[i].field
		b.fprops[f] = append(b.fprops[f], i)
	}
	b.rb = array.NewRecordBuilder(mem, s.ArrowSchema())
	b.cols = make([]column, len(b.rb.Fields()))
	for i, fb := range b.rb.Fields() {
		c := &b.cols[i]
		switch x := fb.(type) {
		case *array.StringBuilder:
			c.str = x
		case *array.Int64Builder:
			c.i64 = x
		case *array.Int32Builder:
			c.i32 = x
		case *array.BooleanBuilder:
			c.bl = x
		case *array.Date32Builder:
			c.d32 = x
		case *array.TimestampBuilder:
			c.ts = x
		case *array.Decimal128Builder:
			c.dec = x
		case *array.Float64Builder:
			c.f64 = x
		default:
			panic(fmt.Sprintf("schema: no builder case for %T", fb))
		}
	}
	return b
}

// Schema returns the schema the batch converts to.
func (b *Batch) Schema() *Schema { return b.s }

// Len is the number of rows appended since the last NewRecord.
func (b *Batch) Len() int { return b.cols[0].len() }

func (c *column) len() int {
	switch {
	case c.str != nil:
		return c.str.Len()
	case c.i64 != nil:
		return c.i64.Len()
	case c.i32 != nil:
		return c.i32.Len()
	case c.bl != nil:
		return c.bl.Len()
	case c.d32 != nil:
		return c.d32.Len()
	case c.ts != nil:
		return c.ts.Len()
	case c.dec != nil:
		return c.dec.Len()
	}
	return c.f64.Len()
}

// NewRecord returns the rows appended so far as one record batch and starts
// a new one, with capacity reserved for as many rows and string bytes as
// this one had (buffers then never grow by doubling in steady state). The
// caller releases the record.
func (b *Batch) NewRecord() arrow.RecordBatch {
	n := b.Len()
	if len(b.dataHint) != len(b.cols) {
		b.dataHint = make([]int, len(b.cols))
	}
	for i := range b.cols {
		if c := &b.cols[i]; c.str != nil {
			b.dataHint[i] = c.str.DataLen()
		}
	}
	rec := b.rb.NewRecordBatch()
	if n > 0 {
		b.rb.Reserve(n)
		for i := range b.cols {
			if c := &b.cols[i]; c.str != nil {
				c.str.ReserveData(b.dataHint[i])
			}
		}
	}
	return rec
}

// Release frees the builders.
func (b *Batch) Release() { b.rb.Release() }

// Append validates and converts one message value and appends it as a row.
// On error nothing is appended and the error is a *FieldError naming the
// field and meta.Key; the caller dead-letters the message.
func (b *Batch) Append(raw []byte, meta Meta) error {
	data, err := b.check(raw, &meta)
	if err != nil {
		return err
	}
	b.flush(data)
	b.appendMeta(raw, &meta, false)
	return nil
}

// AppendDeletion appends the row of a deletion (a message with a null
// value): every field null, _raw null, the metadata from meta and _deleted
// true. It cannot fail. See docs/archive.md "Deletions".
func (b *Batch) AppendDeletion(meta Meta) {
	for fi := range b.s.Fields {
		appendNull(&b.cols[fi])
	}
	b.appendMeta(nil, &meta, true)
}

// Check validates one message value as Append does, appending nothing: the
// fast path of a producer that only needs to know whether a record is
// valid. It accepts exactly what Validate accepts. Opaque schemas, whose
// fields come from headers, are checked by Validate only.
func (b *Batch) Check(raw []byte) error {
	if b.s.Opaque {
		return b.s.Validate(raw)
	}
	_, err := b.check(raw, &Meta{})
	return err
}

// check validates raw (for opaque schemas, meta's headers) and leaves the
// converted values in the slots; data is what the slots point into.
func (b *Batch) check(raw []byte, meta *Meta) (data []byte, err error) {
	data = raw
	if b.s.Opaque {
		b.hdrBuf = b.s.appendHeadersJSON(b.hdrBuf[:0], meta.Headers)
		data = b.hdrBuf
	} else {
		if !utf8.Valid(raw) {
			return nil, &FieldError{Key: string(meta.Key), Reason: reasonUTF8}
		}
		if b.s.needsLib {
			if err := b.s.Validate(raw); err != nil {
				return nil, withKey(err, meta.Key)
			}
		}
	}
	if fe := b.convert(data); fe != nil {
		fe.Key = string(meta.Key)
		return nil, fe
	}
	return data, nil
}

func withKey(err error, key []byte) error {
	if fe, ok := err.(*FieldError); ok {
		fe.Key = string(key)
		return fe
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if fe, ok := e.(*FieldError); ok {
				fe.Key = string(key)
			}
		}
	}
	return err
}

// convert scans one JSON object into the slots.
func (b *Batch) convert(data []byte) *FieldError {
	clear(b.slots)
	b.scratch = b.scratch[:0]
	b.numBuf = b.numBuf[:0]
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		if end, ok := skipValue(data, i, 0); ok && skipWS(data, end) == len(data) {
			return &FieldError{Reason: reasonObject}
		}
		return &FieldError{Reason: reasonJSON}
	}
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == '}' {
		i++
	} else {
		for {
			if i >= len(data) || data[i] != '"' {
				return &FieldError{Reason: reasonJSON}
			}
			end, esc, ok := scanString(data, i)
			if !ok {
				return &FieldError{Reason: reasonJSON}
			}
			key := data[i+1 : end-1]
			if esc {
				b.keyBuf = unescape(b.keyBuf[:0], key)
				key = b.keyBuf
			}
			i = skipWS(data, end)
			if i >= len(data) || data[i] != ':' {
				return &FieldError{Reason: reasonJSON}
			}
			i = skipWS(data, i+1)
			if pi := b.lookup(key); pi >= 0 {
				i, ok = b.value(data, i, pi)
			} else {
				i, ok = skipValue(data, i, 1)
			}
			if !ok {
				return &FieldError{Reason: reasonJSON}
			}
			i = skipWS(data, i)
			if i >= len(data) {
				return &FieldError{Reason: reasonJSON}
			}
			if data[i] == ',' {
				i = skipWS(data, i+1)
				continue
			}
			if data[i] == '}' {
				i++
				break
			}
			return &FieldError{Reason: reasonJSON}
		}
	}
	if skipWS(data, i) != len(data) {
		return &FieldError{Reason: reasonJSON}
	}
	for pi := range b.slots {
		sl := &b.slots[pi]
		p := &b.s.props[pi]
		if sl.state == bad {
			return &FieldError{Field: p.name, Reason: b.reason(pi, sl.code)}
		}
		if sl.state == absent && p.required {
			return &FieldError{Field: p.name, Reason: reasonRequired}
		}
	}
	return nil
}

func (b *Batch) lookup(key []byte) int {
	props := b.s.props
	if n := b.next; n < len(props) && string(key) == props[n].name {
		b.next = n + 1
		return n
	}
	if pi, ok := b.s.propIndex[string(key)]; ok {
		b.next = pi + 1
		return pi
	}
	return -1
}

// value scans the value of property pi at data[i] into its slot. It returns
// false only for malformed JSON; constraint violations mark the slot bad
// (the last occurrence of a duplicated key decides, as in encoding/json).
func (b *Batch) value(data []byte, i, pi int) (int, bool) {
	p := &b.s.props[pi]
	f := &b.s.Fields[p.field]
	sl := &b.slots[pi]
	*sl = slot{state: present}
	fail := func(c errCode) { sl.state, sl.code = bad, c }
	if i >= len(data) {
		return i, false
	}
	switch c := data[i]; c {
	case 'n':
		end, ok := literal(data, i, "null")
		if ok {
			if p.kinds&kNull == 0 {
				fail(errType)
			} else {
				sl.state = null
			}
		}
		return end, ok
	case 't', 'f':
		lit := "true"
		if c == 'f' {
			lit = "false"
		}
		end, ok := literal(data, i, lit)
		if !ok {
			return end, false
		}
		switch {
		case p.kinds&kBool == 0:
			fail(errType)
		case f.Type == JSON:
			sl.off, sl.end = i, end
		case c == 't':
			sl.v = 1
		}
		return end, true
	case '"':
		end, esc, ok := scanString(data, i)
		if !ok {
			return end, false
		}
		if p.kinds&kString == 0 {
			fail(errType)
			return end, true
		}
		if f.Type == JSON {
			sl.off, sl.end = i, end
			return end, true
		}
		s := data[i+1 : end-1]
		sl.off, sl.end = i+1, end-1
		if esc {
			start := len(b.scratch)
			b.scratch = unescape(b.scratch, s)
			s = b.scratch[start:]
			sl.scratch, sl.off, sl.end = true, start, len(b.scratch)
		}
		b.str(p, f, sl, s)
		return end, true
	case '[', '{':
		end, ok := skipValue(data, i, 1)
		if !ok {
			return end, false
		}
		want := kObject
		if c == '[' {
			want = kArray
		}
		if p.kinds&want == 0 || f.Type != JSON {
			fail(errType)
		} else {
			sl.off, sl.end = i, end
		}
		return end, true
	}
	end, ok := scanNumber(data, i)
	if !ok {
		return end, false
	}
	if p.kinds&(kNumber|kInteger) == 0 {
		fail(errType)
		return end, true
	}
	if f.Type == JSON {
		sl.off, sl.end = i, end
		return end, true
	}
	b.number(p, f, sl, data[i:end])
	return end, true
}

// str converts a string value (decoded) per the field type.
func (b *Batch) str(p *prop, f *Field, sl *slot, s []byte) {
	fail := func(c errCode) { sl.state, sl.code = bad, c }
	if p.minLen > 0 && utf8.RuneCount(s) < p.minLen {
		fail(errMinLen)
		return
	}
	switch f.Type {
	case String:
		if p.enum != nil && !inEnum(p.enum, s) {
			fail(errEnum)
		} else if p.pattern != nil && !p.pattern.Match(s) {
			fail(errPattern)
		}
		return
	case Date, Timestamp:
		if len(s) == 0 {
			sl.state = null
			return
		}
		var dt dateTime
		if f.Type == Date {
			switch {
			case !dateShape(s, &dt):
				fail(errPattern)
			case !dt.validDate():
				fail(errFormat)
			default:
				sl.v = daysFromCivil(dt.year, dt.month, dt.day)
			}
			return
		}
		switch {
		case !timestampShape(s, &dt):
			fail(errPattern)
		case !dt.validTimestamp():
			fail(errFormat)
		default:
			sl.v = dt.unixMicro(b.loc)
		}
	case Decimal:
		if len(s) == 0 {
			sl.state = null
			return
		}
		if !decimalShape(s, f.Precision, f.Scale) {
			fail(errPattern)
			return
		}
		var x dec
		x, _, b.numBuf = parseDec(s, b.numBuf)
		v, ok := x.scaled(f.Scale)
		if !ok {
			fail(errRange) // unreachable: the shape bounds digits
			return
		}
		sl.v = v
	default:
		fail(errType)
	}
}

// decimalShape is decimalPattern(p, s) for a non-empty string.
func decimalShape(s []byte, p, scale int) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	n := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		n++
	}
	if n < 1 || n > p-scale {
		return false
	}
	if i == len(s) {
		return true
	}
	if s[i] != '.' || scale == 0 {
		return false
	}
	i++
	n = 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		n++
	}
	return n >= 1 && n <= scale && i == len(s)
}

func inEnum(enum []string, s []byte) bool {
	for _, e := range enum {
		if string(s) == e {
			return true
		}
	}
	return false
}

// number converts a JSON number literal per the field type, exactly.
func (b *Batch) number(p *prop, f *Field, sl *slot, lit []byte) {
	fail := func(c errCode) { sl.state, sl.code = bad, c }
	var x dec
	var litExp int64
	x, litExp, b.numBuf = parseDec(lit, b.numBuf)
	if litExp > maxNumberExp || litExp < -maxNumberExp {
		fail(errRange)
		return
	}
	if f.Type == Int && x.fracDigits() > 0 {
		fail(errInteger)
		return
	}
	if p.min != nil && x.cmp(p.min) < 0 || p.max != nil && x.cmp(p.max) > 0 {
		fail(errRange)
		return
	}
	switch f.Type {
	case Int:
		v, _ := x.scaled(0) // bounds are within int64
		sl.v = v
	case Decimal:
		if x.fracDigits() > int64(f.Scale) {
			fail(errScale)
			return
		}
		v, _ := x.scaled(f.Scale)
		sl.v = v
	case Double:
		v, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(lit), len(lit)), 64)
		if err != nil && !isRangeUnderflow(v) {
			fail(errRange)
			return
		}
		sl.v = int64(math.Float64bits(v))
	default:
		fail(errType)
	}
}

// isRangeUnderflow: ParseFloat reports tiny values as 0 with no error and
// huge ones as ±Inf with ErrRange; bounds were checked exactly already.
func isRangeUnderflow(v float64) bool { return !math.IsInf(v, 0) }

func (b *Batch) reason(pi int, c errCode) string {
	p := &b.s.props[pi]
	f := &b.s.Fields[p.field]
	switch c {
	case errType:
		var want []string
		for k, name := range []string{"null", "boolean", "integer", "number", "string", "array", "object"} {
			if p.kinds&(1<<k) != 0 {
				want = append(want, name)
			}
		}
		return fmt.Sprintf("wrong JSON type for %s, want %s", f.TypeString(), strings.Join(want, " or "))
	case errMinLen:
		return fmt.Sprintf("shorter than %d characters", p.minLen)
	case errEnum:
		return "not one of the allowed values"
	case errPattern:
		switch f.Type {
		case Date:
			return "not a date YYYY-MM-DD or YYYY-MM-DDT00:00:00"
		case Timestamp:
			return "not a datetime YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±hh:mm]"
		case Decimal:
			return fmt.Sprintf("not a decimal string with at most %d integer and %d fractional digits", f.Precision-f.Scale, f.Scale)
		}
		return "does not match pattern " + p.pattern.String()
	case errFormat:
		if f.Type == Date {
			return errBadDate.Error()
		}
		return errBadTimestamp.Error()
	case errRange:
		return "number out of range for " + f.TypeString()
	case errScale:
		return fmt.Sprintf("more than %d fractional digits for %s (never rounded)", f.Scale, f.TypeString())
	case errInteger:
		return "not an integer"
	}
	return "invalid"
}

// flush appends the converted slots as one row.
func (b *Batch) flush(data []byte) {
	for fi := range b.s.Fields {
		f := &b.s.Fields[fi]
		c := &b.cols[fi]
		var sl *slot
		for _, pi := range b.fprops[fi] {
			if b.slots[pi].state == present {
				sl = &b.slots[pi]
				break
			}
		}
		if sl == nil {
			appendNull(c)
			continue
		}
		switch f.Type {
		case String, JSON:
			src := data
			if sl.scratch {
				src = b.scratch
			}
			c.str.BinaryBuilder.Append(src[sl.off:sl.end])
		case Int:
			c.i64.Append(sl.v)
		case Bool:
			c.bl.Append(sl.v == 1)
		case Date:
			c.d32.Append(arrow.Date32(sl.v))
		case Timestamp:
			c.ts.Append(arrow.Timestamp(sl.v))
		case Decimal:
			c.dec.Append(decimal128.FromI64(sl.v))
		case Double:
			c.f64.Append(math.Float64frombits(uint64(sl.v)))
		}
	}
}

func appendNull(c *column) {
	switch {
	case c.str != nil:
		c.str.AppendNull()
	case c.i64 != nil:
		c.i64.AppendNull()
	case c.i32 != nil:
		c.i32.AppendNull()
	case c.bl != nil:
		c.bl.AppendNull()
	case c.d32 != nil:
		c.d32.AppendNull()
	case c.ts != nil:
		c.ts.AppendNull()
	case c.dec != nil:
		c.dec.AppendNull()
	default:
		c.f64.AppendNull()
	}
}

func (b *Batch) appendMeta(raw []byte, m *Meta, deleted bool) {
	c := b.cols[len(b.s.Fields):]
	switch {
	case deleted:
		c[0].str.AppendNull()
	case b.s.Opaque:
		c[0].str.Append(opaqueText(raw))
	default:
		c[0].str.BinaryBuilder.Append(raw)
	}
	c[1].str.Append(m.Topic)
	c[2].i32.Append(m.Partition)
	c[3].i64.Append(m.Offset)
	c[4].ts.Append(arrow.Timestamp(m.Timestamp.UnixMicro()))
	c[5].str.BinaryBuilder.Append(m.Key)
	for j, v := range [][]byte{m.RecordHash, m.EventID, m.RecordID} {
		if v == nil {
			c[6+j].str.AppendNull()
		} else {
			c[6+j].str.BinaryBuilder.Append(v)
		}
	}
	c[9].bl.Append(deleted)
}

const base64Prefix = "base64:"

// opaqueText is how an opaque value (a dead letter's original bytes) is
// archived in the _raw string column: as is when it is valid UTF-8, else (or
// when it starts with the prefix itself) "base64:" + standard base64.
func opaqueText(raw []byte) string {
	if utf8.Valid(raw) && !bytes.HasPrefix(raw, []byte(base64Prefix)) {
		return string(raw)
	}
	return base64Prefix + base64.StdEncoding.EncodeToString(raw)
}

// DecodeOpaque reverses opaqueText: the original bytes of a dead letter's
// _raw column.
func DecodeOpaque(text string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(text, base64Prefix); ok {
		return base64.StdEncoding.DecodeString(rest)
	}
	return []byte(text), nil
}

// appendHeadersJSON renders the headers an opaque schema reads as the JSON
// object its properties describe: text headers as strings, int headers as
// numbers when they are one (else as a string, which fails validation with
// the field named). An empty header is null; the last header of a name wins.
func (s *Schema) appendHeadersJSON(dst []byte, hs []Header) []byte {
	dst = append(dst, '{')
	first := true
	for fi := range s.Fields {
		f := &s.Fields[fi]
		var v []byte
		found := false
		for _, h := range hs {
			if h.Key == f.Header {
				v, found = h.Value, true
			}
		}
		if !found {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		name, _ := json.Marshal(f.JSONName)
		dst = append(dst, name...)
		dst = append(dst, ':')
		switch {
		case len(v) == 0:
			dst = append(dst, "null"...)
		case f.Type == Int && validNumber(v):
			dst = append(dst, v...)
		default:
			q, _ := json.Marshal(string(v))
			dst = append(dst, q...)
		}
	}
	return append(dst, '}')
}

// ValidateHeaders validates the headers of a message of an opaque schema
// (dlq) with the library: the extractor calls it before it produces a dead
// letter.
func (s *Schema) ValidateHeaders(hs []Header) error {
	return s.Validate(s.appendHeadersJSON(nil, hs))
}
