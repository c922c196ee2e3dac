package extract

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// noteReference is what note read with encoding/json before the scanner.
func noteReference(raw []byte) (histRow, bool) {
	var r struct {
		Eff        *string `json:"jobEffectiveDate"`
		Created    *string `json:"dateTimeCreated"`
		Job        *bool   `json:"isJobChange"`
		Org        *bool   `json:"isOrgchange"`
		Transfer   *bool   `json:"isTransfer"`
		Promotion  *bool   `json:"isPromotion"`
		RateChange *bool   `json:"isRateChange"`
	}
	if json.Unmarshal(raw, &r) != nil || r.Eff == nil || len(*r.Eff) < 10 {
		return histRow{}, false
	}
	t := func(b *bool) bool { return b != nil && *b }
	row := histRow{eff: [10]byte([]byte((*r.Eff)[:10])), job: t(r.Job) || t(r.Org) || t(r.Transfer) || t(r.Promotion), rate: t(r.RateChange)}
	if r.Created != nil {
		row.created = *r.Created
	}
	return row, true
}

// The scanner reads job-history rows exactly as encoding/json did: case-
// insensitive names, aliases (isOrgchange/isOrgChange), the last occurrence
// winning, null unsetting, wrong types skipping the row, escapes.
func TestRowIndexNoteMatchesEncodingJSON(t *testing.T) {
	names := []string{"jobEffectiveDate", "JOBEFFECTIVEDATE", "dateTimeCreated", "isJobChange", "isOrgchange", "isOrgChange",
		"isTransfer", "isPromotion", "isRateChange", "isratechange", `is\u004aobChange`, "other", "systemId"}
	values := []string{"null", "true", "false", `"2024-03-01T00:00:00"`, `"2024-03-02"`, `"2023-12-31T10:11:12.5"`, `"short"`,
		`"2024-0\u0033-05T00:00:00"`, "12", `{"a":[1,"}"]}`, `[]`, `""`}
	r := rand.New(rand.NewPCG(1, 2))
	const ceID = "0123456789abcdef0123456789abcdef"
	kept := 0
	for n := range 20_000 {
		var b strings.Builder
		b.WriteString("{")
		if r.IntN(2) == 0 {
			b.WriteString(`"jobEffectiveDate":"2024-03-01T00:00:00",`)
		}
		for m := range r.IntN(9) {
			if m > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`"` + names[r.IntN(len(names))] + `" : ` + values[r.IntN(len(values))])
		}
		b.WriteString("}")
		raw := []byte(strings.Replace(b.String(), ",}", "}", 1))
		want, wantOK := noteReference(raw)
		ri := newRowIndex()
		ri.note("C1/E1", raw, ceID)
		got, gotOK := ri.get("C1/E1")
		if gotOK != wantOK || gotOK && (got.eff != want.eff || got.job != want.job || got.rate != want.rate || got.created != want.created) {
			t.Fatalf("case %d %s:\n got %+v %v\nwant %+v %v", n, raw, got, gotOK, want, wantOK)
		}
		if gotOK {
			kept++
		}
	}
	if kept < 1000 {
		t.Errorf("only %d of the generated rows were kept: the test hardly exercises kept rows", kept)
	}
}
