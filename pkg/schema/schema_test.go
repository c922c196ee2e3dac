package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
)

var (
	regOnce sync.Once
	testReg *Registry
	regErr  error
)

func registry(t testing.TB) *Registry {
	t.Helper()
	regOnce.Do(func() { testReg, regErr = Load() })
	if regErr != nil {
		t.Fatal(regErr)
	}
	return testReg
}

func topic(t testing.TB, name string) *Schema {
	t.Helper()
	s := registry(t).Topic(name)
	if s == nil {
		t.Fatalf("no schema %s", name)
	}
	return s
}

// headersOf turns a dlq example (the headers as a JSON object) back into
// Kafka headers, using the x-header names.
func headersOf(t testing.TB, s *Schema, doc []byte) []Header {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	var hs []Header
	for _, f := range s.Fields {
		if v, ok := m[f.JSONName]; ok && v != nil {
			hs = append(hs, Header{Key: f.Header, Value: []byte(fmt.Sprint(v))})
		}
	}
	return hs
}

func meta(key string) Meta {
	return Meta{Topic: "ukgpro.t", Partition: 1, Offset: 7, Timestamp: time.Date(2024, 7, 2, 3, 0, 0, 0, time.UTC), Key: []byte(key)}
}

func TestTopicsAndVersions(t *testing.T) {
	reg := registry(t)
	want := []string{"companies", "compensation", "contacts", "contracts", "direct-deposit", "dlq", "employees",
		"global-banks", "job-history", "jobs", "lifecycle", "locations", "org-levels", "people", "positions", "pto-plans"}
	if got := reg.Names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("topics = %v, want %v", got, want)
	}
	for _, n := range want {
		s := reg.Topic(n)
		if !strings.HasPrefix(s.ID(), n+"/v") {
			t.Errorf("%s: ID %q", n, s.ID())
		}
		got, err := reg.Lookup(s.ID())
		if err != nil || got != s {
			t.Errorf("Lookup(%s) = %v, %v", s.ID(), got, err)
		}
	}
	if _, err := reg.Lookup("employees/v9.9"); err == nil {
		t.Error("Lookup of an unreleased version succeeded")
	}
}

func TestKeyFieldsFollowAPICasing(t *testing.T) {
	// ukgpro-api.md §2: companyID/employeeID on E2 and E5, companyId/employeeId on E4 and E6.
	for name, want := range map[string]KeyFields{
		"employees":    {"companyID", "employeeID"},
		"compensation": {"companyID", "employeeID"},
		"people":       {"companyId", "employeeId"},
		"job-history":  {"companyId", "employeeId"},
		"lifecycle":    {"companyId", "employeeId"},
	} {
		if got := topic(t, name).KeyFields; got != want {
			t.Errorf("%s: key fields %+v, want %+v", name, got, want)
		}
	}
	if rk := topic(t, "job-history").RowKey; rk != "systemId" {
		t.Errorf("job-history row key %q, want systemId", rk)
	}
}

// Every example of every released version validates with the library and
// converts with the fast path.
func TestExamplesValidateAndConvert(t *testing.T) {
	reg := registry(t)
	for _, n := range reg.Names() {
		for _, s := range reg.Versions(n) {
			b := NewBatch(s, memory.DefaultAllocator)
			for i, ex := range s.Examples {
				m := meta("Q4T9Z/B7QX2K0000A1")
				if s.Opaque {
					m.Headers = headersOf(t, s, ex)
					if err := s.ValidateHeaders(m.Headers); err != nil {
						t.Errorf("%s example %d: ValidateHeaders: %v", s.ID(), i, err)
					}
				} else if err := s.Validate(ex); err != nil {
					t.Errorf("%s example %d: Validate: %v", s.ID(), i, err)
				}
				if err := b.Append(ex, m); err != nil {
					t.Errorf("%s example %d: Append: %v", s.ID(), i, err)
				}
			}
			rec := b.NewRecord()
			if int(rec.NumRows()) != len(s.Examples) {
				t.Errorf("%s: %d rows, want %d", s.ID(), rec.NumRows(), len(s.Examples))
			}
			rec.Release()
			b.Release()
		}
	}
}

