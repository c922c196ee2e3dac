package events

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"strings"
	"testing"
	"unicode"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

var update = flag.Bool("update", false, "rewrite types_gen.go from schemas/")

// The snapshot types are generated from schemas/ (the one source of truth
// of design.md): this test fails when types_gen.go is stale, and
// `go test ./pkg/events -run TestGeneratedTypes -update` rewrites it.
func TestGeneratedTypes(t *testing.T) {
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	src, err := generate(reg)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("types_gen.go", src, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile("types_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(old, src) {
		t.Fatal("types_gen.go is stale: run go test ./pkg/events -run TestGeneratedTypes -update")
	}
}

// generate writes one struct per record topic (every schema but lifecycle,
// whose type is schema.LifecycleEvent, and the opaque dlq), one field per
// JSON property, aliases included.
func generate(reg *schema.Registry) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated from schemas/ by TestGeneratedTypes; DO NOT EDIT.\n\npackage events\n\n")
	var kinds []string
	for _, name := range reg.Names() {
		s := reg.Topic(name)
		if s.Opaque || name == "lifecycle" {
			continue
		}
		typ := typeName(name)
		kinds = append(kinds, fmt.Sprintf("%q: {%d, %v, func() any { return new(%s) }},", name, s.Version.Major, s.KeyFields.Employee != "", typ))
		fmt.Fprintf(&b, "// %s is a record of the %s topic (schema %s, UKG %s).\n", typ, name, s.ID(), s.Source)
		fmt.Fprintf(&b, "type %s struct {\n", typ)
		used := map[string]bool{}
		for _, f := range s.Fields {
			for _, jn := range append([]string{f.JSONName}, f.Aliases...) {
				gn := goName(jn, used)
				fmt.Fprintf(&b, "\t%s %s `json:%q`\n", gn, goType(&f), jn)
			}
		}
		b.WriteString("}\n\n")
	}
	b.WriteString("// records maps a topic name (without prefix) to its schema's major version,\n// whether it is keyed per employee, and a constructor of its record type.\n")
	b.WriteString("var records = map[string]recordKind{\n")
	for _, k := range kinds {
		b.WriteString("\t" + k + "\n")
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

var typeNames = map[string]string{"employees": "Employee", "people": "Person", "job-history": "JobHistory", "compensation": "Compensation",
	"companies": "Company", "org-levels": "OrgLevel", "jobs": "Job", "locations": "Location", "positions": "Position",
	"contacts": "Contact", "pto-plans": "PTOPlan", "direct-deposit": "DirectDeposit", "global-banks": "GlobalBank", "contracts": "Contract"}

func typeName(topic string) string {
	if n, ok := typeNames[topic]; ok {
		return n
	}
	return camel(topic) + "Record"
}

func camel(s string) string {
	var out []rune
	up := true
	for _, r := range s {
		if r == '-' || r == '_' || r == '.' {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		out = append(out, r)
	}
	return string(out)
}

// goName exports a JSON name, spelling "Id" as Go's "ID" unless that
// collides with another property of the same record (ethnicIDCode and
// ethnicIdCode).
func goName(jsonName string, used map[string]bool) string {
	base := camel(jsonName)
	nice := base
	for _, w := range []string{"Id"} {
		var out strings.Builder
		for i := 0; i < len(nice); i++ {
			if strings.HasPrefix(nice[i:], w) && (i+2 == len(nice) || unicode.IsUpper(rune(nice[i+2])) || unicode.IsDigit(rune(nice[i+2]))) {
				out.WriteString("ID")
				i++
				continue
			}
			out.WriteByte(nice[i])
		}
		nice = out.String()
	}
	for _, n := range []string{nice, base} {
		if !used[n] {
			used[n] = true
			return n
		}
	}
	panic("two properties named " + base)
}

func goType(f *schema.Field) string {
	ptr := ""
	if f.Nullable || !f.Required {
		ptr = "*"
	}
	switch f.Type {
	case schema.String:
		return ptr + "string"
	case schema.Int:
		return ptr + "Int"
	case schema.Bool:
		return ptr + "bool"
	case schema.Double:
		return ptr + "float64"
	case schema.Date:
		return "Date"
	case schema.Timestamp:
		return "Timestamp"
	case schema.Decimal:
		return "Decimal"
	}
	return "json.RawMessage"
}
