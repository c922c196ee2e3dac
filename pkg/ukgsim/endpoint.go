package ukgsim

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Endpoint names as they appear in the path (and in SIM_DENY, Stats, Rows).
const (
	EndpointDemographics    = "employee-demographic-details" // E1
	EndpointEmployment      = "employee-employment-details"  // E2
	EndpointEmploymentOld   = "employment-details"           // E3
	EndpointPerson          = "person-details"               // E4
	EndpointCompensation    = "compensation-details"         // E5
	EndpointJobHistory      = "employee-job-history-details" // E6
	EndpointEmployeeChanges = "employee-changes"             // E7
	epEmployment            = EndpointEmployment

	EndpointCompanies     = "company-details"           // C1, /configuration/v1
	EndpointOrgLevels     = "org-levels"                // C2, /configuration/v1, unpaged
	EndpointJobs          = "jobs"                      // C3, /configuration/v2
	EndpointLocations     = "locations"                 // C4, /configuration/v1, unpaged
	EndpointPositions     = "positions"                 // C7, /configuration/v1
	EndpointContacts      = "contacts"                  // P1
	EndpointPTOPlans      = "pto-plans"                 // P2
	EndpointDirectDeposit = "direct-deposit"            // B1, /payroll/v1
	EndpointGlobalBanks   = "employee-global-banks"     // B2
	EndpointContracts     = "employee-contract-details" // K1
)

type rowKind uint8

const (
	perEmployment rowKind = iota // one record per (company, employee)
	perHistory                   // one record per job-history row
	perTable                     // one record per configuration row (not employee data)
	perSub                       // zero or more records per (company, employee): contacts, banks, PTO, contracts
)

// API bases: the personnel endpoints hang off /personnel/v1/, the others
// name theirs.
const (
	basePersonnel = "/personnel/v1/"
	baseConfig    = "/configuration/v1/"
	baseConfig2   = "/configuration/v2/"
	basePayroll   = "/payroll/v1/"
)

var bases = []string{basePersonnel, baseConfig, baseConfig2, basePayroll}

// Route variants an endpoint serves.
const (
	rList        = 1 << iota // /personnel/v1/<name>
	rCompany                 // /personnel/v1/companies/{companyId}/<name>
	rEmployee                // /personnel/v1/companies/{companyId}/employees/{employeeId}/<name>
	rObjEmployee             // /personnel/v1/<name>/{employeeId} -> one object
	rObjSystem               // /personnel/v1/<name>/{systemId} -> one object
	rArrEmployee             // /personnel/v1/<name>/{employeeId} -> array (employee-changes)
)

// endpoint describes one resource: its routes, filters and renderer. The
// endpoints themselves live one per file (e1_demographics.go ... e7_employee_changes.go).
type endpoint struct {
	name    string
	base    string // "" = basePersonnel
	kind    rowKind
	routes  int
	filters []filter
	render  func(w *jw, v *view)
	blank   bool // blanks are "" (employee-changes), not null
	// unpaged endpoints ignore page and per_Page and return every row
	// (org-levels, locations: ukgpro-api-more.md §1, §9 row 2).
	unpaged bool
	// table returns the row count of a perTable endpoint (rows are
	// rendered from view.row).
	table func(s *Sim) int
	// sub returns how many rows a perSub endpoint has for employment ei
	// (rows are rendered from view.row, 0-based).
	sub func(s *Sim, ei int32) int
}

func (ep *endpoint) basePath() string {
	if ep.base == "" {
		return basePersonnel
	}
	return ep.base
}

var endpoints = []*endpoint{epDemographics, epEmployment2, epEmployment3, epPerson, epCompensation, epJobHistory, epChanges,
	epCompanies, epOrgLevels, epJobs, epLocations, epPositions, epContacts, epPTOPlans, epDirectDeposit, epGlobalBanks, epContracts}

func endpointByName(name string) *endpoint {
	for _, ep := range endpoints {
		if strings.EqualFold(ep.name, name) {
			return ep
		}
	}
	return nil
}

// Endpoints returns the name of every endpoint the simulator serves, in
// catalogue order (E1–E7, then the configuration, contact, PTO, banking and
// contract endpoints).
func Endpoints() []string {
	out := make([]string, len(endpoints))
	for i, ep := range endpoints {
		out[i] = ep.name
	}
	return out
}

// Path returns the list path of endpoint name ("/configuration/v2/jobs"), or
// "" when the simulator does not serve it.
func Path(name string) string {
	ep := endpointByName(name)
	if ep == nil {
		return ""
	}
	return ep.basePath() + ep.name
}

type filterKind uint8

const (
	fStr  filterKind = iota // exact, case-insensitive; a comma list matches any
	fFlag                   // Y / N
	fDate                   // operator syntax <D >D =D {A,B}, dates MM-DD-YYYY
)

type filter struct {
	name string
	kind filterKind
	str  func(v *view) string
	flag func(v *view) bool
	ms   func(v *view) int64 // 0 = null, never matches
}

