package ukgsim

import (
	"net/http"
	"testing"
)

func TestAuth(t *testing.T) {
	_, srv := newTestSim(t, Config{Employees: 20, Deny: []string{"compensation-details", "employee-changes"}})
	basic := func(u, p string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(u, p) }
	}
	hdr := func(name, v string) func(*http.Request) {
		return func(r *http.Request) { r.Header[name] = []string{v} } // raw name, no canonicalisation
	}
	both := func(fs ...func(*http.Request)) func(*http.Request) {
		return func(r *http.Request) {
			for _, f := range fs {
				f(r)
			}
		}
	}
	const emp = "/personnel/v1/employee-employment-details?per_Page=1"
	for _, tc := range []struct {
		name   string
		path   string
		prep   func(*http.Request)
		status int
	}{
		{"no auth at all", emp, func(*http.Request) {}, 401},
		{"key but no basic", emp, hdr("US-Customer-Api-Key", "DEMO-KEY"), 401},
		{"wrong password", emp, both(basic("svc-demo", "nope"), hdr("US-Customer-Api-Key", "DEMO-KEY")), 401},
		{"wrong user", emp, both(basic("someone", "demo-password"), hdr("US-Customer-Api-Key", "DEMO-KEY")), 401},
		{"missing key", emp, basic("svc-demo", "demo-password"), 401},
		{"wrong key", emp, both(basic("svc-demo", "demo-password"), hdr("US-Customer-Api-Key", "OTHER")), 401},
		{"key in x-api-key only", emp, both(basic("svc-demo", "demo-password"), hdr("x-api-key", "DEMO-KEY")), 401},
		{"canonical header", emp, both(basic("svc-demo", "demo-password"), hdr("Us-Customer-Api-Key", "DEMO-KEY")), 200},
		{"lower-case header name", emp, both(basic("svc-demo", "demo-password"), hdr("us-customer-api-key", "DEMO-KEY")), 200},
		{"upper-case header name", emp, both(basic("svc-demo", "demo-password"), hdr("US-CUSTOMER-API-KEY", "DEMO-KEY")), 200},
		{"user API key ignored", emp, both(basic("svc-demo", "demo-password"), hdr("US-Customer-Api-Key", "DEMO-KEY"), hdr("x-api-key", "whatever")), 200},
		{"denied endpoint", "/personnel/v1/compensation-details", both(basic("svc-demo", "demo-password"), hdr("US-Customer-Api-Key", "DEMO-KEY")), 403},
		{"denied endpoint, per-employee route", "/personnel/v1/companies/ABCDE/employees/X/compensation-details", both(basic("svc-demo", "demo-password"), hdr("US-Customer-Api-Key", "DEMO-KEY")), 403},
		{"denied employee-changes", "/personnel/v1/employee-changes?startDate=2025-01-01", both(basic("svc-demo", "demo-password"), hdr("US-Customer-Api-Key", "DEMO-KEY")), 403},
		{"denied endpoint, bad credentials", "/personnel/v1/compensation-details", basic("svc-demo", "x"), 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, tc.path, tc.prep)
			if r.err != nil {
				t.Fatal(r.err)
			}
			if r.status != tc.status {
				t.Fatalf("status %d, want %d", r.status, tc.status)
			}
			switch tc.status {
			case 401:
				if got := r.header.Get("WWW-Authenticate"); got != "Basic" {
					t.Fatalf("WWW-Authenticate %q, want Basic", got)
				}
				fallthrough
			case 403:
				if len(r.body) != 0 {
					t.Fatalf("body %q, want empty", r.body)
				}
			}
		})
	}
}
