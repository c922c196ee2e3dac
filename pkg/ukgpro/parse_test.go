package ukgpro

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParsePage(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr bool
		want    []Record // Raw compared as string
	}{
		{name: "array, E2 casing", body: ` [ {"companyID":"Q4T9Z","employeeID":"B7QX2K0000A1","x":[1,{"employeeID":"inner"}]} ] `,
			want: []Record{{CompanyID: "Q4T9Z", EmployeeID: "B7QX2K0000A1", Raw: json.RawMessage(`{"companyID":"Q4T9Z","employeeID":"B7QX2K0000A1","x":[1,{"employeeID":"inner"}]}`)}}},
		{name: "E4 casing, ids after other keys", body: `[{"a":"}\"{","n":-1.5e3,"t":true,"z":null,"companyId":"C","employeeId":"E"}]`,
			want: []Record{{CompanyID: "C", EmployeeID: "E", Raw: json.RawMessage(`{"a":"}\"{","n":-1.5e3,"t":true,"z":null,"companyId":"C","employeeId":"E"}`)}}},
		{name: "escaped key and value", body: `[{"company\u0049d":"C\u00e9","EMPLOYEEID":"E1","systemId":"S"}]`,
			want: []Record{{CompanyID: "Cé", EmployeeID: "E1", Raw: json.RawMessage(`{"company\u0049d":"C\u00e9","EMPLOYEEID":"E1","systemId":"S"}`)}}},
		{name: "single object", body: `{"companyId":"C","employeeId":"E"}`,
			want: []Record{{CompanyID: "C", EmployeeID: "E", Raw: json.RawMessage(`{"companyId":"C","employeeId":"E"}`)}}},
		{name: "null id stays empty", body: `[{"companyId":null,"employeeId":"E"}]`,
			want: []Record{{EmployeeID: "E", Raw: json.RawMessage(`{"companyId":null,"employeeId":"E"}`)}}},
		{name: "empty array", body: `[]`},
		{name: "null", body: `null`},
		{name: "empty body", body: ``, wantErr: true},
		{name: "truncated", body: `[{"companyId":"C"},{"comp`, wantErr: true},
		{name: "unterminated array", body: `[{"companyId":"C"}`, wantErr: true},
		{name: "trailing data", body: `[]{}`, wantErr: true},
		{name: "element not an object", body: `[{"a":1},"x"]`, wantErr: true},
		{name: "xml", body: `<Employees/>`, wantErr: true},
		{name: "string", body: `"[]"`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePage([]byte(tt.body), idKeys{})
			if tt.wantErr {
				if !errors.Is(err, ErrMalformedPage) {
					t.Fatalf("err = %v, want ErrMalformedPage", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d records, want %d", len(got), len(tt.want))
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.CompanyID != w.CompanyID || g.EmployeeID != w.EmployeeID || g.SystemID != "" || string(g.Raw) != string(w.Raw) {
					t.Errorf("record %d = %+v (raw %s), want %+v (raw %s)", i, g, g.Raw, w, w.Raw)
				}
			}
		})
	}
}

func TestParsePageSystemID(t *testing.T) {
	got, err := parsePage([]byte(`[{"systemId":"S1","companyId":"C","employeeId":"E"}]`), JobHistoryDetails.idKeys())
	if err != nil || len(got) != 1 || got[0].SystemID != "S1" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

// TestParsePageKeys: row keys and configuration code keys, string or
// numeric, make the record's identity and Kafka key.
func TestParsePageKeys(t *testing.T) {
	for _, tt := range []struct {
		ep          Endpoint
		body        string
		key, rowID  string
		company, em string
	}{
		{OrgLevels, `[{"level":2,"code":"WHS","description":"Warehouse"}]`, "2/WHS", "", "", ""},
		{OrgLevels, `[{"LEVEL":2.0,"Code":"WHS"}]`, "2/WHS", "", "", ""},
		{Positions, `[{"companyId":"C1","positionCode":"P-X"}]`, "C1/P-X", "", "C1", ""},
		{CompanyDetails, `[{"companyID":"C1","companyCode":"NWL"}]`, "C1", "", "C1", ""},
		{OrgLevels, `[{"level":2}]`, "/", "", "", ""}, // incomplete: no code, the schema check names it
		{ContractDetails, `[{"companyId":"C","employeeId":"E","employmentContractId":5.0}]`, "C/E", "5", "C", "E"},
		{DirectDeposit, `[{"companyId":"C","employeeId":"E","accountRecordId":"D1"}]`, "C/E", "D1", "C", "E"},
		{Contacts, `[{"employeeId":"E","contactId":"K1"}]`, "/E", "K1", "", "E"},
		// A vendor sample wraps locations: both shapes are read (§9 row 3).
		{Locations, `{"locations":[{"locationCode":"HQ"}],"totalCount":1,"pageNumber":1,"pageSize":100}`, "HQ", "", "", ""},
		{Locations, `[{"locationCode":"HQ"}]`, "HQ", "", "", ""},
	} {
		got, err := parsePage([]byte(tt.body), tt.ep.idKeys())
		if err != nil || len(got) != 1 {
			t.Fatalf("%s %s: %+v, %v", tt.ep, tt.body, got, err)
		}
		r := got[0]
		if r.Key() != tt.key || r.RowID != tt.rowID || r.CompanyID != tt.company || r.EmployeeID != tt.em {
			t.Errorf("%s %s: key %q row %q ids %q/%q, want %q %q %q/%q", tt.ep, tt.body, r.Key(), r.RowID, r.CompanyID, r.EmployeeID,
				tt.key, tt.rowID, tt.company, tt.em)
		}
	}
}

// FuzzParsePage: parsePage never panics; when it succeeds every record is a
// valid JSON object and its parsed ids equal what encoding/json reads from
// the documented keys.
func FuzzParsePage(f *testing.F) {
	for _, s := range []string{
		`[{"companyID":"Q4T9Z","employeeID":"B7QX2K0000A1"}]`,
		`[{"companyId":"C","employeeId":"E","systemId":"S","n":[1,{"a":"]"}]}]`,
		`{"companyId":"C\u00e9"}`, `[]`, `null`, `[{"a":"\\"}]`, `[{"companyid":1}]`, `[{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := parsePage(body, JobHistoryDetails.idKeys())
		if err != nil {
			return
		}
		for _, r := range recs {
			if !json.Valid(r.Raw) || r.Raw[0] != '{' {
				t.Fatalf("record is not a JSON object: %q", r.Raw)
			}
			var m map[string]any
			if err := json.Unmarshal(r.Raw, &m); err != nil {
				t.Fatal(err)
			}
			// When exactly one key folds to companyid and it holds a string,
			// the parsed id must equal it.
			var want string
			n := 0
			for k, v := range m {
				if strings.EqualFold(k, "companyid") {
					n++
					want, _ = v.(string)
				}
			}
			if n == 1 && len(m) == countKeys(r.Raw) && r.CompanyID != want {
				t.Fatalf("CompanyID %q, want %q from %s", r.CompanyID, want, r.Raw)
			}
		}
	})
}

// countKeys counts top-level keys including duplicates.
func countKeys(raw []byte) int {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.Token()
	n := 0
	for dec.More() {
		dec.Token()
		var v json.RawMessage
		dec.Decode(&v)
		n++
	}
	return n
}