func strF(name string, fn func(v *view) string) filter {
	return filter{name: name, kind: fStr, str: fn}
}
func idF(name string, fn func(v *view) []byte) filter {
	return filter{name: name, kind: fStr, str: func(v *view) string { return string(fn(v)) }}
}
func flagF(name string, fn func(v *view) bool) filter {
	return filter{name: name, kind: fFlag, flag: fn}
}
func dayF(name string, fn func(v *view) int32) filter {
	return filter{name: name, kind: fDate, ms: func(v *view) int64 { return int64(fn(v)) * dayMs }}
}
func stampF(name string, fn func(v *view) int64) filter {
	return filter{name: name, kind: fDate, ms: fn}
}

// badRequest is a 400 with a problem+json detail.
type badRequest struct{ detail string }

func (e *badRequest) Error() string { return e.detail }

func badf(format string, args ...any) error { return &badRequest{fmt.Sprintf(format, args...)} }

type pred func(v *view) bool

func (f filter) compile(raw string) (pred, error) {
	switch f.kind {
	case fStr:
		vals := strings.Split(raw, ",")
		for i := range vals {
			vals[i] = strings.TrimSpace(vals[i])
		}
		return func(v *view) bool {
			got := f.str(v)
			for _, want := range vals {
				if strings.EqualFold(got, want) {
					return true
				}
			}
			return false
		}, nil
	case fFlag:
		var want bool
		switch strings.ToUpper(strings.TrimSpace(raw)) {
		case "Y", "YES", "TRUE", "1":
			want = true
		case "N", "NO", "FALSE", "0":
		default:
			return nil, badf("The value '%s' is not valid for %s: use Y or N.", raw, f.name)
		}
		return func(v *view) bool { return f.flag(v) == want }, nil
	default:
		lo, hi, err := parseDateOp(raw)
		if err != nil {
			return nil, badf("The value '%s' is not valid for %s: %v.", raw, f.name, err)
		}
		return func(v *view) bool {
			t := f.ms(v)
			return t != 0 && t >= lo && t < hi
		}, nil
	}
}

const (
	minTime = int64(-1 << 62)
	maxTime = int64(1 << 62)
)

// parseDateOp parses the UKG date-filter syntax and returns the half-open
// instant range [lo, hi) it selects (docs/decisions/0003-date-filter-semantics.md):
//
//	<D      before D 00:00:00
//	>D      after D 00:00:00 (strictly)
//	=D, D   on day D
//	{A,B}   from A 00:00:00 through the end of day B
//	>=D <=D inclusive variants
//
// Dates are MM-DD-YYYY (also accepted: M/D/YYYY and YYYY-MM-DD).
func parseDateOp(raw string) (lo, hi int64, err error) {
	s := strings.TrimSpace(raw)
	switch {
	case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
		a, b, ok := strings.Cut(s[1:len(s)-1], ",")
		if !ok {
			return 0, 0, errors.New("a range is {MM-DD-YYYY,MM-DD-YYYY}")
		}
		da, err := parseFilterDate(a)
		if err != nil {
			return 0, 0, err
		}
		db, err := parseFilterDate(b)
		if err != nil {
			return 0, 0, err
		}
		return int64(da) * dayMs, int64(db+1) * dayMs, nil
	case strings.HasPrefix(s, ">="):
		d, err := parseFilterDate(s[2:])
		return int64(d) * dayMs, maxTime, err
	case strings.HasPrefix(s, "<="):
		d, err := parseFilterDate(s[2:])
		return minTime, int64(d+1) * dayMs, err
	case strings.HasPrefix(s, ">"):
		d, err := parseFilterDate(s[1:])
		return int64(d)*dayMs + 1, maxTime, err
	case strings.HasPrefix(s, "<"):
		d, err := parseFilterDate(s[1:])
		return minTime, int64(d) * dayMs, err
	case strings.HasPrefix(s, "="):
		s = s[1:]
	}
	d, err := parseFilterDate(s)
	return int64(d) * dayMs, int64(d+1) * dayMs, err
}

func parseFilterDate(s string) (int32, error) {
	s = strings.TrimSpace(s)
	var y, m, d int
	var err error
	switch {
	case len(s) == 10 && s[4] == '-': // YYYY-MM-DD
		y, m, d, err = atoi3(s[0:4], s[5:7], s[8:10])
	case strings.Count(s, "-") == 2: // MM-DD-YYYY
		p := strings.Split(s, "-")
		m, d, y, err = atoi3(p[0], p[1], p[2])
	case strings.Count(s, "/") == 2: // M/D/YYYY
		p := strings.Split(s, "/")
		m, d, y, err = atoi3(p[0], p[1], p[2])
	default:
		err = errors.New("dates are MM-DD-YYYY")
	}
	if err != nil {
		return 0, fmt.Errorf("dates are MM-DD-YYYY")
	}
	if m < 1 || m > 12 || d < 1 || d > 31 || y < 1753 || y > 9999 {
		return 0, errors.New("date out of range")
	}
	return daysFrom(y, m, d), nil
}

func atoi3(a, b, c string) (int, int, int, error) {
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	z, err3 := strconv.Atoi(c)
	return x, y, z, errors.Join(err1, err2, err3)
}

