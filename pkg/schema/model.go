package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Type is the logical type of an archive column, the value of a property's
// x-type keyword.
type Type uint8

// The logical types. Their Arrow and Parquet forms are fixed (see ArrowType
// and the package documentation).
const (
	String    Type = iota + 1 // x-type "string": UTF-8 text
	Int                       // "int": 64-bit signed integer
	Bool                      // "bool": JSON boolean
	Date                      // "date": calendar date, days since 1970-01-01
	Timestamp                 // "timestamp": instant, microseconds since the epoch, UTC
	Decimal                   // "decimal(p,s)": exact decimal, p <= 18, stored as int64
	Double                    // "double": IEEE 754 (coordinates only, never money)
	JSON                      // "json": any JSON value, archived as its JSON text
	int32Type                 // archive metadata only (_kafka_partition)
)

// String returns the x-type spelling (decimal without precision).
func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Int:
		return "int"
	case Bool:
		return "bool"
	case Date:
		return "date"
	case Timestamp:
		return "timestamp"
	case Decimal:
		return "decimal"
	case Double:
		return "double"
	case JSON:
		return "json"
	case int32Type:
		return "int32"
	}
	return "invalid"
}

// PIIClass says what kind of personal data a field holds; the extractor's PII
// policy acts on it (identifiers hashed, bank details dropped by default).
type PIIClass string

// The PII classes of x-pii.
const (
	PIINone       PIIClass = "none"       // not personal, or only a name/work contact
	PIIIdentifier PIIClass = "identifier" // national identifiers: SSN, national ID, alien number, I-9 documents
	PIISensitive  PIIClass = "sensitive"  // birth date, home address/phone, personal email, demographics, health, military, pay
	PIIAccount    PIIClass = "account"    // bank account identifiers: account, routing and institution numbers, IBAN, SWIFT
	PIIBank       PIIClass = "bank"       // other bank, direct-deposit and check-cashing details
)

func (c PIIClass) valid() bool {
	switch c {
	case PIINone, PIIIdentifier, PIISensitive, PIIAccount, PIIBank:
		return true
	}
	return false
}

// Version is a schema version, <major>.<minor>.
type Version struct{ Major, Minor int }

func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// Less orders versions.
func (v Version) Less(o Version) bool {
	return v.Major < o.Major || v.Major == o.Major && v.Minor < o.Minor
}

// ParseVersion parses "1.0" (an optional leading "v" is accepted).
func ParseVersion(s string) (Version, error) {
	s = strings.TrimPrefix(s, "v")
	ma, mi, ok := strings.Cut(s, ".")
	if !ok {
		return Version{}, fmt.Errorf("version %q: want <major>.<minor>", s)
	}
	a, err1 := strconv.Atoi(ma)
	b, err2 := strconv.Atoi(mi)
	if err1 != nil || err2 != nil || a < 1 || b < 0 {
		return Version{}, fmt.Errorf("version %q: want <major>.<minor> with major >= 1", s)
	}
	return Version{a, b}, nil
}

// Field is one archive column and the JSON properties that feed it: the
// property JSONName and, for the API's spelling conflicts, its Aliases
// (person-details nameSufixCode / nameSuffixCode). When a record carries
// several of them, the first non-null in declaration order wins.
type Field struct {
	JSONName    string
	Aliases     []string
	Column      string // snake_case Parquet/Arrow column
	Type        Type
	Precision   int // Decimal only
	Scale       int // Decimal only
	PII         PIIClass
	Nullable    bool   // the JSON type admits null (or a blank "" for date, timestamp, decimal)
	Required    bool   // the property must be present
	Header      string // dlq: the Kafka header the value comes from
	Description string
}

// TypeString is the x-type spelling, e.g. "decimal(18,4)".
func (f *Field) TypeString() string {
	if f.Type == Decimal {
		return fmt.Sprintf("decimal(%d,%d)", f.Precision, f.Scale)
	}
	return f.Type.String()
}

// KeyFields names the properties the message key <company>/<employee> is
// built from (x-key).
type KeyFields struct {
	Company  string `json:"company"`
	Employee string `json:"employee"`
}

// Schema is one released version of one topic's value schema. It is
// immutable after Load and safe for concurrent use.
type Schema struct {
	Name        string // topic name without prefix: employees, people, ...
	Version     Version
	Title       string
	Description string
	Source      string // x-source: the UKG endpoint
	Fields      []Field
	KeyFields   KeyFields // zero for dlq and configuration topics
	// CodeKey lists the properties whose values, joined by "/", make the
	// message key of a configuration topic (x-code-key: org-levels
	// ["level", "code"] gives "2/WHS"); nil elsewhere.
	CodeKey  []string
	RowKey   string // x-row-key (job-history: systemId)
	Opaque   bool   // x-value "opaque" (dlq): the value is bytes, the fields come from headers
	Examples []json.RawMessage
	Doc      []byte // the schema file as embedded

	props     []prop         // one per JSON property, aliases included, in declaration order
	propIndex map[string]int // JSON name -> index in props
	needsLib  bool           // some constraint only the library checks (nested json)
	compiled  *jsonschema.Schema
}

