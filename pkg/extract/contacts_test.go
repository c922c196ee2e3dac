package extract

import (
	"encoding/json"
	"testing"
)

func TestWithCompany(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"employeeId":"E","contactId":"K"}`, `{"companyId":"C1","employeeId":"E","contactId":"K"}`},
		{`{}`, `{"companyId":"C1"}`},
		{` { }`, ` {"companyId":"C1" }`},
		{`{"CompanyID":"X","employeeId":"E"}`, `{"CompanyID":"X","employeeId":"E"}`},
	} {
		if got := string(withCompany([]byte(tt.in), "C1")); got != tt.want || !json.Valid([]byte(got)) {
			t.Errorf("withCompany(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
