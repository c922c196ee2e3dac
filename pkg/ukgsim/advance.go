package ukgsim

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Event is one lifecycle change applied by Advance. See
// docs/decisions/0002-lifecycle-events.md for what each kind means in the data.
type Event struct {
	CompanyID     string `json:"companyId"`
	EmployeeID    string `json:"employeeId"`
	EffectiveDate string `json:"effectiveDate"` // YYYY-MM-DD, = jobEffectiveDate of the new row
	ChangedAt     string `json:"changedAt"`     // dateTimeCreated of the new row (= the record's new dateTimeChanged)
	SystemID      string `json:"systemId"`      // the job-history row that records the change
	ReasonCode    string `json:"reasonCode"`
	// Before and After: status codes for hired/terminated/rehired/status_changed;
	// "JOB/ORG1/ORG2/ORG3/ORG4" for job_changed; annualSalary for compensation_changed.
	Before string `json:"before"`
	After  string `json:"after"`
}

// GroundTruth is what one Advance did, for tests to compare with what an
// extractor derives. Each array is ordered by (companyId, employeeId); each
// (companyId, employeeId) has at most one change per Advance, and appears in
// two arrays only for a promotion with a raise (job_changed and
// compensation_changed, one job-history row).
type GroundTruth struct {
	From                string  `json:"from"` // tenant clock before (YYYY-MM-DDTHH:MM:SS.fff)
	To                  string  `json:"to"`   // tenant clock after
	Days                int     `json:"days"`
	Hired               []Event `json:"hired"`
	Terminated          []Event `json:"terminated"`
	Rehired             []Event `json:"rehired"`
	JobChanged          []Event `json:"job_changed"`
	CompensationChanged []Event `json:"compensation_changed"`
	StatusChanged       []Event `json:"status_changed"`
	// ConfigChanged lists the configuration rows Advance changed (a
	// renamed org unit, an added job), in the order applied.
	ConfigChanged []ConfigChange `json:"config_changed"`
	// DirectDepositChanged lists every bank row an extractor should report
	// as employee.direct_deposit_changed: a changed account, an added
	// split, and the accounts of new hires. Ordered by (companyId,
	// employeeId, rowId).
	DirectDepositChanged []DepositChange `json:"direct_deposit_changed"`
	// Removed: employees purged from every endpoint (AdvanceOptions.Removals):
	// ChangedAt is the instant of removal, EffectiveDate its day, Before the
	// last status code; SystemID, ReasonCode and After are empty.
	Removed []Event `json:"removed"`
	// JobHistoryDeleted and JobHistoryCorrected: job-history rows deleted or
	// corrected in place (AdvanceOptions.Corrections). SystemID names the
	// row, EffectiveDate and ReasonCode are the row's, ChangedAt the instant
	// of the edit; Before and After are the row's annualSalary (After empty
	// for a deletion). The row's dateTimeCreated does not move.
	JobHistoryDeleted   []Event `json:"job_history_deleted"`
	JobHistoryCorrected []Event `json:"job_history_corrected"`
}

// ConfigChange is one configuration row Advance changed.
type ConfigChange struct {
	Endpoint string `json:"endpoint"` // org-levels or jobs
	Key      string `json:"key"`      // the row's key: "2/WHS", "WHSANL"
	Change   string `json:"change"`   // renamed or added
	Before   string `json:"before"`   // old description ("" when added)
	After    string `json:"after"`    // new description or title
}

// Deposit change kinds.
const (
	AccountAdded   = "account_added"   // a new bank row: a new split, or a new hire's account
	AccountChanged = "account_changed" // the same row with a new account (and routing) number
)

// DepositChange is one bank row an Advance added or changed.
type DepositChange struct {
	CompanyID  string `json:"companyId"`
	EmployeeID string `json:"employeeId"`
	Endpoint   string `json:"endpoint"` // direct-deposit or employee-global-banks
	RowID      string `json:"rowId"`    // accountRecordId or bankId
	Change     string `json:"change"`   // account_added or account_changed
	ChangedAt  string `json:"changedAt"`
}

// AdvanceOptions are the opt-in changes of an advance, beyond the
// lifecycle events at the configured rates. Zero values change nothing, so
// an advance without them gives the same data as before they existed.
type AdvanceOptions struct {
	// Removals purges this many employees from every endpoint, as when UKG
	// deletes an employee entered by mistake: their records are gone from
	// every list and per-employee route (404), not terminated.
	Removals int
	// Corrections deletes or corrects (about half each) this many
	// job-history rows of other employees: older rows only, never an
	// employee's first or latest, so no current record changes.
	Corrections int
}

