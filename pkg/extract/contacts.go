package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/jsonscan"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
)

// Contacts carry employeeId but no company (docs/decisions/0102): a run
// that extracts them first reads every employee's home company from the
// employment rows flagged isHomeCompany, keys each contact
// <home company>/<employeeId> and inserts that company into the value.

// homeCompanies reads employee-employment-details?isHomeCompany=Y into a
// map employeeId → companyID.
func (x *Extractor) homeCompanies(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	q := ukgpro.Query{Extra: url.Values{"isHomeCompany": {"Y"}}}
	for page, err := range x.src.Pages(ctx, ukgpro.EmployeeEmploymentDetails, q) {
		if err != nil {
			return nil, fmt.Errorf("read home companies (%s?isHomeCompany=Y): %w", ukgpro.EmployeeEmploymentDetails, err)
		}
		for _, r := range page.Records {
			if r.EmployeeID != "" && r.CompanyID != "" {
				out[r.EmployeeID] = r.CompanyID
			}
		}
	}
	return out, nil
}

// withCompany returns the contact row with "companyId":company as its first
// member, or raw itself when it already has a companyId member (any case).
// raw is a valid JSON object (the client split it from a valid page).
func withCompany(raw []byte, company string) []byte {
	i := jsonscan.SkipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return raw
	}
	for j := jsonscan.SkipSpace(raw, i+1); j < len(raw) && raw[j] == '"'; {
		kEnd := jsonscan.StringEnd(raw, j)
		if bytes.EqualFold(raw[j+1:kEnd-1], []byte("companyId")) {
			return raw
		}
		j = jsonscan.SkipSpace(raw, jsonscan.SkipSpace(raw, kEnd)+1)
		j = jsonscan.SkipSpace(raw, jsonscan.ValueEnd(raw, j))
		if j < len(raw) && raw[j] == ',' {
			j = jsonscan.SkipSpace(raw, j+1)
		}
	}
	v, _ := json.Marshal(company)
	out := make([]byte, 0, len(raw)+len(v)+16)
	out = append(out, raw[:i+1]...)
	out = append(out, `"companyId":`...)
	out = append(out, v...)
	rest := jsonscan.SkipSpace(raw, i+1)
	if raw[rest] != '}' {
		out = append(out, ',')
	}
	return append(out, raw[i+1:]...)
}
