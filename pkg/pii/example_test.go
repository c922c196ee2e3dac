package pii_test

import (
	"fmt"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/pii"
)

func ExamplePolicy_Apply() {
	classes := map[string]map[string]pii.Class{
		"people": {"ssn": pii.Identifier, "dateOfBirth": pii.Sensitive, "employeeId": pii.None},
	}
	rules, _ := pii.ParseRules([]byte(`{"fields": {"people.dateOfBirth": "mask"}}`))
	p, err := pii.NewPolicy([]byte("an example key, 32 bytes long..."), classes, rules)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := p.Apply("people", []byte(`{"employeeId":"B7QX2K0000A1","ssn":"123-45-6789","dateOfBirth":"1988-04-12T00:00:00"}`))
	fmt.Println(string(out))
	fmt.Println(p.Redact("people", out))
	// (openssl: printf 123456789 | openssl dgst -sha256 -hmac "an example key, 32 bytes long..." gives the same hex.)
	// Output:
	// {"employeeId":"B7QX2K0000A1","ssn":"hmac-sha256:c9e77f79e06feb9125d73746c8f8ea8efdae711030ea3a872717adcfeefcf296","dateOfBirth":"1988-01-01T00:00:00"}
	// {"employeeId":"B7QX2K0000A1","ssn":"REDACTED","dateOfBirth":"REDACTED"}
}