func TestPIIClasses(t *testing.T) {
	reg := registry(t)
	identifiers := map[string]bool{}
	banks := map[string]bool{}
	accounts := map[string]bool{}
	for _, n := range reg.Names() {
		for name, c := range reg.Topic(n).PIIClasses() {
			switch c {
			case PIIIdentifier:
				identifiers[name] = true
			case PIIBank:
				banks[name] = true
			case PIIAccount:
				accounts[name] = true
			}
		}
	}
	// Every bank account identifier of ukgpro-api-more.md B1 and B2 is
	// classed account (keyed hash plus a last-4 field by default).
	wantAccounts := map[string]bool{"account": true, "employeeBankRoutingNumber": true, "employeeInstitutionNumber": true,
		"foreignAccountNumber": true, "bankAccountNumber": true, "iban": true, "swiftCode": true}
	if !reflect.DeepEqual(accounts, wantAccounts) {
		t.Errorf("account fields = %v, want %v", accounts, wantAccounts)
	}
	for _, f := range []string{"healthCareId"} {
		if !identifiers[f] {
			t.Errorf("%s is not classed identifier", f)
		}
	}
	for _, f := range []string{"ssn", "nationalId", "previousSSN", "i9AlienNumber"} {
		if !identifiers[f] {
			t.Errorf("%s is not classed identifier", f)
		}
	}
	// chkCashingInstCode is the only bank detail in ukgpro-api.md §7 for our
	// endpoints; B1 and B2 (ukgpro-api-more.md §5) add the bank's name, ids
	// and requirements.
	want := map[string]bool{"chkCashingInstCode": true, "employeeBankId": true, "employeeBankName": true,
		"bankName": true, "bankBranch": true, "bankCountryCode": true, "bankAccountType": true, "bankAccountTypeDescription": true}
	for i := 1; i <= 3; i++ {
		for _, f := range []string{"bankRequirement", "bankRequestCode", "bankRequestLabel"} {
			want[f+strconv.Itoa(i)] = true
		}
	}
	if !reflect.DeepEqual(banks, want) {
		t.Errorf("bank fields = %v, want %v", banks, want)
	}
	people := topic(t, "people").PIIClasses()
	for _, f := range []string{"dateOfBirth", "addressLine1", "homePhone", "gender", "maritalStatusCode", "emailAddressAlternate", "nameSuffixCode"} {
		want := PIISensitive
		if f == "nameSuffixCode" {
			want = PIINone
		}
		if people[f] != want {
			t.Errorf("people %s: %q, want %q", f, people[f], want)
		}
	}
	for _, topicName := range []string{"employees", "compensation", "job-history"} {
		if c := topic(t, topicName).PIIClasses()["annualSalary"]; c != PIISensitive {
			t.Errorf("%s annualSalary: %q, want sensitive (pay amount)", topicName, c)
		}
	}
	// The map is a copy.
	m := topic(t, "people").PIIClasses()
	m["ssn"] = PIINone
	if topic(t, "people").PIIClasses()["ssn"] != PIIIdentifier {
		t.Error("PIIClasses returned shared state")
	}
}

func TestAliasesShareOneColumn(t *testing.T) {
	s := topic(t, "people")
	for _, tc := range []struct{ a, b, col string }{
		{"nameSufixCode", "nameSuffixCode", "name_suffix_code"},
		{"ethnicIDCode", "ethnicIdCode", "ethnic_id_code"},
		{"datetimeChanged", "dateTimeChanged", "date_time_changed"},
	} {
		fa, fb := s.Field(tc.a), s.Field(tc.b)
		if fa == nil || fa != fb || fa.Column != tc.col {
			t.Errorf("%s/%s: fields %v %v, want one field with column %s", tc.a, tc.b, fa, fb, tc.col)
		}
	}
	b := NewBatch(s, nil)
	defer b.Release()
	for _, raw := range []string{
		`{"companyId":"C","employeeId":"E","nameSufixCode":"JR"}`,
		`{"companyId":"C","employeeId":"E","nameSuffixCode":"JR"}`,
		`{"companyId":"C","employeeId":"E","nameSufixCode":null,"nameSuffixCode":"JR"}`,
	} {
		if err := b.Append([]byte(raw), meta("C/E")); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
	}
	rec := b.NewRecord()
	defer rec.Release()
	col := columnByName(t, rec, "name_suffix_code")
	for i := 0; i < col.Len(); i++ {
		if got := col.ValueStr(i); got != "JR" {
			t.Errorf("row %d: name_suffix_code = %q, want JR", i, got)
		}
	}
}

func columnByName(t testing.TB, rec arrow.RecordBatch, name string) arrow.Array {
	t.Helper()
	idx := rec.Schema().FieldIndices(name)
	if len(idx) != 1 {
		t.Fatalf("column %s: indices %v", name, idx)
	}
	return rec.Column(idx[0])
}