// ID is the schema's name and version as carried in the ukg_schema header:
// "employees/v1.0".
func (s *Schema) ID() string { return s.Name + "/v" + s.Version.String() }

// Field returns the field fed by the JSON property name (or alias), or nil.
func (s *Schema) Field(jsonName string) *Field {
	i, ok := s.propIndex[jsonName]
	if !ok {
		return nil
	}
	return &s.Fields[s.props[i].field]
}

// PIIClasses maps every JSON property name, aliases included, to its PII
// class. The map is a fresh copy the caller may keep.
func (s *Schema) PIIClasses() map[string]PIIClass {
	m := make(map[string]PIIClass, len(s.props))
	for i := range s.props {
		m[s.props[i].name] = s.Fields[s.props[i].field].PII
	}
	return m
}

// jsonKinds is a bit set of JSON value kinds a property's "type" admits.
type jsonKinds uint8

const (
	kNull jsonKinds = 1 << iota
	kBool
	kInteger // "integer": a number with an integral value
	kNumber
	kString
	kArray
	kObject
)

var kindNames = map[string]jsonKinds{
	"null": kNull, "boolean": kBool, "integer": kInteger, "number": kNumber,
	"string": kString, "array": kArray, "object": kObject,
}

// prop is one JSON property with the constraints the fast path enforces.
type prop struct {
	name     string
	field    int
	kinds    jsonKinds
	required bool
	minLen   int
	enum     []string // string values; null admitted only through kinds
	pattern  *regexp.Regexp
	canon    bool // pattern is the canonical one of the x-type (checked by hand, not by regexp)
	min, max *dec
}

// The canonical patterns of the typed string forms. Load insists on exactly
// these, so that the hand-written checks of the fast path and the regexps the
// library runs are provably the same language (TestPatternsAgree, FuzzAgree).
const (
	datePattern      = `^([0-9]{4}-[0-9]{2}-[0-9]{2}(T00:00:00)?)?$`
	timestampPattern = `^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})?)?$`
	dateFormat       = "ukg-date"
	timestampFormat  = "ukg-timestamp"
)

func decimalPattern(p, s int) string {
	if s == 0 {
		return fmt.Sprintf(`^(-?[0-9]{1,%d})?$`, p)
	}
	return fmt.Sprintf(`^(-?[0-9]{1,%d}(\.[0-9]{1,%d})?)?$`, p-s, s)
}

func decimalMax(p, s int) string {
	m := strings.Repeat("9", p-s)
	if s > 0 {
		m += "." + strings.Repeat("9", s)
	}
	return m
}

var xTypeRE = regexp.MustCompile(`^decimal\((\d+),(\d+)\)$`)

func parseXType(s string) (t Type, p, sc int, err error) {
	switch s {
	case "string":
		return String, 0, 0, nil
	case "int":
		return Int, 0, 0, nil
	case "bool":
		return Bool, 0, 0, nil
	case "date":
		return Date, 0, 0, nil
	case "timestamp":
		return Timestamp, 0, 0, nil
	case "double":
		return Double, 0, 0, nil
	case "json":
		return JSON, 0, 0, nil
	}
	m := xTypeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, 0, fmt.Errorf("x-type %q: want string, int, bool, date, timestamp, double, json or decimal(p,s)", s)
	}
	p, _ = strconv.Atoi(m[1])
	sc, _ = strconv.Atoi(m[2])
	if p < 1 || p > 18 || sc > p {
		return 0, 0, 0, fmt.Errorf("x-type %q: want 1 <= p <= 18 (int64 storage) and s <= p", s)
	}
	return Decimal, p, sc, nil
}

// Keywords a property may carry. Anything else is a Load error, so the fast
// path never silently ignores a constraint the library enforces.
var propKeywords = map[string]bool{
	"type": true, "description": true, "title": true, "$comment": true, "examples": true, "deprecated": true,
	"pattern": true, "format": true, "minimum": true, "maximum": true, "multipleOf": true,
	"minLength": true, "enum": true,
	"x-column": true, "x-type": true, "x-pii": true, "x-header": true,
}

