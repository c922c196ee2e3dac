package pii

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

var testKey = []byte("0123456789abcdef-test-key")

// classes as pkg/schema would hand them over.
var testClasses = map[string]map[string]Class{
	"people": {
		"ssn": Identifier, "previousSSN": Identifier, "nationalId": Identifier,
		"dateOfBirth": Sensitive, "homePhone": Sensitive, "emailAddress": Sensitive,
		"addressLine1": Sensitive, "firstName": Sensitive, "lastName": Sensitive,
		"companyId": None, "employeeId": None,
	},
	"compensation":   {"annualSalary": Sensitive, "companyID": None},
	"payroll":        {"bankAccountNumber": Bank, "ddRoutingNumber": Bank},
	"direct-deposit": {"account": Account},
}

func policy(t testing.TB, key []byte, r Rules) *Policy {
	t.Helper()
	p, err := NewPolicy(key, testClasses, r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// hmacOf computes the expected hash independently of the package.
func hmacOf(key []byte, s string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))
}

func TestApplyActions(t *testing.T) {
	tests := []struct {
		name  string
		rules Rules
		topic string
		in    string
		want  string
	}{
		{name: "default: identifier hashed, sensitive kept", topic: "people",
			in:   `{"companyId":"Q4T9Z","ssn":"123-45-6789","dateOfBirth":"1988-04-12T00:00:00"}`,
			want: `{"companyId":"Q4T9Z","ssn":"` + hmacOf(testKey, "123456789") + `","dateOfBirth":"1988-04-12T00:00:00"}`},
		{name: "prefixed topic name", topic: "ukgpro.people",
			in:   `{"ssn":"123456789"}`,
			want: `{"ssn":"` + hmacOf(testKey, "123456789") + `"}`},
		{name: "null and blank stay", topic: "people",
			in:   `{"ssn":null,"previousSSN":"","nationalId":"  "}`,
			want: `{"ssn":null,"previousSSN":"","nationalId":"  "}`},
		{name: "numeric ssn hashes like the string", topic: "people",
			in:   `{"ssn":123456789}`,
			want: `{"ssn":"` + hmacOf(testKey, "123456789") + `"}`},
		{name: "default: bank dropped, middle", topic: "payroll",
			in:   `{"a":1,"bankAccountNumber":"000123","b":2}`,
			want: `{"a":1,"b":2}`},
		{name: "drop last keeps the object valid", topic: "payroll",
			in:   `{"a":1, "bankAccountNumber":"000123" }`,
			want: `{"a":1 }`},
		{name: "drop first", topic: "payroll",
			in:   `{ "ddRoutingNumber":"021000021", "a":1}`,
			want: `{ "a":1}`},
		{name: "drop all", topic: "payroll",
			in:   `{"bankAccountNumber":"1","ddRoutingNumber":"2"}`,
			want: `{}`},
		{name: "drop trailing run", topic: "payroll",
			in:   `{"a":1,"bankAccountNumber":"1","ddRoutingNumber":"2"}`,
			want: `{"a":1}`},
		{name: "builtin classes when the schema is silent", topic: "employees",
			in:   `{"ssn":"111-22-3333","directDepositAccount":"x","iban":"DE89 3704 0044 0532 0130 00","jobCode":"A"}`,
			want: `{"ssn":"` + hmacOf(testKey, "111223333") + `","iban":"` + hmacOf(testKey, "DE89370400440532013000") + `","ibanLast4":"3000","jobCode":"A"}`},
		{name: "account: hash and last 4 beside it", topic: "direct-deposit",
			in:   `{"account":"000123456789","routingNumber":"021000021","x":1,"swiftCode":"DEUTDEFF","bankName":"B"}`,
			want: `{"account":"` + hmacOf(testKey, "000123456789") + `","accountLast4":"6789","routingNumber":"` + hmacOf(testKey, "021000021") + `","routingNumberLast4":"0021","x":1,"swiftCode":"` + hmacOf(testKey, "DEUTDEFF") + `","swiftCodeLast4":"DEFF"}`},
		{name: "account: null, short and numeric values", topic: "direct-deposit",
			in:   `{"account":null,"iban":"12","foreignAccountNumber":123456}`,
			want: `{"account":null,"accountLast4":null,"iban":"` + hmacOf(testKey, "12") + `","ibanLast4":null,"foreignAccountNumber":"` + hmacOf(testKey, "123456") + `","foreignAccountNumberLast4":"3456"}`},
		{name: "account: an existing last-4 member is not doubled", topic: "direct-deposit",
			in:   `{"account":"000123456789","accountLast4":"6789"}`,
			want: `{"account":"` + hmacOf(testKey, "000123456789") + `","accountLast4":"6789"}`},
		{name: "case-insensitive field names", topic: "people",
			in:   `{"SSN":"123-45-6789","DateOfBirth":"1988-04-12"}`,
			want: `{"SSN":"` + hmacOf(testKey, "123456789") + `","DateOfBirth":"1988-04-12"}`,
		},
		{name: "escaped key still matches", topic: "people",
			in:   `{"s\u0073n":"123456789"}`,
			want: `{"s\u0073n":"` + hmacOf(testKey, "123456789") + `"}`},
		{name: "mask class sensitive", rules: Rules{Classes: map[Class]Action{Sensitive: Mask}}, topic: "people",
			in:   `{"dateOfBirth":"1988-04-12T00:00:00","homePhone":"(614) 555-0199","emailAddress":"dana.okafor@example.test","firstName":"Dana","lastName":"Okafor-Smith","addressLine1":"1200 Elm Street","employeeId":"B7QX2K0000A1"}`,
			want: `{"dateOfBirth":"1988-01-01T00:00:00","homePhone":"(***) ***-0199","emailAddress":"***@example.test","firstName":"D***","lastName":"O*****-S****","addressLine1":"1*** E** S*****","employeeId":"B7QX2K0000A1"}`},
		{name: "mask numbers and booleans to null", rules: Rules{Classes: map[Class]Action{Sensitive: Mask}}, topic: "compensation",
			in:   `{"companyID":"Q","annualSalary":58240.0}`,
			want: `{"companyID":"Q","annualSalary":null}`},
		{name: "field rule per topic beats class", rules: Rules{Fields: map[string]Action{"people.dateOfBirth": Mask, "ssn": Drop}}, topic: "people",
			in:   `{"ssn":"123-45-6789","dateOfBirth":"1988-04-12T00:00:00","lastName":"Okafor"}`,
			want: `{"dateOfBirth":"1988-01-01T00:00:00","lastName":"Okafor"}`},
		{name: "per-topic rule does not leak to other topics", rules: Rules{Fields: map[string]Action{"people.annualSalary": Drop}}, topic: "compensation",
			in:   `{"annualSalary":1.5}`,
			want: `{"annualSalary":1.5}`},
		{name: "mask ssn", rules: Rules{Classes: map[Class]Action{Identifier: Mask}}, topic: "people",
			in:   `{"ssn":"123-45-6789","nationalId":"6789"}`,
			want: `{"ssn":"***-**-6789","nationalId":"****"}`},
		{name: "mask .NET date of employee-changes", rules: Rules{Fields: map[string]Action{"hireDate": Mask}}, topic: "changes",
			in:   `{"hireDate":"3/17/2016 12:00:00 AM","terminationDate":""}`,
			want: `{"hireDate":"1/1/2016 12:00:00 AM","terminationDate":""}`},
		{name: "hash nested value", rules: Rules{Fields: map[string]Action{"tags": Hash}}, topic: "x",
			in:   `{"tags": [1, {"a": "b"}]}`,
			want: `{"tags": "` + hmacOf(testKey, `[1,{"A":"B"}]`) + `"}`},
		{name: "keep-all returns input unchanged", topic: "people",
			in:   "{ \"companyId\" : \"Q\" ,\n \"n\": 1.50e+3 }",
			want: "{ \"companyId\" : \"Q\" ,\n \"n\": 1.50e+3 }"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := policy(t, testKey, tt.rules)
			got, err := p.Apply(tt.topic, []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Apply\n got %s\nwant %s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("output is not valid JSON: %s", got)
			}
		})
	}
}

