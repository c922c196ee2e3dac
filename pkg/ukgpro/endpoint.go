package ukgpro

import (
	"fmt"
	"net/url"
)

// Endpoint is one UKG Pro list endpoint the extractor reads (ukgpro-api.md
// §6). Its methods describe the endpoint: path, permission group, id casing
// and filter names. The zero value is not a valid endpoint.
type Endpoint uint8

// The endpoints design.md routes to a topic, plus employee-changes (E7) for
// incremental runs.
const (
	// EmployeeEmploymentDetails is E2, routed to the employees topic.
	EmployeeEmploymentDetails Endpoint = iota + 1
	// PersonDetails is E4, routed to the people topic.
	PersonDetails
	// CompensationDetails is E5, routed to the compensation topic.
	CompensationDetails
	// JobHistoryDetails is E6 (employee-job-history-details), routed to the
	// job-history topic.
	JobHistoryDetails
	// EmployeeChanges is E7: one current snapshot per employee changed in a
	// date window. It feeds incremental runs and has no topic of its own.
	EmployeeChanges
)

// Endpoints lists every endpoint in a stable order.
func Endpoints() []Endpoint {
	return []Endpoint{EmployeeEmploymentDetails, PersonDetails, CompensationDetails, JobHistoryDetails, EmployeeChanges}
}

type endpointInfo struct {
	name        string
	permission  string
	companyKey  string // documented casing of the company id key
	employeeKey string
	rowKey      string // extra identity key (job history's systemId)
	perPage     string // page-size parameter name
	// Filter names as the endpoint documents them.
	companyFilter, employeeFilter string
	changedFilter, createdFilter  string // "" when the endpoint has none
	// companyPath reports that /companies/{companyId}/<name> and
	// /companies/{companyId}/employees/{employeeId}/<name> exist.
	companyPath bool
	// byEmployeePath reports that /<name>/{employeeId} exists.
	byEmployeePath bool
	dateWindow     bool // startDate/endDate (employee-changes)
}

var endpoints = [...]endpointInfo{
	EmployeeEmploymentDetails: {
		name: "employee-employment-details", permission: "Personnel Integration",
		companyKey: "companyID", employeeKey: "employeeID", perPage: "per_Page",
		companyFilter: "companyID", employeeFilter: "employeeID",
		changedFilter: "dateTimeChanged", createdFilter: "dateTimeCreated",
	},
	PersonDetails: {
		name: "person-details", permission: "Employee Person Details",
		companyKey: "companyId", employeeKey: "employeeId", perPage: "per_Page",
		companyFilter: "companyId", employeeFilter: "employeeId",
		changedFilter: "dateTimeChanged", createdFilter: "dateTimeCreated",
		companyPath: true, byEmployeePath: true,
	},
	CompensationDetails: {
		name: "compensation-details", permission: "Employee Compensation Details",
		companyKey: "companyID", employeeKey: "employeeID", perPage: "per_Page",
		companyFilter: "companyId", employeeFilter: "employeeId",
		companyPath: true, byEmployeePath: true,
	},
	JobHistoryDetails: {
		name: "employee-job-history-details", permission: "Employee Job History Details",
		companyKey: "companyId", employeeKey: "employeeId", rowKey: "systemId", perPage: "per_Page",
		companyFilter: "companyId", employeeFilter: "employeeId",
		createdFilter: "dateTimeCreated",
	},
	EmployeeChanges: {
		name: "employee-changes", permission: "EmployeeExport",
		companyKey: "companyId", employeeKey: "employeeId", perPage: "per_page",
		companyFilter:  "companyId",
		byEmployeePath: true, dateWindow: true,
	},
}

func (e Endpoint) valid() bool { return e > 0 && int(e) < len(endpoints) }

func (e Endpoint) info() endpointInfo {
	if !e.valid() {
		return endpointInfo{name: fmt.Sprintf("endpoint(%d)", uint8(e))}
	}
	return endpoints[e]
}

// String returns the endpoint's name as it appears in its path, e.g.
// "employee-employment-details". Logs and errors use it.
func (e Endpoint) String() string { return e.info().name }

// Path returns the list path below the base URL, e.g.
// "/personnel/v1/person-details".
func (e Endpoint) Path() string { return "/personnel/v1/" + e.info().name }

// Permission returns the web service the account needs the View role on
// (ukgpro-api.md §6), e.g. "Employee Person Details".
func (e Endpoint) Permission() string { return e.info().permission }

// CompanyKey and EmployeeKey return the documented casing of the id keys in
// this endpoint's records: "companyID"/"employeeID" on E2 and E5,
// "companyId"/"employeeId" elsewhere. Identity parsing accepts either casing.
func (e Endpoint) CompanyKey() string  { return e.info().companyKey }
func (e Endpoint) EmployeeKey() string { return e.info().employeeKey }

// RowKey returns the extra record-identity key ("systemId" on job history),
// or "".
func (e Endpoint) RowKey() string { return e.info().rowKey }

// PerPageParam returns the page-size parameter: "per_Page", or "per_page" on
// employee-changes.
func (e Endpoint) PerPageParam() string { return e.info().perPage }

// HasChangedFilter and HasCreatedFilter report whether the endpoint filters on
// dateTimeChanged and dateTimeCreated.
func (e Endpoint) HasChangedFilter() bool { return e.info().changedFilter != "" }
func (e Endpoint) HasCreatedFilter() bool { return e.info().createdFilter != "" }

// employeePath returns the per-employee path variant (escaped), or "" when
// the endpoint has none and the list must be filtered instead.
func (e Endpoint) employeePath(companyID, employeeID string) string {
	in := e.info()
	switch {
	case in.companyPath && companyID != "" && employeeID != "":
		return "/personnel/v1/companies/" + url.PathEscape(companyID) + "/employees/" + url.PathEscape(employeeID) + "/" + in.name
	case in.byEmployeePath && employeeID != "":
		return e.Path() + "/" + url.PathEscape(employeeID)
	}
	return ""
}