// Keywords only an x-type json property may carry; the library checks them.
var nestedKeywords = map[string]bool{
	"items": true, "prefixItems": true, "properties": true, "required": true, "additionalProperties": true,
	"minItems": true, "maxItems": true, "uniqueItems": true, "contains": true,
}

var rootKeywords = map[string]bool{
	"$schema": true, "$id": true, "title": true, "description": true, "$comment": true,
	"type": true, "required": true, "properties": true, "additionalProperties": true, "examples": true,
	"x-topic": true, "x-version": true, "x-source": true, "x-key": true, "x-row-key": true, "x-value": true,
	"x-code-key": true,
}

var columnRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// parseSchema builds the model from one schema document and checks that its
// annotations and constraints agree. It does not compile the document.
func parseSchema(doc []byte) (*Schema, error) {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(doc, &root); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	for k := range root {
		if !rootKeywords[k] {
			return nil, fmt.Errorf("keyword %q not supported at the root", k)
		}
	}
	var head struct {
		Title       string            `json:"title"`
		Description string            `json:"description"`
		Topic       string            `json:"x-topic"`
		Version     string            `json:"x-version"`
		Source      string            `json:"x-source"`
		Key         *KeyFields        `json:"x-key"`
		CodeKey     []string          `json:"x-code-key"`
		RowKey      string            `json:"x-row-key"`
		Value       string            `json:"x-value"`
		Type        string            `json:"type"`
		Required    []string          `json:"required"`
		Additional  *bool             `json:"additionalProperties"`
		Examples    []json.RawMessage `json:"examples"`
	}
	if err := json.Unmarshal(doc, &head); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if head.Topic == "" {
		return nil, fmt.Errorf("x-topic missing")
	}
	v, err := ParseVersion(head.Version)
	if err != nil {
		return nil, fmt.Errorf("x-version: %w", err)
	}
	if head.Type != "object" {
		return nil, fmt.Errorf(`type must be "object"`)
	}
	if head.Additional != nil && !*head.Additional {
		return nil, fmt.Errorf("additionalProperties must be true: UKG adds fields and they must survive in _raw")
	}
	if len(head.Examples) == 0 {
		return nil, fmt.Errorf("examples missing: every schema carries at least one example message")
	}
	switch head.Value {
	case "", "opaque":
	default:
		return nil, fmt.Errorf(`x-value %q: want "opaque" or nothing`, head.Value)
	}
	s := &Schema{
		Name: head.Topic, Version: v, Title: head.Title, Description: head.Description,
		Source: head.Source, RowKey: head.RowKey, CodeKey: head.CodeKey, Opaque: head.Value == "opaque",
		Examples: head.Examples, Doc: doc, propIndex: map[string]int{},
	}
	if head.Key != nil {
		s.KeyFields = *head.Key
	}
	names, err := orderedKeys(root["properties"])
	if err != nil {
		return nil, fmt.Errorf("properties: %w", err)
	}
	var props map[string]map[string]json.RawMessage
	if err := json.Unmarshal(root["properties"], &props); err != nil {
		return nil, fmt.Errorf("properties: %w", err)
	}
	required := map[string]bool{}
	for _, r := range head.Required {
		required[r] = true
	}
	byColumn := map[string]int{}
	for _, name := range names {
		p, f, err := parseProp(name, props[name], required[name])
		if err != nil {
			return nil, fmt.Errorf("property %s: %w", name, err)
		}
		if s.Opaque != (f.Header != "") {
			return nil, fmt.Errorf("property %s: x-header is required exactly on x-value opaque schemas", name)
		}
		if i, ok := byColumn[f.Column]; ok { // an alias of an earlier property
			g := &s.Fields[i]
			if g.TypeString() != f.TypeString() || g.PII != f.PII || g.Nullable != f.Nullable {
				return nil, fmt.Errorf("property %s: alias of %s (column %s) must have the same x-type, x-pii and nullability", name, g.JSONName, f.Column)
			}
			if f.Required || g.Required {
				return nil, fmt.Errorf("property %s: aliased properties cannot be required", name)
			}
			g.Aliases = append(g.Aliases, name)
			p.field = i
		} else {
			p.field = len(s.Fields)
			byColumn[f.Column] = p.field
			s.Fields = append(s.Fields, f)
		}
		if s.Fields[p.field].Type == JSON && hasNested(props[name]) {
			s.needsLib = true
		}
		s.propIndex[name] = len(s.props)
		s.props = append(s.props, p)
	}
	for r := range required {
		if _, ok := s.propIndex[r]; !ok {
			return nil, fmt.Errorf("required property %s is not declared", r)
		}
	}
	for _, k := range append([]string{s.KeyFields.Company, s.KeyFields.Employee, s.RowKey}, s.CodeKey...) {
		if k == "" {
			continue
		}
		// Row and code keys may also be integers (contracts'
		// employmentContractId, org-levels' level).
		f := s.Field(k)
		intOK := k != s.KeyFields.Company && k != s.KeyFields.Employee && f != nil && f.Type == Int
		if f == nil || f.Type != String && !intOK || f.Nullable || !required[k] {
			return nil, fmt.Errorf("key property %s must be a declared, required, non-null string", k)
		}
	}
	if (s.KeyFields.Company == "") != (s.KeyFields.Employee == "") {
		return nil, fmt.Errorf("x-key needs both company and employee")
	}
	if len(s.CodeKey) > 0 && (s.KeyFields.Company != "" || s.RowKey != "") {
		return nil, fmt.Errorf("x-code-key excludes x-key and x-row-key")
	}
	return s, nil
}

