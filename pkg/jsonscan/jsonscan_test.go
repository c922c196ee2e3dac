package jsonscan

import (
	"encoding/json"
	"testing"
)

func TestValueEnd(t *testing.T) {
	tests := []struct {
		in   string
		want string // the value found at the start of in
	}{
		{`"a\"b",1`, `"a\"b"`},
		{`123.5e3}`, `123.5e3`},
		{`null ,`, `null`},
		{`{"a":[1,"]}",{"b":"\\"}]},2`, `{"a":[1,"]}",{"b":"\\"}]}`},
		{`[]`, `[]`},
		{`true`, `true`},
	}
	for _, tt := range tests {
		if got := tt.in[:ValueEnd([]byte(tt.in), 0)]; got != tt.want {
			t.Errorf("ValueEnd(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzMembers walks every top-level member of a valid JSON object with the
// primitives and checks each value found is itself valid JSON and that the
// walk ends at the closing brace.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":"x\"y","c":{"d":[1,{"e":null}]}}`, ` { "a" : [ ] , "b":true } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		i := SkipSpace(b, 0)
		if b[i] != '{' {
			return
		}
		for i++; ; {
			i = SkipSpace(b, i)
			if b[i] == '}' {
				return
			}
			if b[i] == ',' {
				i = SkipSpace(b, i+1)
			}
			ke := StringEnd(b, i)
			if !json.Valid(b[i:ke]) {
				t.Fatalf("member name %q is not a JSON string", b[i:ke])
			}
			i = SkipSpace(b, SkipSpace(b, ke)+1)
			ve := ValueEnd(b, i)
			if !json.Valid(b[i:ve]) {
				t.Fatalf("member value %q is not valid JSON", b[i:ve])
			}
			i = ve
		}
	})
}
