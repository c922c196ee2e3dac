package ukgsim

import "strings"

// The company configuration (ukgpro-api-more.md §2): the code tables that
// label the codes in employment rows. Every code an employment row uses
// (orgLevel1Code…orgLevel4Code, primaryJobCode, primaryWorkLocationCode)
// has a row here. Advance can rename an org unit or add a job; the rest is
// fixed by the catalogue (catalog.go).

// configuration is the mutable part of the tables.
type configuration struct {
	// orgNames[level-1][i] names the i-th code of that level: org1 codes,
	// then every department of org1 in order, then org3, then org4.
	orgNames [4][]string
	// newJobs are jobs Advance added (no employee holds one yet).
	newJobs []jobDef
}

var levelNames = [4]string{"Division", "Department", "Cost Center", "Region"}

var org1Names = map[string]string{
	"OPS": "Operations", "TRN": "Transportation", "CUST": "Customer Service", "FIN": "Finance",
	"HR": "Human Resources", "IT": "Information Technology", "SALES": "Sales", "EXEC": "Executive",
}

var deptNames = map[string]string{
	"WHS": "Warehouse", "INV": "Inventory Control", "SHIP": "Shipping and Receiving", "FLEET": "Fleet",
	"DISP": "Dispatch", "CARE": "Customer Care", "RET": "Returns", "ACC": "Accounting", "AP": "Accounts Payable",
	"FPA": "Planning and Analysis", "PEOP": "People Operations", "TAL": "Talent Acquisition", "APPS": "Applications",
	"INFRA": "Infrastructure", "SUPP": "IT Support", "FIELD": "Field Sales", "INSIDE": "Inside Sales", "OFC": "Office of the CEO",
}

var regionNames = map[string]string{"EAST": "East Region", "WEST": "West Region", "CENT": "Central Region", "SOUTH": "South Region"}

// orgCodes returns the codes of a level (1-4) in table order.
func orgCodes(level int) []string {
	switch level {
	case 1:
		out := make([]string, len(org1))
		for i, o := range org1 {
			out[i] = o.code
		}
		return out
	case 2:
		var out []string
		for _, o := range org1 {
			out = append(out, o.dept...)
		}
		return out
	case 3:
		return org3
	}
	return org4
}

func newConfiguration() configuration {
	var c configuration
	for lv := 1; lv <= 4; lv++ {
		for _, code := range orgCodes(lv) {
			var name string
			switch lv {
			case 1:
				name = org1Names[code]
			case 2:
				name = deptNames[code]
			case 3:
				name = "Cost Center " + strings.TrimPrefix(code, "CC")
			default:
				name = regionNames[code]
			}
			c.orgNames[lv-1] = append(c.orgNames[lv-1], name)
		}
	}
	return c
}

// orgRow maps a row of org-levels to its level (1-4) and index in the level.
func (c *configuration) orgRow(row int) (level, i int) {
	for lv := range 4 {
		if row < len(c.orgNames[lv]) {
			return lv + 1, row
		}
		row -= len(c.orgNames[lv])
	}
	return 0, 0
}

func (c *configuration) orgRows() int {
	n := 0
	for lv := range 4 {
		n += len(c.orgNames[lv])
	}
	return n
}

// job returns the i-th row of the jobs table (catalogue jobs, then added ones).
func (c *configuration) job(i int) *jobDef {
	if i < len(jobs) {
		return &jobs[i]
	}
	return &c.newJobs[i-len(jobs)]
}

func (c *configuration) jobRows() int { return len(jobs) + len(c.newJobs) }

// renames are the names a renamed org unit may take.
var renames = []string{"%s North America", "Global %s", "%s Services", "%s and Logistics", "Enterprise %s"}

// newJobTitles are the jobs Advance may add, per job family.
var newJobTitles = []struct{ code, title string }{
	{"WHSANL", "Warehouse Analyst"}, {"ROUTEPL", "Route Planner"}, {"CXSPEC", "Customer Experience Specialist"},
	{"PAYSPEC", "Payroll Specialist"}, {"HRIS", "HRIS Analyst"}, {"SRE", "Site Reliability Engineer"},
	{"SALESOPS", "Sales Operations Analyst"}, {"COS", "Chief of Staff"},
}