func hasNested(raw map[string]json.RawMessage) bool {
	for k := range raw {
		if nestedKeywords[k] {
			return true
		}
	}
	return false
}

func parseProp(name string, raw map[string]json.RawMessage, required bool) (prop, Field, error) {
	p := prop{name: name, required: required, field: -1}
	var f Field
	var xt string
	for k := range raw {
		if !propKeywords[k] && !nestedKeywords[k] {
			return p, f, fmt.Errorf("keyword %q is not supported (the fast path could not enforce it)", k)
		}
	}
	str := func(k string, dst *string) error {
		if b, ok := raw[k]; ok {
			if err := json.Unmarshal(b, dst); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		return nil
	}
	var pii, pattern, format string
	for _, kv := range []struct {
		k   string
		dst *string
	}{{"x-type", &xt}, {"x-column", &f.Column}, {"x-pii", &pii}, {"x-header", &f.Header},
		{"description", &f.Description}, {"pattern", &pattern}, {"format", &format}} {
		if err := str(kv.k, kv.dst); err != nil {
			return p, f, err
		}
	}
	f.JSONName = name
	f.Required = required
	f.PII = PIIClass(pii)
	if !f.PII.valid() {
		return p, f, fmt.Errorf("x-pii %q: want none, identifier, sensitive or bank", pii)
	}
	if !columnRE.MatchString(f.Column) || strings.HasPrefix(f.Column, "_") {
		return p, f, fmt.Errorf("x-column %q: want snake_case, not starting with _ (reserved for metadata)", f.Column)
	}
	var err error
	if f.Type, f.Precision, f.Scale, err = parseXType(xt); err != nil {
		return p, f, err
	}
	// type
	var types []string
	if b, ok := raw["type"]; ok {
		var one string
		if json.Unmarshal(b, &one) == nil {
			types = []string{one}
		} else if err := json.Unmarshal(b, &types); err != nil {
			return p, f, fmt.Errorf("type: %w", err)
		}
	}
	for _, t := range types {
		k, ok := kindNames[t]
		if !ok {
			return p, f, fmt.Errorf("type %q unknown", t)
		}
		p.kinds |= k
	}
	if p.kinds == 0 {
		return p, f, fmt.Errorf("type missing")
	}
	if b, ok := raw["minLength"]; ok {
		if err := json.Unmarshal(b, &p.minLen); err != nil || p.minLen < 0 {
			return p, f, fmt.Errorf("minLength: want a non-negative integer")
		}
	}
	if b, ok := raw["enum"]; ok {
		if err := json.Unmarshal(b, &p.enum); err != nil {
			return p, f, fmt.Errorf("enum: only strings are supported: %w", err)
		}
		if f.Type != String {
			return p, f, fmt.Errorf("enum is supported on x-type string only")
		}
	}
	for _, mm := range []struct {
		k   string
		dst **dec
	}{{"minimum", &p.min}, {"maximum", &p.max}} {
		if b, ok := raw[mm.k]; ok {
			d, ok := parseDecLiteral(bytes.TrimSpace(b))
			if !ok {
				return p, f, fmt.Errorf("%s: not a number", mm.k)
			}
			*mm.dst = &d
		}
	}
	multipleOf := ""
	if b, ok := raw["multipleOf"]; ok {
		multipleOf = string(bytes.TrimSpace(b))
	}
	if pattern != "" {
		if p.pattern, err = regexp.Compile(pattern); err != nil {
			return p, f, fmt.Errorf("pattern: %w", err)
		}
	}
	f.Nullable = p.kinds&kNull != 0
	only := func(allowed jsonKinds, must jsonKinds) error {
		if p.kinds&^allowed != 0 || p.kinds&must != must {
			return fmt.Errorf("type %v does not fit x-type %s", types, f.TypeString())
		}
		return nil
	}
	noNumeric := func() error {
		if p.min != nil || p.max != nil || multipleOf != "" {
			return fmt.Errorf("minimum/maximum/multipleOf do not apply to x-type %s", f.TypeString())
		}
		return nil
	}
	blankIsNull := false
	switch f.Type {
	case String:
		if err := only(kString|kNull, kString); err != nil {
			return p, f, err
		}
		if err := noNumeric(); err != nil {
			return p, f, err
		}
		if format != "" {
			return p, f, fmt.Errorf("format is not supported on x-type string")
		}
	case Bool:
		if err := only(kBool|kNull, kBool); err != nil {
			return p, f, err
		}
		if err := noNumeric(); err != nil {
			return p, f, err
		}
	case Int:
		if err := only(kInteger|kNull, kInteger); err != nil {
			return p, f, err
		}
		if p.min == nil || p.max == nil || p.min.cmp(&minInt64Dec) < 0 || p.max.cmp(&maxInt64Dec) > 0 || multipleOf != "" {
			return p, f, fmt.Errorf("x-type int needs minimum and maximum within int64 and no multipleOf")
		}
	case Double:
		if err := only(kNumber|kNull, kNumber); err != nil {
			return p, f, err
		}
		if p.min == nil || p.max == nil || multipleOf != "" || p.max.exp10() > 300 || p.min.exp10() > 300 {
			return p, f, fmt.Errorf("x-type double needs finite minimum and maximum (|x| < 1e300) and no multipleOf")
		}
	case Decimal:
		if err := only(kNumber|kString|kNull, kNumber); err != nil {
			return p, f, err
		}
		wantMult := "1"
		if f.Scale > 0 {
			wantMult = "0." + strings.Repeat("0", f.Scale-1) + "1"
		}
		mx, _ := parseDecLiteral([]byte(decimalMax(f.Precision, f.Scale)))
		mn := mx
		mn.neg = true
		if multipleOf != wantMult || p.max == nil || p.min == nil || p.max.cmp(&mx) != 0 || p.min.cmp(&mn) != 0 {
			return p, f, fmt.Errorf("x-type %s needs multipleOf %s, maximum %s and minimum -%s",
				f.TypeString(), wantMult, decimalMax(f.Precision, f.Scale), decimalMax(f.Precision, f.Scale))
		}
		if p.kinds&kString != 0 {
			if pattern != decimalPattern(f.Precision, f.Scale) {
				return p, f, fmt.Errorf("x-type %s admitting strings needs pattern %s", f.TypeString(), decimalPattern(f.Precision, f.Scale))
			}
			p.canon = true
			blankIsNull = true
		}
	case Date, Timestamp:
		if err := only(kString|kNull, kString); err != nil {
			return p, f, err
		}
		if err := noNumeric(); err != nil {
			return p, f, err
		}
		wantP, wantF := datePattern, dateFormat
		if f.Type == Timestamp {
			wantP, wantF = timestampPattern, timestampFormat
		}
		if pattern != wantP || format != wantF {
			return p, f, fmt.Errorf("x-type %s needs pattern %s and format %s", f.Type, wantP, wantF)
		}
		p.canon = true
		blankIsNull = true
	case JSON:
		if err := noNumeric(); err != nil {
			return p, f, err
		}
		if pattern != "" || format != "" || p.minLen > 0 || p.enum != nil {
			return p, f, fmt.Errorf("x-type json supports nested keywords (items, properties...) only")
		}
	}
	if f.Type != JSON && hasNested(raw) {
		return p, f, fmt.Errorf("nested keywords apply to x-type json only")
	}
	if (p.minLen > 0 || p.enum != nil || p.pattern != nil) && p.kinds&kString == 0 {
		return p, f, fmt.Errorf("string keywords need a string type")
	}
	if format != "" && !p.canon {
		return p, f, fmt.Errorf("format %q is not supported here", format)
	}
	if blankIsNull && !f.Nullable && p.minLen < 1 {
		// "" converts to null; a non-null column must then forbid it.
		return p, f, fmt.Errorf("a non-null %s admitting strings needs minLength 1 (a blank converts to null)", f.TypeString())
	}
	if blankIsNull && p.minLen < 1 || !required {
		f.Nullable = true // a blank converts to null; an absent property is null
	}
	return p, f, nil
}

// orderedKeys returns the keys of a JSON object in document order.
func orderedKeys(obj json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not an object")
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k := t.(string)
		if slices.Contains(keys, k) {
			return nil, fmt.Errorf("duplicate property %s", k)
		}
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}
