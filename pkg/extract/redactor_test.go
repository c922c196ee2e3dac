package extract_test

import (
	"testing"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

type passThrough struct{}

func (passThrough) Apply(_ string, raw []byte) ([]byte, error) { return raw, nil }

func newRedactor(t *testing.T, _ *schema.Registry) passThrough { return passThrough{} }
