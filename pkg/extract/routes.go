package extract

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
)

// The route table (docs/decisions/0100-route-table.md): one declaration per
// UKG endpoint the extractor reads, from which the runner (order,
// incremental reads, lifecycle rules), topic creation, recovery and the
// docs are driven. What UKG itself documents about an endpoint — its
// path, paging style, id and row keys, filters and the web-service role
// it needs — is ukgpro.Endpoint's; what the extractor does with it is the
// row here. Adding an endpoint is an ukgpro.Endpoint, a row here, its
// schema in schemas/ and its simulator renderer in pkg/ukgsim.

// incremental is how a run that is not a full pass narrows its read.
type incremental uint8

const (
	// incChanged reads the rows changed since the last run (the
	// endpoint's change filter: dateTimeChanged, dateModified, …).
	incChanged incremental = iota + 1
	// incCreated reads the rows created since the last run (job history:
	// rows are added, not edited).
	incCreated
	// incRefetch refetches, per employee, those whose employment changed
	// in this run (compensation has no change filter).
	incRefetch
	// incNone reads everything every run and compares content (no usable
	// filter: configuration tables, contacts, PTO plans).
	incNone
)

func (i incremental) String() string {
	switch i {
	case incChanged:
		return "changed since the last run"
	case incCreated:
		return "created since the last run"
	case incRefetch:
		return "employees whose employment changed"
	}
	return "none: read in full every run"
}

// eventRule derives lifecycle events from a record's snapshot fields.
type eventRule uint8

const (
	evNone       eventRule = iota
	evEmployment           // hired, terminated, rehired, job/compensation/status changed (lifecycle.go)
	evDeposit              // direct_deposit_changed (deposit.go)
)

// route is one row of the table.
type route struct {
	ep    ukgpro.Endpoint // path, paging, keys, filters, role
	topic string          // kafkax topic name (its cleanup policy: kafkax.Spec)
	inc   incremental
	// deleteVanished: a record a complete full pass no longer meets is
	// deleted (a null value, named by ukg_record_id when it has a row key).
	deleteVanished bool
	// snap lists the fields the state keeps per record for the lifecycle
	// rule (nil: the record hash only).
	snap   []string
	events eventRule
	// rowIndex: the route's rows date employment's lifecycle events.
	rowIndex bool
	// after names the routes this one waits for in a run.
	after []string
	// optional: a 403 skips the route with a warning (decision 0104)
	// unless EXTRACTOR_ENDPOINTS names it.
	optional bool
	// tenantWide: rows belong to no company (org levels, jobs,
	// locations): EXTRACTOR_COMPANIES does not narrow them.
	tenantWide bool
	// homeCompany: rows carry no company; the key takes the employee's
	// home company from employment (contacts, decision 0102).
	homeCompany bool
}

func (r route) name() string { return r.ep.String() }

// coded reports a configuration route keyed by its row's code.
func (r route) coded() bool { return r.ep.CodeKey() != nil }

const (
	epEmployment   = "employee-employment-details"
	epJobHistory   = "employee-job-history-details"
	epCompensation = "compensation-details"
)

