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

	// The endpoints of ukgpro-api-more.md.

	// CompanyDetails is C1, /configuration/v1/company-details.
	CompanyDetails
	// OrgLevels is C2, /configuration/v1/org-levels (unpaged).
	OrgLevels
	// Jobs is C3, /configuration/v2/jobs (v1 is deprecated, §9 row 1).
	Jobs
	// Locations is C4, /configuration/v1/locations (unpaged).
	Locations
	// Positions is C7, /configuration/v1/positions.
	Positions
	// Contacts is P1, /personnel/v1/contacts: rows carry no company id.
	Contacts
	// PTOPlans is P2, /personnel/v1/pto-plans: no filters.
	PTOPlans
	// DirectDeposit is B1, /payroll/v1/direct-deposit.
	DirectDeposit
	// GlobalBanks is B2, /personnel/v1/employee-global-banks.
	GlobalBanks
	// ContractDetails is K1, /personnel/v1/employee-contract-details.
	ContractDetails
)

// Endpoints lists every endpoint in a stable order.
func Endpoints() []Endpoint {
	out := make([]Endpoint, 0, len(endpoints)-1)
	for e := EmployeeEmploymentDetails; int(e) < len(endpoints); e++ {
		out = append(out, e)
	}
	return out
}

// ByName returns the endpoint whose path ends in name
// ("employee-employment-details", "org-levels"), ok false when none does.
func ByName(name string) (Endpoint, bool) {
	for _, e := range Endpoints() {
		if e.String() == name {
			return e, true
		}
	}
	return 0, false
}

// Permissions of ukgpro-api-more.md §0 and §8.
const (
	permCCI      = "Company Configuration Integration"
	permPersonel = "Personnel Integration"
)

type endpointInfo struct {
	name        string
	base        string // path prefix; "" = /personnel/v1/
	permission  string
	companyKey  string // documented casing of the company id key
	employeeKey string
	rowKey      string   // extra identity key (job history's systemId)
	codeKey     []string // configuration rows: the members of the key
	perPage     string   // page-size parameter name
	unpaged     bool     // one request returns every row; no page parameters
	enveloped   bool     // the array may come wrapped in {"<name>": […], …} (§9 row 3)
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
	CompanyDetails: {
		name: "company-details", base: "/configuration/v1/", permission: permCCI,
		codeKey: []string{"companyID"}, perPage: "per_Page", companyFilter: "companyId",
	},
	OrgLevels: {
		name: "org-levels", base: "/configuration/v1/", permission: permCCI,
		codeKey: []string{"level", "code"}, unpaged: true,
	},
	Jobs: {
		name: "jobs", base: "/configuration/v2/", permission: permCCI,
		codeKey: []string{"jobCode"}, perPage: "per_Page",
	},
	Locations: {
		name: "locations", base: "/configuration/v1/", permission: permCCI,
		codeKey: []string{"locationCode"}, unpaged: true, enveloped: true,
	},
	Positions: {
		name: "positions", base: "/configuration/v1/", permission: permCCI,
		codeKey: []string{"companyId", "positionCode"}, perPage: "per_Page", companyFilter: "companyId",
	},
	Contacts: {
		// UKG's description names Personnel Integration; Workato's
		// "Employee contacts" is the SOAP service (ukgpro-api-more.md §3):
		// the README tells to grant both.
		name: "contacts", permission: permPersonel,
		employeeKey: "employeeId", rowKey: "contactId", perPage: "per_Page", employeeFilter: "employeeId",
	},
	PTOPlans: {
		name: "pto-plans", permission: "PTO Plan Integration",
		companyKey: "companyId", employeeKey: "employeeId", rowKey: "ptoPlan", perPage: "per_page",
		companyPath: true,
	},
	DirectDeposit: {
		name: "direct-deposit", base: "/payroll/v1/", permission: "Employee Direct Deposit",
		companyKey: "companyId", employeeKey: "employeeId", rowKey: "accountRecordId", perPage: "per_Page",
		companyFilter: "companyId", employeeFilter: "employeeId", changedFilter: "dateTimeChanged",
	},
	GlobalBanks: {
		name: "employee-global-banks", permission: "Global Employee Direct Deposit",
		companyKey: "companyId", employeeKey: "employeeId", rowKey: "bankId", perPage: "per_Page",
		companyFilter: "companyId", employeeFilter: "employeeId", changedFilter: "dateModified",
	},
	ContractDetails: {
		name: "employee-contract-details", permission: permPersonel,
		companyKey: "companyId", employeeKey: "employeeId", rowKey: "employmentContractId", perPage: "per_Page",
		companyFilter: "companyId", employeeFilter: "employeeId", changedFilter: "rowLastChanged", createdFilter: "dateTimeCreated",
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
// "/personnel/v1/person-details", "/configuration/v2/jobs".
func (e Endpoint) Path() string { return e.base() + e.info().name }

func (e Endpoint) base() string {
	if b := e.info().base; b != "" {
		return b
	}
	return "/personnel/v1/"
}

// Unpaged reports that one request returns every row and the endpoint
// takes no page parameters (org-levels, locations: ukgpro-api-more.md §1).
func (e Endpoint) Unpaged() bool { return e.info().unpaged }

// CodeKey returns the members whose values, joined by "/", key a
// configuration row (["level", "code"] on org-levels); nil on employee data.
func (e Endpoint) CodeKey() []string { return append([]string(nil), e.info().codeKey...) }

// HasCompanyFilter reports whether the list can be filtered by company.
func (e Endpoint) HasCompanyFilter() bool { return e.info().companyFilter != "" }

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
// its change timestamp (dateTimeChanged; dateModified on global banks,
// rowLastChanged on contracts) and dateTimeCreated.
func (e Endpoint) HasChangedFilter() bool { return e.info().changedFilter != "" }
func (e Endpoint) HasCreatedFilter() bool { return e.info().createdFilter != "" }

// employeePath returns the per-employee path variant (escaped), or "" when
// the endpoint has none and the list must be filtered instead.
func (e Endpoint) employeePath(companyID, employeeID string) string {
	in := e.info()
	switch {
	case in.companyPath && companyID != "" && employeeID != "":
		return e.base() + "companies/" + url.PathEscape(companyID) + "/employees/" + url.PathEscape(employeeID) + "/" + in.name
	case in.byEmployeePath && employeeID != "":
		return e.Path() + "/" + url.PathEscape(employeeID)
	}
	return ""
}
