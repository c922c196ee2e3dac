package extract

import (
	"encoding/json"
	"testing"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

func TestDiffDeposit(t *testing.T) {
	rule := depositRules[kafkax.DirectDeposit]
	snap := func(raw string) []string {
		s, err := snapshotOf([]byte(raw), rule.snapFields())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := `{"accountRecordId":"D1","dateTimeChanged":"2025-06-03T10:00:00","account":"hmac-sha256:aa","accountLast4":"1111","employeeBankRoutingNumber":"hmac-sha256:rr","employeeBankRoutingNumberLast4":"0021","amountOrPercent":100.0}`
	for _, tt := range []struct {
		name         string
		before       string // "" = never seen
		after        string
		kind         string
		event        bool
		fields       []string
		effectiveDay string
	}{
		{"new row", "", base, depositAdded, true, []string{"accountRecordId", "account", "employeeBankRoutingNumber", "accountLast4", "employeeBankRoutingNumberLast4"}, "2025-06-03"},
		{"account changed", base,
			`{"accountRecordId":"D1","dateTimeChanged":"2025-07-01T09:00:00","account":"hmac-sha256:bb","accountLast4":"2222","employeeBankRoutingNumber":"hmac-sha256:rr","employeeBankRoutingNumberLast4":"0021"}`,
			depositChanged, true, []string{"accountRecordId", "account", "accountLast4"}, "2025-07-01"},
		{"amount only: no event", base,
			`{"accountRecordId":"D1","dateTimeChanged":"2025-07-01T09:00:00","account":"hmac-sha256:aa","accountLast4":"1111","employeeBankRoutingNumber":"hmac-sha256:rr","employeeBankRoutingNumberLast4":"0021","amountOrPercent":50.0}`,
			depositChanged, false, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before []string
			if tt.before != "" {
				before = snap(tt.before)
			}
			d, kind, ok := diffDeposit(rule, before, snap(tt.after))
			if ok != tt.event || kind != tt.kind {
				t.Fatalf("event %v kind %q, want %v %q", ok, kind, tt.event, tt.kind)
			}
			if !ok {
				return
			}
			var got []string
			for _, c := range d.changes {
				got = append(got, c.Field)
				for _, v := range []json.RawMessage{c.Before, c.After} {
					if !json.Valid(v) {
						t.Errorf("%s: %q is not JSON", c.Field, v)
					}
				}
			}
			if len(got) != len(tt.fields) {
				t.Fatalf("changes %v, want %v", got, tt.fields)
			}
			for i := range got {
				if got[i] != tt.fields[i] {
					t.Fatalf("changes %v, want %v", got, tt.fields)
				}
			}
			if d.effective != tt.effectiveDay {
				t.Errorf("effective %q, want %q", d.effective, tt.effectiveDay)
			}
		})
	}
}
