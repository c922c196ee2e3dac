package schema

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/schemas"
)

// Every released version is kept in schemas/; within a major version each
// one must be a compatible successor of the previous one.
func TestReleasedVersionsCompatible(t *testing.T) {
	reg := registry(t)
	for _, n := range reg.Names() {
		vs := reg.Versions(n)
		if len(vs) == 0 || vs[0].Version != (Version{1, 0}) {
			t.Errorf("%s: the first released version must be v1.0 and stay in schemas/", n)
		}
		for i := 1; i < len(vs); i++ {
			if err := CheckCompatible(vs[i-1], vs[i]); err != nil {
				t.Error(err)
			}
		}
	}
}

// editProp rewrites one property of a schema document.
func editProp(t *testing.T, doc []byte, version, name string, edit func(p map[string]any) map[string]any) []byte {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	m["x-version"] = version
	props := m["properties"].(map[string]any)
	if p := edit(props[name].(map[string]any)); p == nil {
		delete(props, name)
	} else {
		props[name] = p
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCheckCompatible(t *testing.T) {
	v10, err := schemas.FS.ReadFile("compensation/v1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	keep := func(p map[string]any) map[string]any { return p }
	cases := []struct {
		name    string
		version string
		doc     []byte
		ok      bool
	}{
		{"add optional field", "1.1", addProperty(t, v10, "1.1", "bonusTarget", `{"type":["number","string","null"],"multipleOf":0.0001,"maximum":99999999999999.9999,"minimum":-99999999999999.9999,"pattern":"^(-?[0-9]{1,14}(\\.[0-9]{1,4})?)?$","x-column":"bonus_target","x-type":"decimal(18,4)","x-pii":"sensitive"}`), true},
		{"description edit", "1.1", editProp(t, v10, "1.1", "jobTitle", func(p map[string]any) map[string]any { p["description"] = "Job title."; return p }), true},
		{"add required field", "1.1", addProperty(t, addRequired(t, v10, "grade"), "1.1", "grade", `{"type":"string","x-column":"grade","x-type":"string","x-pii":"none"}`), false},
		{"remove field", "1.1", editProp(t, v10, "1.1", "jobTitle", func(map[string]any) map[string]any { return nil }), false},
		{"retype field", "1.1", editProp(t, v10, "1.1", "bonusTotalHrs", func(p map[string]any) map[string]any {
			return map[string]any{"type": []string{"string", "null"}, "x-column": "bonus_total_hrs", "x-type": "string", "x-pii": "none"}
		}), false},
		{"rename column", "1.1", editProp(t, v10, "1.1", "jobTitle", func(p map[string]any) map[string]any { p["x-column"] = "title"; return p }), false},
		{"reclassify PII", "1.1", editProp(t, v10, "1.1", "jobTitle", func(p map[string]any) map[string]any { p["x-pii"] = "sensitive"; return p }), false},
		{"make non-null", "1.1", editProp(t, v10, "1.1", "jobTitle", func(p map[string]any) map[string]any { p["type"] = "string"; return p }), false},
		{"same version again", "1.0", editProp(t, v10, "1.0", "jobTitle", keep), false},
		{"remove field in a new major", "2.0", editProp(t, v10, "2.0", "jobTitle", func(map[string]any) map[string]any { return nil }), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{"compensation/v1.0.json": {Data: v10}}
			if c.version != "1.0" {
				fsys["compensation/v"+c.version+".json"] = &fstest.MapFile{Data: c.doc}
			}
			reg, err := LoadFS(fsys)
			if err != nil {
				t.Fatal(err)
			}
			prev := reg.Versions("compensation")[0]
			next, err := LoadFS(fstest.MapFS{"compensation/v" + c.version + ".json": {Data: c.doc}})
			if err != nil {
				t.Fatal(err)
			}
			err = CheckCompatible(prev, next.Topic("compensation"))
			if (err == nil) != c.ok {
				t.Errorf("CheckCompatible: %v, want ok=%v", err, c.ok)
			}
		})
	}
}

// A minor version may add enum values, never drop or reorder them.
func TestCheckCompatibleEnum(t *testing.T) {
	v10, err := schemas.FS.ReadFile("lifecycle/v1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	base, err := LoadFS(fstest.MapFS{"lifecycle/v1.0.json": {Data: v10}})
	if err != nil {
		t.Fatal(err)
	}
	enum := func(vals ...any) func(p map[string]any) map[string]any {
		return func(p map[string]any) map[string]any { p["enum"] = vals; return p }
	}
	old := []any{"employee.hired", "employee.terminated", "employee.rehired", "employee.job_changed", "employee.compensation_changed", "employee.status_changed"}
	for _, c := range []struct {
		name string
		vals []any
		ok   bool
	}{
		{"add a value", append(append([]any{}, old...), "employee.removed"), true},
		{"drop a value", old[:5], false},
		{"reorder", append(append([]any{}, old[1:]...), old[0]), false},
		{"replace a value", append(append([]any{}, old[:5]...), "employee.removed"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			next, err := LoadFS(fstest.MapFS{"lifecycle/v1.1.json": {Data: editProp(t, v10, "1.1", "event", enum(c.vals...))}})
			if err != nil {
				t.Fatal(err)
			}
			err = CheckCompatible(base.Topic("lifecycle"), next.Topic("lifecycle"))
			if (err == nil) != c.ok {
				t.Errorf("CheckCompatible: %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func addRequired(t *testing.T, doc []byte, name string) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	var req []string
	_ = json.Unmarshal(m["required"], &req)
	m["required"], _ = json.Marshal(append(req, name))
	ex := string(m["examples"])
	m["examples"] = json.RawMessage(strings.Replace(ex, "{", `{"`+name+`":"x",`, 1))
	out, _ := json.Marshal(m)
	return out
}

// Load rejects schemas whose annotations and constraints disagree, so the
// fast path never ignores a constraint.
func TestLoadRejectsInconsistentSchemas(t *testing.T) {
	v10, err := schemas.FS.ReadFile("compensation/v1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string][]byte{
		"decimal without scale check": editProp(t, v10, "1.0", "annualSalary", func(p map[string]any) map[string]any { delete(p, "multipleOf"); return p }),
		"unsupported keyword":         editProp(t, v10, "1.0", "jobTitle", func(p map[string]any) map[string]any { p["maxLength"] = 3; return p }),
		"unknown x-type":              editProp(t, v10, "1.0", "jobTitle", func(p map[string]any) map[string]any { p["x-type"] = "money"; return p }),
		"bad pii":                     editProp(t, v10, "1.0", "jobTitle", func(p map[string]any) map[string]any { p["x-pii"] = "secret"; return p }),
		"date without format":         editProp(t, v10, "1.0", "dateInJob", func(p map[string]any) map[string]any { delete(p, "format"); return p }),
		"column clash":                editProp(t, v10, "1.0", "jobTitle", func(p map[string]any) map[string]any { p["x-column"] = "annual_salary"; return p }),
		"precision 19":                editProp(t, v10, "1.0", "annualSalary", func(p map[string]any) map[string]any { p["x-type"] = "decimal(19,4)"; return p }),
		"key nullable":                editProp(t, v10, "1.0", "companyID", func(p map[string]any) map[string]any { p["type"] = []string{"string", "null"}; return p }),
		"example invalid": editProp(t, v10, "1.0", "annualSalary", func(p map[string]any) map[string]any {
			p["type"] = []string{"string", "null"}
			p["x-type"] = "string"
			delete(p, "multipleOf")
			delete(p, "maximum")
			delete(p, "minimum")
			delete(p, "pattern")
			return p
		}),
	} {
		if _, err := LoadFS(fstest.MapFS{"compensation/v1.0.json": {Data: doc}}); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	if _, err := LoadFS(fstest.MapFS{"compensation/v1.0.json": {Data: v10}}); err != nil {
		t.Errorf("unchanged: %v", err)
	}
}

// The Go struct consumers use for lifecycle events matches the lifecycle
// schema field by field, and what it marshals validates.
func TestLifecycleEventMatchesSchema(t *testing.T) {
	s := topic(t, "lifecycle")
	wantType := map[string]Type{
		"string": String, "time.Time": Timestamp, "[]schema.Change": JSON, "[]string": JSON,
	}
	rt := reflect.TypeOf(LifecycleEvent{})
	var tags []string
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")
		tags = append(tags, tag[0])
		sf := s.Field(tag[0])
		if sf == nil {
			t.Errorf("struct field %s (json %s) is not in the schema", f.Name, tag[0])
			continue
		}
		typ := wantType[f.Type.String()]
		if tag[0] == "effectiveDate" {
			typ = Date // YYYY-MM-DD text
		}
		if typ != sf.Type || !sf.Required || sf.Nullable || len(tag) > 1 {
			t.Errorf("%s: Go %s %v, schema %s required=%v nullable=%v", tag[0], f.Type, tag[1:], sf.TypeString(), sf.Required, sf.Nullable)
		}
	}
	var props []string
	for i := range s.props {
		props = append(props, s.props[i].name)
	}
	if !reflect.DeepEqual(tags, props) {
		t.Errorf("struct fields %v, schema properties %v", tags, props)
	}
	// Change matches changes.items.
	var doc struct {
		Properties struct {
			Changes struct {
				Items struct {
					Required   []string                   `json:"required"`
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"items"`
			} `json:"changes"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(s.Doc, &doc); err != nil {
		t.Fatal(err)
	}
	ct := reflect.TypeOf(Change{})
	var ctags []string
	for i := 0; i < ct.NumField(); i++ {
		ctags = append(ctags, ct.Field(i).Tag.Get("json"))
	}
	if items := doc.Properties.Changes.Items; !reflect.DeepEqual(ctags, items.Required) || len(items.Properties) != len(ctags) {
		t.Errorf("Change fields %v, schema items %v", ctags, items.Required)
	}

	ev := LifecycleEvent{
		Event: EventHired, CompanyID: "Q4T9Z", EmployeeID: "B7QX2K0000A1", Key: "Q4T9Z/B7QX2K0000A1",
		EffectiveDate: "2024-07-01",
		Changes:       []Change{{Field: "employeeStatusCode", Before: json.RawMessage("null"), After: json.RawMessage(`"A"`)}},
		Sources:       []string{"ce-1"},
		DetectedAt:    time.Date(2024, 7, 2, 3, 0, 0, 123456789, time.FixedZone("x", 3600)),
		RunID:         "run-1",
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(raw); err != nil {
		t.Fatalf("marshalled event %s: %v", raw, err)
	}
	b := NewBatch(s, nil)
	defer b.Release()
	if err := b.Append(raw, meta(ev.Key)); err != nil {
		t.Fatal(err)
	}
	rec := b.NewRecord()
	defer rec.Release()
	if got := cell(columnByName(t, rec, "detected_at"), 0); got != micros("2024-07-02T02:00:00.123456Z") {
		t.Errorf("detected_at = %v", got)
	}
	if got := cell(columnByName(t, rec, "changes"), 0); got != `[{"field":"employeeStatusCode","before":null,"after":"A"}]` {
		t.Errorf("changes column = %v", got)
	}
	var back LifecycleEvent
	if err := json.Unmarshal(raw, &back); err != nil || !back.DetectedAt.Equal(ev.DetectedAt.Truncate(time.Microsecond)) {
		t.Errorf("round trip: %v %v", back.DetectedAt, err)
	}
	// Nil slices marshal as empty arrays, which the schema requires.
	raw, _ = json.Marshal(LifecycleEvent{Event: EventTerminated, CompanyID: "C", EmployeeID: "E", Key: "C/E", EffectiveDate: "2024-07-01", DetectedAt: time.Now(), RunID: "r"})
	if err := s.Validate(raw); err != nil {
		t.Errorf("event without changes: %v", err)
	}
	for _, e := range []string{EventHired, EventTerminated, EventRehired, EventJobChanged, EventCompensationChanged, EventStatusChanged, EventRemoved, EventDirectDepositChanged} {
		if !inEnum(s.props[s.propIndex["event"]].enum, []byte(e)) {
			t.Errorf("%s not in the schema's enum", e)
		}
	}
}

// DeadLetter's headers are exactly the dlq schema's x-header names, and a
// dead letter built from a conversion error validates and archives.
func TestDeadLetterMatchesSchema(t *testing.T) {
	s := topic(t, "dlq")
	part, off := int32(3), int64(1042)
	d := DeadLetter{Reason: "conversion", Stage: "loader", Error: "e", Field: "annualSalary", OriginTopic: "ukgpro.employees",
		OriginPartition: &part, OriginOffset: &off, OriginSchema: "employees/v1.0"}
	hs := d.Headers()
	rt := reflect.TypeOf(d)
	if len(hs) != rt.NumField() || len(hs) != len(s.Fields) {
		t.Fatalf("%d headers, %d struct fields, %d schema fields", len(hs), rt.NumField(), len(s.Fields))
	}
	for i, h := range hs {
		f := s.Fields[i]
		tag := strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]
		if h.Key != f.Header || tag != f.JSONName {
			t.Errorf("header %d: %s (json %s), schema %s (x-header %s)", i, h.Key, tag, f.JSONName, f.Header)
		}
	}
	if err := s.ValidateHeaders(hs); err != nil {
		t.Fatal(err)
	}
	// From a real conversion failure:
	emp := topic(t, "employees")
	eb := NewBatch(emp, nil)
	defer eb.Release()
	value := []byte(`{"companyID":"C","employeeID":"E","annualSalary":1.23456}`)
	convErr := eb.Append(value, meta("C/E"))
	if convErr == nil {
		t.Fatal("accepted")
	}
	dl := DeadLetterFor(convErr, "conversion", "loader")
	dl.OriginTopic, dl.OriginPartition, dl.OriginOffset, dl.OriginSchema = "ukgpro.employees", &part, &off, emp.ID()
	if dl.Field != "annualSalary" {
		t.Errorf("dead letter field %q", dl.Field)
	}
	b := NewBatch(s, nil)
	defer b.Release()
	m := meta("C/E")
	m.Headers = append([]Header{{"ce_id", []byte("x")}}, dl.Headers()...)
	if err := b.Append(value, m); err != nil {
		t.Fatal(err)
	}
	rec := b.NewRecord()
	defer rec.Release()
	for col, want := range map[string]any{"reason": "conversion", "stage": "loader", "field": "annualSalary", "origin_topic": "ukgpro.employees",
		"origin_partition": int64(3), "origin_offset": int64(1042), "origin_schema": "employees/v1.0", "_raw": string(value)} {
		if got := cell(columnByName(t, rec, col), 0); got != want {
			t.Errorf("%s = %#v, want %#v", col, got, want)
		}
	}
	// A bad stage is rejected by both paths, naming the header's field.
	bad := DeadLetter{Reason: "x", Stage: "archiver", OriginTopic: "t"}.Headers()
	m.Headers = bad
	if err := b.Append(value, m); err == nil || !strings.Contains(err.Error(), "stage") {
		t.Errorf("fast path: %v", err)
	}
	if err := s.ValidateHeaders(bad); err == nil || !strings.Contains(err.Error(), "stage") {
		t.Errorf("library: %v", err)
	}
}