// query is one resolved request: which rows, in which range, with which filters.
type query struct {
	ep     *endpoint
	lo, hi int     // range of positions in Sim.order
	emps   []int32 // when set, only these employments (already in order)
	preds  []pred
	window bool // employee-changes window [winLo, winHi)
	winLo  int64
	winHi  int64
}

func (q *query) simple() bool { return len(q.preds) == 0 && q.emps == nil && !q.window }

// params lower-cases query parameter names (UKG matches them case-insensitively).
func params(u url.Values) map[string]string {
	m := make(map[string]string, len(u))
	for k, v := range u {
		if len(v) > 0 {
			m[strings.ToLower(k)] = v[0]
		}
	}
	return m
}

// compile turns the query parameters into predicates; unknown names are ignored.
func (q *query) compile(p map[string]string) error {
	for _, f := range q.ep.filters {
		raw, ok := p[strings.ToLower(f.name)]
		if !ok || raw == "" {
			continue
		}
		pr, err := f.compile(raw)
		if err != nil {
			return err
		}
		q.preds = append(q.preds, pr)
	}
	return nil
}

func (q *query) match(v *view) bool {
	for _, p := range q.preds {
		if !p(v) {
			return false
		}
	}
	return true
}

// rowsOf is how many records endpoint ep has for employment ei.
func (s *Sim) rowsOf(ep *endpoint, ei int32) int {
	switch ep.kind {
	case perEmployment:
		return 1
	case perHistory:
		return len(s.emps[ei].hist)
	case perSub:
		return ep.sub(s, ei)
	}
	return 0
}

// rowView is record k of employment ei for ep.
func (s *Sim) rowView(ep *endpoint, ei int32, k int) view {
	switch ep.kind {
	case perHistory:
		return s.viewOf(ei, k)
	case perSub:
		v := s.viewOf(ei, -1)
		v.row = k
		return v
	}
	return s.viewOf(ei, -1)
}

// cumOf returns the cumulative record counts by order position of a
// per-employment endpoint with several rows per employment.
func (s *Sim) cumOf(ep *endpoint) []int64 {
	if ep.kind == perHistory {
		return s.histCum
	}
	return s.subCum[ep.name]
}

// each calls fn for every matching record in order until fn returns false.
func (s *Sim) each(q *query, fn func(v *view) bool) {
	if q.ep.kind == perTable {
		for i := range q.ep.table(s) {
			v := view{s: s, row: i}
			if q.match(&v) && !fn(&v) {
				return
			}
		}
		return
	}
	visit := func(ei int32) bool {
		e := &s.emps[ei]
		if q.window && !changedIn(e, q.winLo, q.winHi) {
			return true
		}
		for k := range s.rowsOf(q.ep, ei) {
			v := s.rowView(q.ep, ei, k)
			if q.match(&v) && !fn(&v) {
				return false
			}
		}
		return true
	}
	if q.emps != nil {
		for _, ei := range q.emps {
			if !visit(ei) {
				return
			}
		}
		return
	}
	for pos := q.lo; pos < q.hi; pos++ {
		if !visit(s.order[pos]) {
			return
		}
	}
}

// changedIn reports whether any history row of e was created in [lo, hi).
func changedIn(e *employment, lo, hi int64) bool {
	for i := len(e.hist) - 1; i >= 0; i-- {
		if c := e.hist[i].created; c >= lo && c < hi {
			return true
		}
	}
	return e.personChanged >= lo && e.personChanged < hi
}

// count returns how many records a full paging of q serves.
func (s *Sim) count(q *query) int {
	if q.simple() {
		switch q.ep.kind {
		case perEmployment:
			return q.hi - q.lo
		case perTable:
			return q.ep.table(s)
		}
		cum := s.cumOf(q.ep)
		return int(cum[q.hi] - cum[q.lo])
	}
	n := 0
	s.each(q, func(*view) bool { n++; return true })
	return n
}

// page calls emit for records [offset, offset+limit) of q.
func (s *Sim) page(q *query, offset, limit int, emit func(v *view)) {
	if limit <= 0 || offset < 0 {
		return
	}
	if !q.simple() || q.ep.kind == perTable {
		i := 0
		s.each(q, func(v *view) bool {
			if i >= offset {
				emit(v)
			}
			i++
			return i < offset+limit
		})
		return
	}
	if q.ep.kind == perEmployment {
		for pos := q.lo + offset; pos < q.hi && limit > 0; pos++ {
			v := s.viewOf(s.order[pos], -1)
			emit(&v)
			limit--
		}
		return
	}
	cum := s.cumOf(q.ep)
	target := cum[q.lo] + int64(offset)
	// First position whose rows reach past target.
	pos := q.lo + sort.Search(q.hi-q.lo, func(i int) bool { return cum[q.lo+i+1] > target })
	hi := int(target - cum[pos])
	for ; pos < q.hi && limit > 0; pos++ {
		ei := s.order[pos]
		for n := s.rowsOf(q.ep, ei); hi < n && limit > 0; hi++ {
			v := s.rowView(q.ep, ei, hi)
			emit(&v)
			limit--
		}
		hi = 0
	}
}