// routeTable is every route, in the order a run starts them (a route also
// waits for the routes in its after list).
var routeTable = []route{
	{ep: ukgpro.JobHistoryDetails, topic: kafkax.JobHistory, inc: incCreated, deleteVanished: true, rowIndex: true},
	{ep: ukgpro.EmployeeEmploymentDetails, topic: kafkax.Employees, inc: incChanged, deleteVanished: true,
		snap: lifecycleFields, events: evEmployment, after: []string{epJobHistory}},
	{ep: ukgpro.CompensationDetails, topic: kafkax.Compensation, inc: incRefetch, deleteVanished: true, after: []string{epEmployment}},
	{ep: ukgpro.PersonDetails, topic: kafkax.People, inc: incChanged, deleteVanished: true},
	{ep: ukgpro.CompanyDetails, topic: kafkax.Companies, inc: incNone, deleteVanished: true, optional: true},
	{ep: ukgpro.OrgLevels, topic: kafkax.OrgLevels, inc: incNone, deleteVanished: true, optional: true, tenantWide: true},
	{ep: ukgpro.Jobs, topic: kafkax.Jobs, inc: incNone, deleteVanished: true, optional: true, tenantWide: true},
	{ep: ukgpro.Locations, topic: kafkax.Locations, inc: incNone, deleteVanished: true, optional: true, tenantWide: true},
	{ep: ukgpro.Positions, topic: kafkax.Positions, inc: incNone, deleteVanished: true, optional: true},
	{ep: ukgpro.DirectDeposit, topic: kafkax.DirectDeposit, inc: incChanged, deleteVanished: true, optional: true,
		snap: depositRules[kafkax.DirectDeposit].snapFields(), events: evDeposit},
	{ep: ukgpro.GlobalBanks, topic: kafkax.GlobalBanks, inc: incChanged, deleteVanished: true, optional: true,
		snap: depositRules[kafkax.GlobalBanks].snapFields(), events: evDeposit},
	{ep: ukgpro.Contacts, topic: kafkax.Contacts, inc: incNone, deleteVanished: true, optional: true, homeCompany: true},
	{ep: ukgpro.PTOPlans, topic: kafkax.PTOPlans, inc: incNone, deleteVanished: true, optional: true},
	{ep: ukgpro.ContractDetails, topic: kafkax.Contracts, inc: incChanged, deleteVanished: true, optional: true},
}

// routeByName returns the route of an endpoint name.
func routeByName(name string) (route, bool) {
	for _, r := range routeTable {
		if r.name() == name {
			return r, true
		}
	}
	return route{}, false
}

// routeOfTopic returns the route publishing topic.
func routeOfTopic(topic string) (route, bool) {
	for _, r := range routeTable {
		if r.topic == topic {
			return r, true
		}
	}
	return route{}, false
}

// EndpointNames lists every endpoint the extractor can read, in table
// order (the names EXTRACTOR_ENDPOINTS takes).
func EndpointNames() []string { return routeNames() }

func routeNames() []string {
	out := make([]string, len(routeTable))
	for i, r := range routeTable {
		out[i] = r.name()
	}
	return out
}

// AllEndpoints is the EXTRACTOR_ENDPOINTS value for every route.
const AllEndpoints = "all"

// selectRoutes resolves EXTRACTOR_ENDPOINTS: "all" (every route, the
// optional ones skipped on a 403) or a list of names (each required).
// named reports whether the list named them.
func selectRoutes(names []string) (rs []route, named bool, err error) {
	var want []string
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(want, n) {
			want = append(want, n)
		}
	}
	if len(want) == 0 {
		return nil, false, fmt.Errorf("EXTRACTOR_ENDPOINTS: no endpoint")
	}
	if len(want) == 1 && strings.EqualFold(want[0], AllEndpoints) {
		return slices.Clone(routeTable), false, nil
	}
	for _, n := range want {
		if _, ok := routeByName(n); !ok {
			return nil, true, fmt.Errorf("EXTRACTOR_ENDPOINTS: %q is not %s or one of %s", n, AllEndpoints, strings.Join(routeNames(), ", "))
		}
	}
	for _, r := range routeTable { // table order
		if slices.Contains(want, r.name()) {
			rs = append(rs, r)
		}
	}
	return rs, true, nil
}

// snapFields are the state snapshot fields per topic (loadState, recover).
var snapFields = routeSnaps()

func routeSnaps() map[string][]string {
	m := map[string][]string{}
	for _, r := range routeTable {
		if r.snap != nil {
			m[r.topic] = r.snap
		}
	}
	return m
}

// routeTopics are the data topics of every route, in table order.
func routeTopics() []string {
	out := make([]string, len(routeTable))
	for i, r := range routeTable {
		out[i] = r.topic
	}
	return out
}

// derive returns the lifecycle events of a published record: before is its
// previous snapshot (nil: never seen), after its snapshot now. baselined
// says events are due (the route's baseline is done); backfill asks for
// employment's events of a never-seen record before the baseline
// (EXTRACTOR_BACKFILL_HIRES).
func (r route) derive(before, after []string, baselined, backfill bool) []derived {
	switch r.events {
	case evEmployment:
		if baselined || backfill {
			return diffEmployment(before, after)
		}
	case evDeposit:
		if baselined {
			if d, _, ok := diffDeposit(depositRules[r.topic], before, after); ok {
				return []derived{d}
			}
		}
	}
	return nil
}
