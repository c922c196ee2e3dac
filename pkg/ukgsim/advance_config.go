package ukgsim

import (
	"fmt"
	"math/rand/v2"
)

// advanceConfig applies the configuration and banking changes of one
// Advance over [from, from+span): maybe a renamed department and an added
// job, changed or added direct-deposit accounts of the existing active
// employments, and the accounts of the hired ones (the last hired
// employments of s.emps). It records them in gt. Callers hold mu.
func (s *Sim) advanceConfig(gt *GroundTruth, existing int32, hired int, from, span int64, prob func(float64) float64) {
	r := rand.New(rand.NewPCG(s.cfg.Seed^0xc0f1, s.advances))
	rt := s.cfg.Rates
	if r.Float64() < prob(rt.Rename) {
		names := s.conf.orgNames[1]
		i := r.IntN(len(names))
		before := names[i]
		after := fmt.Sprintf(renames[r.IntN(len(renames))], deptNames[orgCodes(2)[i]])
		if after == before {
			after = fmt.Sprintf(renames[0], before)
		}
		names[i] = after
		gt.ConfigChanged = append(gt.ConfigChanged, ConfigChange{Endpoint: EndpointOrgLevels,
			Key: "2/" + orgCodes(2)[i], Change: "renamed", Before: before, After: after})
	}
	if r.Float64() < prob(rt.NewJob) {
		base := newJobTitles[r.IntN(len(newJobTitles))]
		code := base.code + string(appendInt(nil, int64(len(s.conf.newJobs)+1)))
		fam := r.IntN(len(families))
		j := jobs[families[fam][0]]
		j.code, j.title, j.level, j.mgr = code, base.title, 0, false
		s.conf.newJobs = append(s.conf.newJobs, j)
		gt.ConfigChanged = append(gt.ConfigChanged, ConfigChange{Endpoint: EndpointJobs, Key: code, Change: "added", After: base.title})
	}
	at := func() int64 { return from + 1 + r.Int64N(span-1) }
	dep := func(ei int32, k int, change string, t int64) DepositChange {
		e := &s.emps[ei]
		v := s.viewOf(ei, -1)
		v.row = k
		return DepositChange{CompanyID: s.companies[e.co].id, EmployeeID: string(s.people[e.p].id[:]),
			Endpoint: EndpointDirectDeposit, RowID: v.accountRecordID(), Change: change, ChangedAt: fmtStamp(t)}
	}
	pAccount := prob(rt.AccountChange)
	for ei := range existing {
		e := &s.emps[ei]
		if e.status() == 'T' || r.Float64() >= pAccount || e.removed {
			continue
		}
		t := at()
		if e.dd < maxSplits && (e.dd == 0 || r.IntN(3) == 0) {
			k := int(e.dd)
			e.dd++
			e.ddSalt[k], e.ddChanged[k] = 0, t
			gt.DirectDepositChanged = append(gt.DirectDepositChanged, dep(ei, k, AccountAdded, t))
			continue
		}
		k := r.IntN(int(e.dd))
		e.ddSalt[k]++
		e.ddChanged[k] = t
		gt.DirectDepositChanged = append(gt.DirectDepositChanged, dep(ei, k, AccountChanged, t))
	}
	// New hires bring their accounts: new rows an extractor reports too.
	for ei := int32(len(s.emps) - hired); ei < int32(len(s.emps)); ei++ {
		e := &s.emps[ei]
		for k := range int(e.dd) {
			gt.DirectDepositChanged = append(gt.DirectDepositChanged, dep(ei, k, AccountAdded, e.created))
		}
		if hasGlobalBank(e.h) {
			v := s.viewOf(ei, -1)
			gt.DirectDepositChanged = append(gt.DirectDepositChanged, DepositChange{CompanyID: s.companies[e.co].id,
				EmployeeID: string(s.people[e.p].id[:]), Endpoint: EndpointGlobalBanks, RowID: v.globalBankID(),
				Change: AccountAdded, ChangedAt: fmtStamp(e.created)})
		}
	}
}
