package ukgpro

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// DateCond is a UKG date filter value: the operator travels inside the value
// and dates are MM-DD-YYYY (ukgpro-api.md §2), e.g. ">01-31-2024" or
// "{01-01-2024,03-31-2024}". Build one with After, Before, On or Between; the
// zero value means "no filter". url.Values encoding takes care of < > { } ,.
type DateCond struct {
	op   byte // '>', '<', '=', '{'
	a, b time.Time
}

// After matches dates after t's calendar day: ">MM-DD-YYYY".
func After(t time.Time) DateCond { return DateCond{op: '>', a: t} }

// Before matches dates before t's calendar day: "<MM-DD-YYYY".
func Before(t time.Time) DateCond { return DateCond{op: '<', a: t} }

// On matches dates on t's calendar day: "MM-DD-YYYY".
func On(t time.Time) DateCond { return DateCond{op: '=', a: t} }

// Between matches dates from a to b inclusive: "{MM-DD-YYYY,MM-DD-YYYY}".
func Between(a, b time.Time) DateCond { return DateCond{op: '{', a: a, b: b} }

// IsZero reports whether d is no filter.
func (d DateCond) IsZero() bool { return d.op == 0 }

const ukgDate = "01-02-2006"

// String renders the filter value as UKG expects it (before URL encoding).
// The calendar day is taken in the time's own location: pass times in the
// tenant's zone.
func (d DateCond) String() string {
	switch d.op {
	case 0:
		return ""
	case '=':
		return d.a.Format(ukgDate)
	case '{':
		return "{" + d.a.Format(ukgDate) + "," + d.b.Format(ukgDate) + "}"
	}
	return string(d.op) + d.a.Format(ukgDate)
}

// isoSecond is the employee-changes window format: naive tenant-local time.
const isoSecond = "2006-01-02T15:04:05"

// Query narrows a list request. Zero fields are not sent.
type Query struct {
	// CompanyID and EmployeeID filter by id; the client sends them with the
	// parameter casing the endpoint documents.
	CompanyID  string
	EmployeeID string
	// DateTimeChanged and DateTimeCreated filter on the audit timestamps
	// (E2, E4; E6 has dateTimeCreated only). Asking an endpoint for a filter
	// it lacks is an error, not a silent full read.
	DateTimeChanged DateCond
	DateTimeCreated DateCond
	// StartDate and EndDate bound an employee-changes window, sent as
	// YYYY-MM-DDTHH:MM:SS in the times' own location (use the tenant zone).
	StartDate, EndDate time.Time
	// FromPage resumes a read at this 1-based page (0 means 1). A 404 or an
	// empty page at FromPage means there is nothing left.
	FromPage int
	// Extra carries any other documented filter verbatim (e.g.
	// "jobEffectiveDate": {After(t).String()}). Use the endpoint's spelling.
	Extra url.Values
}

// values builds the query string for page of ep.
func (q Query) values(ep Endpoint, page, perPage int) (url.Values, error) {
	in := ep.info()
	v := url.Values{}
	for k, vs := range q.Extra {
		v[k] = append([]string(nil), vs...)
	}
	if q.CompanyID != "" {
		if in.companyFilter == "" {
			return nil, fmt.Errorf("ukgpro: %s has no company filter", ep)
		}
		v.Set(in.companyFilter, q.CompanyID)
	}
	if q.EmployeeID != "" {
		if in.employeeFilter == "" {
			return nil, fmt.Errorf("ukgpro: %s has no employee filter (use Employee)", ep)
		}
		v.Set(in.employeeFilter, q.EmployeeID)
	}
	if !q.DateTimeChanged.IsZero() {
		if in.changedFilter == "" {
			return nil, fmt.Errorf("ukgpro: %s has no dateTimeChanged filter", ep)
		}
		v.Set(in.changedFilter, q.DateTimeChanged.String())
	}
	if !q.DateTimeCreated.IsZero() {
		if in.createdFilter == "" {
			return nil, fmt.Errorf("ukgpro: %s has no dateTimeCreated filter", ep)
		}
		v.Set(in.createdFilter, q.DateTimeCreated.String())
	}
	if !q.StartDate.IsZero() || !q.EndDate.IsZero() {
		if !in.dateWindow {
			return nil, fmt.Errorf("ukgpro: %s has no startDate/endDate window", ep)
		}
		if !q.StartDate.IsZero() {
			v.Set("startDate", q.StartDate.Format(isoSecond))
		}
		if !q.EndDate.IsZero() {
			v.Set("endDate", q.EndDate.Format(isoSecond))
		}
	}
	if page > 0 && !in.unpaged {
		v.Set("page", strconv.Itoa(page))
		v.Set(in.perPage, strconv.Itoa(perPage))
	}
	return v, nil
}