func TestApplyPreservesOtherBytesAndOrder(t *testing.T) {
	// A realistic E4 row with odd formatting: unicode escapes, exponent
	// numbers, nested values and whitespace. Only the ssn value may change.
	in := "{\n  \"zeta\": \"\\u00e9t\\u00e9 \\\"quoted\\\" \\ud83d\\ude00\",\n  \"ssn\" : \"123-45-6789\" ,\n  \"alpha\": -0.0e-10,\n" +
		"  \"nested\": {\"ssn\": \"999-99-9999\", \"list\": [1, \"}\", {\"x\": null}]},\n  \"beta\": true, \"gamma\": null\n}"
	p := policy(t, testKey, Rules{})
	out, err := p.Apply("people", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(in, `"123-45-6789"`, `"`+hmacOf(testKey, "123456789")+`"`, 1)
	if string(out) != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	// The nested "ssn" is part of the top-level field "nested" (class none):
	// documented as out of scope, kept as is.
	if !bytes.Contains(out, []byte("999-99-9999")) {
		t.Error("nested value changed")
	}
}

func TestHashStableAcrossPoliciesAndKeyed(t *testing.T) {
	rec := []byte(`{"ssn":"123-45-6789"}`)
	a, _ := policy(t, testKey, Rules{}).Apply("people", rec)
	b, _ := policy(t, append([]byte(nil), testKey...), Rules{}).Apply("people", rec)
	if !bytes.Equal(a, b) {
		t.Fatalf("two policies with one key disagree: %s vs %s", a, b)
	}
	// Formatting of the same SSN does not matter: joins work.
	c, _ := policy(t, testKey, Rules{}).Apply("people", []byte(`{"ssn":"123 45 6789"}`))
	if !bytes.Equal(a, c) {
		t.Errorf("normalisation: %s vs %s", a, c)
	}
	// previousSSN of one record joins ssn of another.
	d, _ := policy(t, testKey, Rules{}).Apply("people", []byte(`{"previousSSN":"123456789"}`))
	if !bytes.Contains(d, a[len(`{"ssn":`):len(a)-1]) {
		t.Errorf("previousSSN hash %s does not equal ssn hash %s", d, a)
	}
	other, _ := policy(t, []byte("another-key-of-16+bytes"), Rules{}).Apply("people", rec)
	if bytes.Equal(a, other) {
		t.Error("a different key gave the same hash")
	}
	for _, out := range [][]byte{a, c, d, other} {
		for _, raw := range []string{"123-45-6789", "123456789", "123 45 6789"} {
			if bytes.Contains(out, []byte(raw)) {
				t.Errorf("raw SSN %q in output %s", raw, out)
			}
		}
	}
}

func TestApplyRejectsNonObjects(t *testing.T) {
	p := policy(t, testKey, Rules{})
	for _, in := range []string{``, `[]`, `"x"`, `{"a":`, `{"a":1}{`, `null`} {
		if _, err := p.Apply("people", []byte(in)); !errors.Is(err, ErrNotObject) {
			t.Errorf("Apply(%q): err = %v, want ErrNotObject", in, err)
		}
	}
}

func TestKeyRequiredWhenPolicyHashes(t *testing.T) {
	tests := []struct {
		name    string
		rules   Rules
		key     []byte
		wantErr string
	}{
		{name: "default policy needs the key", wantErr: "PII_HMAC_KEY is required"},
		{name: "field rule hashing needs the key", rules: Rules{Classes: map[Class]Action{Identifier: Drop}, Fields: map[string]Action{"email": Hash}}, wantErr: "PII_HMAC_KEY is required"},
		{name: "account hashing needs the key", rules: Rules{Classes: map[Class]Action{Identifier: Drop}}, wantErr: "PII_HMAC_KEY is required: the PII policy hashes class account"},
		{name: "no hashing, no key", rules: Rules{Classes: map[Class]Action{Identifier: Drop, Account: Drop}}},
		{name: "short key", key: []byte("k3y!Zq"), wantErr: "PII_HMAC_KEY: too short"},
		{name: "good key", key: testKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPolicy(tt.key, testClasses, tt.rules)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if err != nil && tt.key != nil && strings.Contains(err.Error(), string(tt.key)) {
				t.Errorf("error repeats the key: %v", err)
			}
		})
	}
}

func TestConfigFromEnvironmentAndPolicyFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "policy.json")
	os.WriteFile(file, []byte(`{"classes":{"sensitive":"mask"},"fields":{"people.dateOfBirth":"drop"}}`), 0o600)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"classes":{"secret":"shred"}}`), 0o600)
	unknownKey := filepath.Join(dir, "unknown.json")
	os.WriteFile(unknownKey, []byte(`{"clases":{}}`), 0o600)

	parse := func(env map[string]string) (Config, error) {
		var cfg Config
		err := envconf.Parse(t.Context(), "test", &cfg, nil, envconfig.MapLookuper(env))
		return cfg, err
	}
	if _, err := parse(map[string]string{}); err == nil || !strings.Contains(err.Error(), "PII_HMAC_KEY") {
		t.Fatalf("missing key with the default policy: err = %v, want it to name PII_HMAC_KEY", err)
	}
	for _, f := range []string{bad, unknownKey, filepath.Join(dir, "missing.json")} {
		if _, err := parse(map[string]string{"PII_HMAC_KEY": string(testKey), "PII_POLICY_FILE": f}); err == nil || !strings.Contains(err.Error(), "PII_POLICY_FILE") {
			t.Errorf("%s: err = %v, want it to name PII_POLICY_FILE", filepath.Base(f), err)
		}
	}
	cfg, err := parse(map[string]string{"PII_HMAC_KEY": string(testKey), "PII_POLICY_FILE": file})
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(cfg, testClasses)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := p.Apply("people", []byte(`{"dateOfBirth":"1988-04-12T00:00:00","firstName":"Dana","ssn":"1"}`))
	if want := `{"firstName":"D***","ssn":"` + hmacOf(testKey, "1") + `"}`; string(out) != want {
		t.Errorf("got %s, want %s", out, want)
	}
	for _, s := range []string{fmt.Sprintf("%v", p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p), fmt.Sprintf("%+v", cfg)} {
		if strings.Contains(s, string(testKey)) {
			t.Errorf("key printed: %s", s)
		}
	}
}

func TestRedact(t *testing.T) {
	p := policy(t, testKey, Rules{})
	in := `{"companyId":"Q4T9Z","ssn":"123-45-6789","lastName":"Okafor","dateOfBirth":null,"jobCode":"WHS","iban":"DE89370400440532013000"}`
	got := p.Redact("people", []byte(in))
	want := `{"companyId":"Q4T9Z","ssn":"REDACTED","lastName":"REDACTED","dateOfBirth":null,"jobCode":"WHS","iban":"REDACTED"}`
	if got != want {
		t.Errorf("Redact\n got %s\nwant %s", got, want)
	}
	for _, in := range []string{`{"ssn":"123-45-6789"`, `"123-45-6789"`} {
		if got := p.Redact("people", []byte(in)); strings.Contains(got, "6789") {
			t.Errorf("Redact(%q) = %q echoes the input", in, got)
		}
	}
	long := `{"jobCode":"` + strings.Repeat("x", 5000) + `"}`
	if got := p.Redact("people", []byte(long)); len(got) > 2100 {
		t.Errorf("Redact of a long record: %d bytes", len(got))
	}
}

func TestMaskString(t *testing.T) {
	for in, want := range map[string]string{
		"123-45-6789":            "***-**-6789",
		"6789":                   "****",
		"+1 614 555 0199":        "+* *** *** 0199",
		"Dana":                   "D***",
		"Mary Ann O'Neil":        "M*** A** O'N***",
		"2021-09-20T00:00:00.16": "2021-01-01T00:00:00.00",
		"2021-09-20":             "2021-01-01",
		"12/31/1999 11:59:59 PM": "1/1/1999 12:00:00 AM",
		"a@b.c":                  "***@b.c",
		"Zoë":                    "Z**",
	} {
		if got := MaskString(in); got != want {
			t.Errorf("MaskString(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzApply: Apply never panics; whenever the input is a JSON object, the
// output is valid JSON (an object), and input that is not valid JSON is
// rejected.
func FuzzApply(f *testing.F) {
	for _, s := range []string{
		`{"ssn":"123-45-6789","bankAccountNumber":"1","dateOfBirth":"1988-04-12T00:00:00"}`,
		`{}`, `{"a":[1,{"ssn":"}"}],"SSN":null}`, `{"s\u0073n":"\u00e9"}`, ` {"iban" : 1 , "x" : 2 } `,
		`{"bankAccountNumber":{"a":"b"}}`, `[1]`, `{"a":`, `{"firstName":"D\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	p, err := NewPolicy(testKey, testClasses, Rules{Classes: map[Class]Action{Sensitive: Mask}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := p.Apply("people", in)
		isObj := json.Valid(in) && bytes.HasPrefix(bytes.TrimLeft(in, " \t\r\n"), []byte("{"))
		if !isObj {
			if err == nil {
				t.Fatalf("accepted non-object %q", in)
			}
			return
		}
		if err != nil {
			t.Fatalf("object %q rejected: %v", in, err)
		}
		if !json.Valid(out) || !bytes.HasPrefix(bytes.TrimLeft(out, " \t\r\n"), []byte("{")) {
			t.Fatalf("output is not a JSON object: %q from %q", out, in)
		}
		_ = p.Redact("people", in)
	})
}