// Changed returns the distinct (companyId, employeeId) pairs of all
// lifecycle events (removals and job-history edits are not among them).
func (gt GroundTruth) Changed() map[[2]string]bool {
	m := map[[2]string]bool{}
	for _, l := range [][]Event{gt.Hired, gt.Terminated, gt.Rehired, gt.JobChanged, gt.CompensationChanged, gt.StatusChanged} {
		for _, e := range l {
			m[[2]string{e.CompanyID, e.EmployeeID}] = true
		}
	}
	return m
}

const maxAdvanceDays = 3660

// Advance moves the tenant clock forward by days and applies, at instants
// spread over those days, hires, terminations, rehires, job changes, pay
// changes and status changes at the configured monthly rates. Each existing
// (company, employee) gets at most one change per call; new hires get none
// besides their hire. It is deterministic for the seed and the sequence of
// Advance calls.
func (s *Sim) Advance(days int) (GroundTruth, error) {
	return s.AdvanceWith(days, AdvanceOptions{})
}

// AdvanceWith is Advance plus the removals and job-history corrections of
// opt, applied after the lifecycle changes to employees that got none.
func (s *Sim) AdvanceWith(days int, opt AdvanceOptions) (GroundTruth, error) {
	if days < 1 || days > maxAdvanceDays {
		return GroundTruth{}, fmt.Errorf("advance %d days: want 1 to %d", days, maxAdvanceDays)
	}
	if opt.Removals < 0 || opt.Corrections < 0 {
		return GroundTruth{}, fmt.Errorf("advance: removals %d and corrections %d must not be negative", opt.Removals, opt.Corrections)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advances++
	r := rand.New(rand.NewPCG(s.cfg.Seed^0xadd7a1ce, s.advances))
	g := &gen{s: s, r: r, ids: s.byID}
	from := s.nowMs()
	span := int64(days) * dayMs
	to := from + span
	gt := GroundTruth{
		From: fmtStamp(from), To: fmtStamp(to), Days: days,
		Hired: []Event{}, Terminated: []Event{}, Rehired: []Event{}, JobChanged: []Event{},
		CompensationChanged: []Event{}, StatusChanged: []Event{},
		ConfigChanged: []ConfigChange{}, DirectDepositChanged: []DepositChange{},
		Removed: []Event{}, JobHistoryDeleted: []Event{}, JobHistoryCorrected: []Event{},
	}
	scale := float64(days) / 30
	prob := func(monthly float64) float64 { return 1 - math.Pow(1-monthly, scale) }
	rt := s.cfg.Rates
	pTerm, pJob, pRaise, pLeave := prob(rt.Termination), prob(rt.JobChange), prob(rt.Raise), prob(rt.Leave)
	if sum := pTerm + pJob + pRaise + pLeave; sum > 0.95 {
		k := 0.95 / sum
		pTerm, pJob, pRaise, pLeave = pTerm*k, pJob*k, pRaise*k, pLeave*k
	}
	pReturn, pRehire := prob(rt.Return), prob(rt.Rehire)
	// An instant strictly inside (from, to): the change is visible once the clock has moved.
	when := func() (int32, int64) {
		t := from + 1 + r.Int64N(span-1)
		return int32(t / dayMs), t
	}
	ev := func(ei int32, before, after string) Event {
		e := &s.emps[ei]
		h := e.last()
		id := s.systemID(h.seq)
		return Event{
			CompanyID: s.companies[e.co].id, EmployeeID: string(s.people[e.p].id[:]),
			EffectiveDate: string(appendDate(nil, h.eff)), ChangedAt: fmtStamp(h.created),
			SystemID: string(id[:]), ReasonCode: reasons[h.reason].code, Before: before, After: after,
		}
	}

	existing := int32(len(s.emps))
	active := 0
	for ei := range existing {
		e := &s.emps[ei]
		if e.removed {
			continue
		}
		st := e.status()
		if st != 'T' {
			active++
		}
		x := r.Float64()
		switch st {
		case 'A':
			switch {
			case x < pTerm:
				d, t := when()
				g.terminateAt(e, d, t)
				gt.Terminated = append(gt.Terminated, ev(ei, "A", "T"))
			case x < pTerm+pJob:
				before := jobKey(e.last())
				oldPay := e.last().annual
				d, t := when()
				promoted := g.jobChange(e, d, t)
				gt.JobChanged = append(gt.JobChanged, ev(ei, before, jobKey(e.last())))
				if promoted {
					gt.CompensationChanged = append(gt.CompensationChanged, ev(ei, money(oldPay), money(e.last().annual)))
				}
			case x < pTerm+pJob+pRaise:
				old := e.last().annual
				d, t := when()
				g.payChange(e, d, t)
				gt.CompensationChanged = append(gt.CompensationChanged, ev(ei, money(old), money(e.last().annual)))
			case x < pTerm+pJob+pRaise+pLeave:
				to := [...]byte{'L', 'L', 'L', 'L', 'L', 'L', 'L', 'S', 'O', 'R'}[r.IntN(10)]
				d, t := when()
				g.statusChangeAt(e, d, t, to)
				gt.StatusChanged = append(gt.StatusChanged, ev(ei, "A", string(to)))
			}
		case 'L', 'O', 'R', 'S':
			switch {
			case x < pReturn:
				d, t := when()
				g.statusChangeAt(e, d, t, 'A')
				gt.StatusChanged = append(gt.StatusChanged, ev(ei, string(st), "A"))
			case x < pReturn+pTerm:
				d, t := when()
				g.terminateAt(e, d, t)
				gt.Terminated = append(gt.Terminated, ev(ei, string(st), "T"))
			}
		case 'T':
			if x < pRehire {
				d, t := when()
				g.rehireAt(e, d, t)
				gt.Rehired = append(gt.Rehired, ev(ei, "T", "A"))
			}
		}
	}

	// New hires: a share of the non-terminated headcount.
	want := float64(active) * prob(rt.Hire)
	n := int(want)
	if r.Float64() < want-float64(n) {
		n++
	}
	for range n {
		p := g.personRecord()
		pi := int32(len(s.people))
		s.byID[p.id] = pi
		s.people = append(s.people, p)
		co := g.pickCompany()
		d, t := when()
		var e employment
		ei := g.hire(&e, pi, co, true, false, d, t)
		s.people[pi].emps[0] = ei
		s.people[pi].birth = d - int32(18*365+r.IntN(40*365))
		s.emps = append(s.emps, e)
		gt.Hired = append(gt.Hired, ev(ei, "", "A"))
	}

	if opt.Removals > 0 || opt.Corrections > 0 {
		g.edits(&gt, existing, opt, when)
	}
	// Configuration and bank changes draw from their own generator, so the
	// workforce changes above stay what they were before these existed.
	hired := len(s.emps) - int(existing)
	s.advanceConfig(&gt, existing, hired, from, span, prob)

	s.offsetMs += span
	s.reindex()
	for _, l := range []*[]Event{&gt.Hired, &gt.Terminated, &gt.Rehired, &gt.JobChanged, &gt.CompensationChanged, &gt.StatusChanged,
		&gt.Removed, &gt.JobHistoryDeleted, &gt.JobHistoryCorrected} {
		slices.SortFunc(*l, func(a, b Event) int {
			return cmp.Or(cmp.Compare(a.CompanyID, b.CompanyID), cmp.Compare(a.EmployeeID, b.EmployeeID))
		})
	}
	slices.SortFunc(gt.DirectDepositChanged, func(a, b DepositChange) int {
		return cmp.Or(cmp.Compare(a.CompanyID, b.CompanyID), cmp.Compare(a.EmployeeID, b.EmployeeID), cmp.Compare(a.RowID, b.RowID))
	})
	s.log.Info("advanced tenant clock", "days", days, "now", gt.To, "hired", len(gt.Hired),
		"terminated", len(gt.Terminated), "rehired", len(gt.Rehired), "job_changed", len(gt.JobChanged),
		"compensation_changed", len(gt.CompensationChanged), "status_changed", len(gt.StatusChanged),
		"config_changed", len(gt.ConfigChanged), "direct_deposit_changed", len(gt.DirectDepositChanged),
		"removed", len(gt.Removed), "job_history_deleted", len(gt.JobHistoryDeleted), "job_history_corrected", len(gt.JobHistoryCorrected))
	return gt, nil
}

// edits applies the removals and job-history corrections of opt to
// employments among the first existing ones that no lifecycle event of
// this advance touched. Removals take employees with one employment whom
// nobody reports to and who supervise nobody, so no other record names
// them; corrections take rows that no current record derives from.
func (g *gen) edits(gt *GroundTruth, existing int32, opt AdvanceOptions, when func() (int32, int64)) {
	s := g.s
	touched := gt.Changed()
	mgr := map[int32]bool{}
	for _, m := range s.mgrs {
		for _, ei := range m {
			mgr[ei] = true
		}
	}
	var cands []int32
	for ei := range existing {
		e := &s.emps[ei]
		p := &s.people[e.p]
		if !e.removed && !touched[[2]string{s.companies[e.co].id, string(p.id[:])}] {
			cands = append(cands, ei)
		}
	}
	g.r.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	removals := opt.Removals
	for _, ei := range cands {
		if removals == 0 {
			break
		}
		e := &s.emps[ei]
		p := &s.people[e.p]
		if e.isSup || mgr[ei] || p.emps[1] >= 0 {
			continue
		}
		d, t := when()
		e.removed = true
		removals--
		gt.Removed = append(gt.Removed, Event{CompanyID: s.companies[e.co].id, EmployeeID: string(p.id[:]),
			EffectiveDate: string(appendDate(nil, d)), ChangedAt: fmtStamp(t), Before: string(e.status())})
	}
	corrections := opt.Corrections
	for _, ei := range cands {
		if corrections == 0 {
			break
		}
		e := &s.emps[ei]
		if e.removed || len(e.hist) < 3 {
			continue
		}
		hi := 1 + g.r.IntN(len(e.hist)-2)
		h := e.hist[hi]
		id := s.systemID(h.seq)
		_, t := when()
		ev := Event{CompanyID: s.companies[e.co].id, EmployeeID: string(s.people[e.p].id[:]),
			EffectiveDate: string(appendDate(nil, h.eff)), ChangedAt: fmtStamp(t), SystemID: string(id[:]),
			ReasonCode: reasons[h.reason].code, Before: money(h.annual)}
		if g.r.IntN(2) == 0 {
			// Deleted: only when no current value is derived from the row.
			inJob, rate := e.dateInJob(), e.lastRateChange()
			e.hist = slices.Delete(e.hist, hi, hi+1)
			if e.dateInJob() != inJob || e.lastRateChange() != rate {
				e.hist = slices.Insert(e.hist, hi, h)
				continue
			}
			gt.JobHistoryDeleted = append(gt.JobHistoryDeleted, ev)
		} else {
			// Corrected: the pay of the row was keyed wrong.
			pct := h.pct
			raise(&e.hist[hi], jobs[h.job].hourly, 100+g.r.IntN(200))
			e.hist[hi].pct = pct
			ev.After = money(e.hist[hi].annual)
			gt.JobHistoryCorrected = append(gt.JobHistoryCorrected, ev)
		}
		corrections--
	}
}

// jobChange appends a promotion (job change with a raise; returns true) or a
// transfer (org change, same job and pay).
func (g *gen) jobChange(e *employment, d int32, at int64) (promoted bool) {
	h := *e.last()
	h.eff, h.created, h.seq, h.flags, h.pct = d, at, g.s.newSeq(), 0, 0
	fam := families[jobs[h.job].family]
	i := slices.Index(fam, int(h.job))
	if i+1 < len(fam) && g.r.IntN(5) < 2 {
		g.promote(&h, fam[i+1])
		promoted = true
	} else {
		g.transfer(&h)
		if g.r.IntN(3) == 0 {
			h.sup = g.pickSupervisor(e.co, -1)
		}
	}
	e.hist = append(e.hist, h)
	e.changed = at
	return promoted
}

// payChange appends a merit or market raise.
func (g *gen) payChange(e *employment, d int32, at int64) {
	h := *e.last()
	h.eff, h.created, h.seq, h.flags, h.pct = d, at, g.s.newSeq(), fRate, 0
	h.reason = rsnMerit
	if g.r.IntN(5) == 0 {
		h.reason = rsnMarket
	}
	raise(&h, jobs[h.job].hourly, 150+g.r.IntN(650))
	e.hist = append(e.hist, h)
	e.changed = at
}

func jobKey(h *hist) string {
	o1 := org1[h.org[0]]
	return jobs[h.job].code + "/" + o1.code + "/" + o1.dept[h.org[1]] + "/" + org3[h.org[2]] + "/" + org4[h.org[3]]
}

func money(cents int64) string { return string(appendDecimal(nil, cents, 2)) }

func fmtStamp(ms int64) string { return string(appendStamp(nil, ms)) }

// AdvanceTo is Advance by the whole days between the tenant clock and t.
func (s *Sim) AdvanceTo(t time.Time) (GroundTruth, error) {
	days := int(t.Sub(s.Now()) / (24 * time.Hour))
	return s.Advance(days)
}
