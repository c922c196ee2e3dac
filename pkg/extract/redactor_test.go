package extract_test

import (
	"testing"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/pii"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// testHMACKey is the PII_HMAC_KEY of the tests.
const testHMACKey = "test-hmac-key-for-pii"

// newRedactor returns the default PII policy (identifiers hashed, bank
// fields dropped) over the schemas' PII classes, as cmd/extractor wires it.
func newRedactor(t *testing.T, reg *schema.Registry) *pii.Policy {
	t.Helper()
	p, err := pii.New(pii.Config{HMACKey: envconf.Secret(testHMACKey)}, pii.ClassesOf(reg.PIIClasses()))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
