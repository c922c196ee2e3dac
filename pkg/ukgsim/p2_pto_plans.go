package ukgsim

// P2 — GET /personnel/v1/pto-plans and
// /personnel/v1/companies/{companyId}/employees/{employeeId}/pto-plans
// (ukgpro-api-more.md §4 P2).
//
// Balances in hours per employment and plan: VAC and SICK for everyone,
// PERS for salaried jobs. Earned accrues monthly from the start of the
// year (or the last hire) to the end of the month before the tenant clock
// (the termination date for terminated rows), so balances move when the
// clock crosses a month. Dates are "YYYY-MM-DD" (§9 row 8). The list takes
// page/per_page only: no filters (§4), so a client must compare content.

var epPTOPlans = &endpoint{
	name:   EndpointPTOPlans,
	kind:   perSub,
	routes: rList | rEmployee,
	sub:    func(s *Sim, ei int32) int { return len(plansOf(&s.emps[ei])) },
	render: renderPTOPlan,
}

type ptoPlanDef struct {
	code               string
	hourly, salaried   int64 // accrual per month, hours x100
	takenShareOfEarned uint64
}

var ptoPlans = []ptoPlanDef{
	{"VAC", 667, 1000, 60},
	{"SICK", 400, 400, 40},
	{"PERS", 0, 200, 70},
}

func plansOf(e *employment) []ptoPlanDef {
	if jobs[e.last().job].hourly {
		return ptoPlans[:2]
	}
	return ptoPlans
}

// ptoAsOf is the day balances are computed for: the tenant clock's day, or
// the termination date.
func (v *view) ptoAsOf() int32 {
	d := int32(v.s.nowMs() / dayMs)
	if v.e.term != 0 && v.e.term < d {
		d = v.e.term
	}
	return d
}

func renderPTOPlan(w *jw, v *view) {
	plan := plansOf(v.e)[v.row]
	asOf := v.ptoAsOf()
	y, m, _ := civil(asOf)
	monthStart := daysFrom(y, m, 1)
	from := max(daysFrom(y, 1, 1), v.e.lastHire)
	months := int64(0)
	if fy, fm, _ := civil(from); monthStart > from {
		months = int64((y-fy)*12 + m - fm)
	}
	rate := plan.salaried
	if v.hourly() {
		rate = plan.hourly
	}
	earned := months * rate
	taken := earned * int64(hn(v.e.h, 56+uint64(v.row))%plan.takenShareOfEarned) / 100
	w.str("companyId", v.c.id)
	w.strb("employeeId", v.p.id[:])
	w.str("ptoPlan", plan.code)
	w.dec("earned", earned, 2)
	w.dec("taken", taken, 2)
	w.dec("pendingBalance", 0, 2)
	if months > 0 {
		w.date("earnedThroughDate", monthStart-1)
	} else {
		w.null("earnedThroughDate")
	}
	w.date("reset", daysFrom(y+1, 1, 1))
	w.null("pendingMoveDate")
}