// jsonProp is a property as the schema file states it, read without the
// model, so the derived schemas are checked against the file itself.
type jsonProp struct {
	name, column, xtype string
	nullable            bool
}

func fileColumns(t *testing.T, s *Schema) []jsonProp {
	t.Helper()
	var doc struct {
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(s.Doc, &doc); err != nil {
		t.Fatal(err)
	}
	// property order from the file text
	var raw struct {
		Properties json.RawMessage `json:"properties"`
	}
	_ = json.Unmarshal(s.Doc, &raw)
	dec := json.NewDecoder(bytes.NewReader(raw.Properties))
	_, _ = dec.Token()
	var out []jsonProp
	seen := map[string]bool{}
	for dec.More() {
		tok, _ := dec.Token()
		name := tok.(string)
		var p struct {
			Type      any    `json:"type"`
			Column    string `json:"x-column"`
			XType     string `json:"x-type"`
			MinLength int    `json:"minLength"`
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if seen[p.Column] { // alias
			continue
		}
		seen[p.Column] = true
		nullable := !contains(doc.Required, name) || strings.Contains(fmt.Sprint(p.Type), "null") ||
			(p.MinLength == 0 && (p.XType == "date" || p.XType == "timestamp" || strings.HasPrefix(p.XType, "decimal") && strings.Contains(fmt.Sprint(p.Type), "string")))
		out = append(out, jsonProp{name, p.Column, p.XType, nullable})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The Arrow and Parquet schemas derived for every topic match the JSON
// Schema file column for column (name, type, nullability), then the
// metadata columns.
func TestDerivedSchemasMatchJSONSchema(t *testing.T) {
	wantArrow := func(xtype string) arrow.DataType {
		switch xtype {
		case "string", "json":
			return arrow.BinaryTypes.String
		case "int":
			return arrow.PrimitiveTypes.Int64
		case "bool":
			return arrow.FixedWidthTypes.Boolean
		case "date":
			return arrow.FixedWidthTypes.Date32
		case "timestamp":
			return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		case "double":
			return arrow.PrimitiveTypes.Float64
		}
		var p, s int32
		if _, err := fmt.Sscanf(xtype, "decimal(%d,%d)", &p, &s); err != nil {
			t.Fatalf("x-type %q", xtype)
		}
		return &arrow.Decimal128Type{Precision: p, Scale: s}
	}
	wantParquet := func(xtype string) string { // physical type and logical annotation as parquet-go prints them
		switch xtype {
		case "string", "json":
			return "binary (STRING)"
		case "int":
			return "int64 (INT(64,true))"
		case "bool":
			return "boolean"
		case "date":
			return "int32 (DATE)"
		case "timestamp":
			return "int64 (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS))"
		case "double":
			return "double"
		}
		var p, s int
		_, _ = fmt.Sscanf(xtype, "decimal(%d,%d)", &p, &s)
		return fmt.Sprintf("int64 (DECIMAL(%d,%d))", p, s)
	}
	meta := []struct {
		name, parquet string
		arrow         arrow.DataType
		nullable      bool
	}{
		{"_raw", "binary (STRING)", arrow.BinaryTypes.String, true},
		{"_kafka_topic", "binary (STRING)", arrow.BinaryTypes.String, false},
		{"_kafka_partition", "int32 (INT(32,true))", arrow.PrimitiveTypes.Int32, false},
		{"_kafka_offset", "int64 (INT(64,true))", arrow.PrimitiveTypes.Int64, false},
		{"_kafka_timestamp", "int64 (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS))", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, false},
		{"_key", "binary (STRING)", arrow.BinaryTypes.String, false},
		{"_record_hash", "binary (STRING)", arrow.BinaryTypes.String, true},
		{"_event_id", "binary (STRING)", arrow.BinaryTypes.String, true},
		{"_record_id", "binary (STRING)", arrow.BinaryTypes.String, true},
		{"_deleted", "boolean", arrow.FixedWidthTypes.Boolean, false},
	}
	reg := registry(t)
	for _, n := range reg.Names() {
		for _, s := range reg.Versions(n) {
			t.Run(s.ID(), func(t *testing.T) {
				cols := fileColumns(t, s)
				as := s.ArrowSchema()
				pq, err := archive.ParquetSchema(s.Name, as, archive.SchemaOptions{})
				if err != nil {
					t.Fatal(err)
				}
				leaves := pq.Fields()
				if as.NumFields() != len(cols)+len(meta) || len(leaves) != as.NumFields() {
					t.Fatalf("arrow %d, parquet %d columns, want %d", as.NumFields(), len(leaves), len(cols)+len(meta))
				}
				for i := 0; i < as.NumFields(); i++ {
					af := as.Field(i)
					var name, pqType string
					var at arrow.DataType
					var nullable bool
					if i < len(cols) {
						c := cols[i]
						// Every field column is nullable in the archive: a
						// deletion row has no values (c.nullable is the JSON
						// contract, checked by Validate).
						name, at, pqType, nullable = c.column, wantArrow(c.xtype), wantParquet(c.xtype), true
						if f := s.Fields[i]; f.Nullable != c.nullable {
							t.Errorf("field %s nullable=%v, want %v", f.Column, f.Nullable, c.nullable)
						}
					} else {
						m := meta[i-len(cols)]
						name, at, pqType, nullable = m.name, m.arrow, m.parquet, m.nullable
					}
					if af.Name != name || !arrow.TypeEqual(af.Type, at) || af.Nullable != nullable {
						t.Errorf("arrow column %d = %s %s nullable=%v, want %s %s nullable=%v", i, af.Name, af.Type, af.Nullable, name, at, nullable)
					}
					// Every Parquet column is OPTIONAL (decision 0048);
					// NOT NULL lives in the Arrow schema and the DDL.
					want := fmt.Sprintf("optional %s %s", strings.Fields(pqType)[0], name)
					if rest := strings.Fields(pqType)[1:]; len(rest) > 0 {
						want += " " + strings.Join(rest, " ")
					}
					if got := strings.TrimSuffix(strings.TrimSpace(parquetLeafString(leaves[i])), ";"); got != want || leaves[i].Name() != name {
						t.Errorf("parquet column %d = %q, want %q", i, got, want)
					}
				}
			})
		}
	}
}

func parquetLeafString(f parquet.Field) string {
	s := parquet.NewSchema("x", parquet.Group{f.Name(): f}).String()
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[1]
}

func TestDocsAreCurrent(t *testing.T) {
	have, err := os.ReadFile("../../docs/schemas.md")
	if err != nil {
		t.Fatalf("docs/schemas.md: %v (generate it: go run ./cmd/schemadoc > docs/schemas.md)", err)
	}
	var want bytes.Buffer
	if err := registry(t).WriteMarkdown(&want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want.Bytes()) {
		t.Fatal("docs/schemas.md is stale: run go run ./cmd/schemadoc > docs/schemas.md")
	}
	for _, n := range registry(t).Names() {
		if !bytes.Contains(have, []byte("\n## "+n+"\n")) {
			t.Errorf("docs lack a section for %s", n)
		}
	}
}

func TestDDL(t *testing.T) {
	s := topic(t, "compensation")
	for _, d := range Dialects {
		ddl, err := s.DDL(d, "compensation", "s3://lake/ukgpro/compensation/")
		if err != nil {
			t.Fatal(err)
		}
		if d != "duckdb" {
			for _, c := range []string{"annual_salary", "_raw", "_kafka_timestamp", "dt"} {
				if !strings.Contains(ddl, c) {
					t.Errorf("%s DDL lacks column %s:\n%s", d, c, ddl)
				}
			}
			if !strings.Contains(strings.ToUpper(ddl), "DECIMAL(18,4)") {
				t.Errorf("%s DDL lacks DECIMAL(18,4)", d)
			}
		}
		if strings.Contains(ddl, "compensation//") {
			t.Errorf("%s: doubled slash in location", d)
		}
	}
	if _, err := s.DDL("oracle", "t", "x"); err == nil {
		t.Error("unknown dialect accepted")
	}
}

func TestFieldErrorNeverCarriesTheValue(t *testing.T) {
	s := topic(t, "people")
	const secret = "123-45-6789"
	raw := []byte(`{"companyId":"C","employeeId":"E","ssn":["` + secret + `"],"dateOfBirth":"` + secret + `","healthWeight":"` + secret + `"}`)
	lib := s.Validate(raw)
	b := NewBatch(s, nil)
	defer b.Release()
	fast := b.Append(raw, meta("C/E"))
	for _, err := range []error{lib, fast} {
		if err == nil {
			t.Fatal("accepted")
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error leaks the value: %v", err)
		}
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field == "" {
			t.Errorf("error %v names no field", err)
		}
	}
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
