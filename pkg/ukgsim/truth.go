package ukgsim

// JobRow is one job-history row as the simulator holds it (E6), in the
// fields an auditor compares.
type JobRow struct {
	SystemID      string
	EffectiveDate string // YYYY-MM-DD
	Created       string // dateTimeCreated, YYYY-MM-DDTHH:MM:SS.fff
	Status        string // employeeStatus
	JobCode       string
	AnnualSalary  string // decimal, 2 places
}

// Employment is one (company, employee) as the simulator holds it now: its
// current status, job and pay (what E2 and E5 serve) and its whole job
// history (what E6 serves), oldest first.
type Employment struct {
	CompanyID    string
	EmployeeID   string
	Status       string
	JobCode      string
	AnnualSalary string
	History      []JobRow
}

// Employments returns every employment the tenant serves, in (companyId,
// employeeId) order: the ground truth tests compare an archive's current
// state and history with. Take one after each Advance to know the state at
// that instant.
func (s *Sim) Employments() []Employment {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Employment, 0, len(s.order))
	for _, ei := range s.order {
		v := s.viewOf(ei, -1)
		e := Employment{
			CompanyID: v.c.id, EmployeeID: string(v.p.id[:]), Status: string(v.h.status),
			JobCode: v.job().code, AnnualSalary: money(v.h.annual),
		}
		for hi := range v.e.hist {
			h := &v.e.hist[hi]
			id := s.systemID(h.seq)
			e.History = append(e.History, JobRow{
				SystemID: string(id[:]), EffectiveDate: string(appendDate(nil, h.eff)),
				Created: fmtStamp(h.created), Status: string(h.status), JobCode: jobs[h.job].code,
				AnnualSalary: money(h.annual),
			})
		}
		out = append(out, e)
	}
	return out
}
