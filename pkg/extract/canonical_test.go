package extract

import (
	"testing"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// FuzzCanonical: any input either fails or yields valid JSON whose canonical
// form is itself (canonicalising twice changes nothing).
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":"x","c":null}`, `{"a":{"z":1,"y":[1,2,{"q":"\u00e9"}]},"\u0041":true}`, `{}`, `[1]`, `{"a":1,}`, `{"a":"\"}"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := Canonical(raw)
		if err != nil {
			return
		}
		c2, err := Canonical(c)
		if err != nil {
			t.Fatalf("canonical form %q does not parse: %v", c, err)
		}
		if string(c2) != string(c) {
			t.Fatalf("canonical form is not stable: %q → %q", c, c2)
		}
	})
}

func BenchmarkHashRecord(b *testing.B) {
	sim, err := ukgsim.New(ukgsim.Config{Employees: 50, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	recs, err := sim.Records(ukgsim.EndpointEmployment, nil)
	if err != nil {
		b.Fatal(err)
	}
	rec := recs[0]
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HashRecord(rec); err != nil {
			b.Fatal(err)
		}
	}
}
