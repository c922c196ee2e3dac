package ukgsim

import (
	"cmp"
	"math/rand/v2"
	"slices"
)

// The workforce is kept compact so 200,000 people fit in well under 1 GiB:
// records hold small integers and indices into the tables of catalog.go, and
// every field that never changes (phones, GUIDs, addresses) is derived from a
// per-person hash while rendering. JSON is produced on demand (json.go).
//
// Times: days are days since 1970-01-01; instants are milliseconds since
// 1970-01-01T00:00:00 in the tenant's naive local time (no zone). 0 means
// null for both (no tenant date falls on 1970-01-01).

const dayMs = 86_400_000

// person is one human, identified by an employee ID shared by all of their
// employments (one per company).
type person struct {
	id                  [12]byte
	first, last         uint16 // index into firstNames / lastNames
	middle, pref        uint16 // index+1 into firstNames, 0 = none
	suffix              uint8  // index+1 into suffixes, 0 = none
	female              bool
	loc                 uint8 // home location (index into locations)
	birth               int32 // day
	h                   uint64
	emps                [2]int32 // employment indices, -1 = none
	ethnic, marital     uint8
	ssnSerial, prevSSN  uint32 // prevSSN 0 = none
	smoker, disabled    bool
	hasAlternateEmail   bool
	hasAddressLine2     bool
	isSuppressedSSN     bool
	militaryService     bool
	i9Verified          bool
	consentElectronicW2 bool
}

// employment is one (company, employee) row: what E2/E3/E5 show, plus the
// job history rows E6 shows. The current job, org, pay and status are those of
// the last history row.
type employment struct {
	p             int32
	co            uint8
	home          bool // the person's home company row
	isSup         bool // somebody reports to this employment
	payGroup      uint8
	empType       uint8
	shift         uint8
	lang          uint8
	termReason    uint8 // index into termReasons (valid when termType != 0)
	termType      byte  // 'V', 'I' or 0
	leaveReason   uint8 // index+1 into leaveReasons, 0 = none
	number        int32 // employee number within the company
	statusStart   int32 // day the current status started
	origHire      int32
	lastHire      int32
	term          int32 // termination date, 0 when not terminated
	created       int64 // employment row created (first history row)
	changed       int64 // employment row last changed
	personChanged int64 // person-details datetimeChanged
	removed       bool  // purged from every endpoint (AdvanceOptions.Removals)
	h             uint64
	hist          []hist
	// Direct deposit (B1): dd splits; split k's account number is derived
	// from h, k and ddSalt[k] (Advance changes an account by bumping its
	// salt) and its dateTimeChanged is ddChanged[k] (0: created with the row).
	dd        uint8
	ddSalt    [maxSplits]uint8
	ddChanged [maxSplits]int64
}

const maxSplits = 3

// splitsFor is the number of direct-deposit splits an employment starts
// with: none for about 8%, one for most, two or three for some.
func splitsFor(h uint64) uint8 {
	switch x := hn(h, 40) % 100; {
	case x < 8:
		return 0
	case x < 78:
		return 1
	case x < 95:
		return 2
	}
	return 3
}

// History-row flags.
const (
	fJob uint8 = 1 << iota
	fOrg
	fRate
	fPromo
	fTransfer
)

// hist is one job-history row (E6).
type hist struct {
	seq       uint32 // systemId is derived from it
	eff       int32  // jobEffectiveDate (day)
	created   int64  // dateTimeCreated
	reason    uint8  // index into reasons
	flags     uint8
	status    byte
	job       uint8
	org       [4]uint8 // org1 index, department index within org1, org3, org4
	loc       uint8
	ft        bool
	annualHrs int32 // scheduled annual hours x100
	rate      int64 // hourly rate x10000
	annual    int64 // annual salary in cents
	pct       int32 // percentChange x100
	sup       int32 // supervisor employment index, -1 none
}

type company struct {
	id       string
	def      companyDef
	canada   bool
	firstLoc int // index into locations of its first location
	nLoc     int
}

// locations is locationsUS followed by locationsCA.
var locations = append(append([]locDef(nil), locationsUS...), locationsCA...)

func (e *employment) last() *hist { return &e.hist[len(e.hist)-1] }

func (e *employment) status() byte { return e.last().status }

// dateInJob is the effective date of the row that put the employee into the
// current job.
func (e *employment) dateInJob() int32 {
	cur := e.last().job
	d := e.hist[len(e.hist)-1].eff
	for i := len(e.hist) - 1; i >= 0; i-- {
		if e.hist[i].job != cur {
			break
		}
		d = e.hist[i].eff
	}
	return d
}

// lastRateChange is the effective date of the newest row with a rate change
// (or the last hire).
func (e *employment) lastRateChange() int32 {
	for i := len(e.hist) - 1; i >= 0; i-- {
		if e.hist[i].flags&fRate != 0 {
			return e.hist[i].eff
		}
	}
	return e.lastHire
}

// splitmix64 is the hash used for derived per-record values.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// hn returns the n-th derived hash of h.
func hn(h uint64, n uint64) uint64 { return splitmix64(h ^ (n * 0x9e3779b97f4a7c15)) }

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// gen builds the initial workforce. It is deterministic for cfg.Seed.
type gen struct {
	s   *Sim
	r   *rand.Rand
	ids map[[12]byte]int32
}

func (s *Sim) generate() {
	g := &gen{s: s, r: rand.New(rand.NewPCG(s.cfg.Seed, 0x756b6770726f)), ids: make(map[[12]byte]int32, s.cfg.Employees)}
	s.byID = g.ids
	s.genCompanies(g.r)
	n := s.cfg.Employees
	s.people = make([]person, 0, n+n/20)
	s.emps = make([]employment, 0, n+n/10)
	s.mgrs = make([][]int32, len(s.companies))
	s.nextNumber = make([]int32, len(s.companies))
	for i := range s.companies {
		s.nextNumber[i] = int32(1000 + g.r.IntN(9000))
	}
	// Managers first, so everybody else can report to one.
	nMgr := max(len(s.companies)*2, n/12)
	for i := range n {
		g.newPerson(i < nMgr)
	}
	// A few people are also employed by a second company (ukgpro-api.md §9 row 11).
	if len(s.companies) > 1 && s.cfg.MultiCompany > 0 {
		for pi := range s.people {
			if g.r.Float64() < s.cfg.MultiCompany {
				p := &s.people[pi]
				home := s.emps[p.emps[0]].co
				co := (int(home) + 1 + g.r.IntN(len(s.companies)-1)) % len(s.companies)
				ei := g.newEmployment(int32(pi), uint8(co), false, false, s.emps[p.emps[0]].origHire+int32(g.r.IntN(400)))
				p.emps[1] = ei
			}
		}
	}
	s.reindex()
}

func (s *Sim) genCompanies(r *rand.Rand) {
	n := s.cfg.Companies
	seen := map[string]bool{}
	for i := range n {
		var id []byte
		for {
			id = id[:0]
			for range 5 {
				id = append(id, alnum[r.IntN(36)])
			}
			if id[0] >= 'A' && !seen[string(id)] { // a letter first, like J9A6Y / Q4T9Z
				break
			}
		}
		seen[string(id)] = true
		def := companyNames[i%len(companyNames)]
		if i >= len(companyNames) {
			def.code = def.code[:2] + string(rune('0'+i/len(companyNames)))
			def.name += " " + string(rune('A'+i/len(companyNames)))
		}
		c := company{id: string(id), def: def, canada: i%4 == 3}
		if c.canada {
			c.firstLoc, c.nLoc = len(locationsUS), len(locationsCA)
		} else {
			c.firstLoc, c.nLoc = 0, len(locationsUS)
		}
		s.companies = append(s.companies, c)
	}
	// Company index order is ID order, so ordering by (company index,
	// employee ID) is ordering by (companyID, employeeID).
	slices.SortFunc(s.companies, func(a, b company) int { return cmp.Compare(a.id, b.id) })
}

// newID returns a fresh employee ID like B7QX2K0000A1.
func (g *gen) newID() [12]byte {
	for {
		var id [12]byte
		for i := range 6 {
			id[i] = alnum[g.r.IntN(36)]
		}
		copy(id[6:], "0000")
		id[10] = alnum[g.r.IntN(36)]
		id[11] = alnum[g.r.IntN(10)]
		if _, dup := g.ids[id]; !dup {
			return id
		}
	}
}

func (g *gen) pickCompany() uint8 {
	n := len(g.s.companies)
	// Weights n, n-1, ..., 1: the first company is the largest.
	x := g.r.IntN(n * (n + 1) / 2)
	for i := range n {
		w := n - i
		if x < w {
			return uint8(i)
		}
		x -= w
	}
	return 0
}

// newPerson creates a person with one employment and its full history up to
// the start of the tenant clock.
func (g *gen) newPerson(mgr bool) int32 {
	s := g.s
	start := int32(s.startMs / dayMs)
	pi := int32(len(s.people))
	p := g.personRecord()
	g.ids[p.id] = pi
	s.people = append(s.people, p)
	co := g.pickCompany()
	age := 18*365 + g.r.IntN(48*365)
	s.people[pi].birth = start - int32(age)
	// Tenure: mostly recent, some long; never hired before 18.
	tenure := min(int(g.r.ExpFloat64()*4*365), age-18*365, 30*365)
	hire := start - 1 - int32(tenure)
	ei := g.newEmployment(pi, co, true, mgr, hire)
	s.people[pi].emps = [2]int32{ei, -1}
	return pi
}

func (g *gen) personRecord() person {
	r := g.r
	p := person{id: g.newID(), h: r.Uint64()}
	p.first = uint16(r.IntN(len(firstNames)))
	p.female = firstNames[p.first].female
	p.last = uint16(r.IntN(len(lastNames)))
	if r.IntN(3) > 0 {
		p.middle = uint16(1 + r.IntN(len(firstNames)))
	}
	if r.IntN(12) == 0 {
		p.pref = uint16(1 + r.IntN(len(firstNames)))
	}
	if r.IntN(40) == 0 {
		p.suffix = uint8(1 + r.IntN(len(suffixes)))
	}
	p.ethnic = uint8(r.IntN(len(ethnicCodes)))
	p.marital = uint8(r.IntN(len(maritalCodes)))
	p.ssnSerial = uint32(r.IntN(100_000_000))
	if r.IntN(100) == 0 {
		p.prevSSN = 1 + uint32(r.IntN(99_999_999))
	}
	p.smoker = r.IntN(8) == 0
	p.disabled = r.IntN(25) == 0
	p.hasAlternateEmail = r.IntN(4) == 0
	p.hasAddressLine2 = r.IntN(5) == 0
	p.isSuppressedSSN = r.IntN(10) == 0
	p.militaryService = r.IntN(15) == 0
	p.i9Verified = r.IntN(20) > 0
	p.consentElectronicW2 = r.IntN(3) > 0
	p.emps = [2]int32{-1, -1}
	return p
}

// newEmployment creates an employment hired on day hire with a plausible
// history up to the clock's start, and returns its index.
func (g *gen) newEmployment(pi int32, co uint8, home, mgr bool, hire int32) int32 {
	s := g.s
	start := int32(s.startMs / dayMs)
	if hire >= start {
		hire = start - 1
	}
	var e employment
	ei := g.hire(&e, pi, co, home, mgr, hire, g.stamp(hire))
	r := g.r
	// Later history: raises, transfers, promotions, a leave and return.
	days := int(start - 1 - hire)
	extra := min(9, r.IntN(1+min(9, days/200)))
	if days > 30 {
		when := make([]int32, 0, extra)
		for range extra {
			when = append(when, hire+1+int32(r.IntN(days-1)))
		}
		slices.Sort(when)
		when = slices.Compact(when)
		for _, d := range when {
			if len(e.hist) >= 9 {
				break
			}
			g.historyEvent(&e, d)
		}
		g.finalStatus(&e, start)
	}
	if mgr {
		s.mgrs[co] = append(s.mgrs[co], ei)
	}
	s.emps = append(s.emps, e)
	if sup := e.last().sup; sup >= 0 && int(sup) < len(s.emps) {
		s.emps[sup].isSup = true
	}
	return ei
}

// hire fills e as a new employment of person pi in company co, hired on day
// with the hire row created at the instant at, and returns its future index.
func (g *gen) hire(e *employment, pi int32, co uint8, home, mgr bool, day int32, at int64) int32 {
	s := g.s
	r := g.r
	ei := int32(len(s.emps))
	*e = employment{p: pi, co: co, home: home, isSup: mgr, h: r.Uint64()}
	e.dd = splitsFor(e.h)
	e.number = s.nextNumber[co]
	s.nextNumber[co] += 1 + int32(r.IntN(3))
	e.empType = uint8(r.IntN(len(empTypes)))
	e.shift = uint8(r.IntN(len(shifts)))
	e.lang = uint8(r.IntN(len(languages)))
	c := &s.companies[co]
	if s.people[pi].emps[0] < 0 {
		s.people[pi].loc = uint8(c.firstLoc + r.IntN(c.nLoc))
	}
	var job int
	if mgr {
		var ms []int
		for i, j := range jobs {
			if j.mgr {
				ms = append(ms, i)
			}
		}
		job = ms[r.IntN(len(ms))]
	} else {
		fam := families[weightedFamily(r)]
		lvl := 0
		if len(fam) > 2 && r.IntN(4) == 0 {
			lvl = 1
		}
		job = fam[lvl]
		if jobs[job].mgr {
			job = fam[0]
		}
	}
	first := hist{eff: day, reason: rsnHire, status: 'A', job: uint8(job), ft: r.IntN(6) > 0, sup: -1}
	first.org = g.orgFor(job)
	first.loc = uint8(c.firstLoc + r.IntN(c.nLoc))
	if home {
		first.loc = s.people[pi].loc
	}
	g.setHours(&first)
	g.setPay(&first, jobs[job], r.Float64()*0.6)
	first.sup = g.pickSupervisor(co, ei)
	e.payGroup = payGroupFor(r, jobs[job].hourly)
	e.origHire, e.lastHire, e.statusStart = day, day, day
	first.created = at
	first.seq = s.newSeq()
	e.hist = append(make([]hist, 0, 4), first)
	e.created, e.changed, e.personChanged = at, at, at
	return ei
}

func weightedFamily(r *rand.Rand) int {
	// OPS, TRN, CS dominate a logistics-style workforce.
	w := []int{30, 14, 16, 8, 5, 10, 12, 0}
	x := r.IntN(95)
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return 0
}

func payGroupFor(r *rand.Rand, hourly bool) uint8 {
	if hourly {
		if r.IntN(3) == 0 {
			return 1 // BIWK
		}
		return 0 // WKLY
	}
	switch r.IntN(10) {
	case 0, 1, 2, 3, 4:
		return 1
	case 5, 6, 7:
		return 2
	default:
		return 3
	}
}

func (g *gen) orgFor(job int) [4]uint8 {
	o1 := jobs[job].family
	return [4]uint8{uint8(o1), uint8(g.r.IntN(len(org1[o1].dept))), uint8(g.r.IntN(len(org3))), uint8(g.r.IntN(len(org4)))}
}

func (g *gen) setHours(h *hist) {
	switch {
	case !h.ft && g.r.IntN(2) == 0:
		h.annualHrs = 1040_00
	case !h.ft:
		h.annualHrs = 1560_00
	case g.r.IntN(8) == 0:
		h.annualHrs = 1950_00
	default:
		h.annualHrs = 2080_00
	}
}

// setPay sets rate and annual salary for job at position pos (0..1) of its range.
func (g *gen) setPay(h *hist, j jobDef, pos float64) {
	if j.hourly {
		rate := j.lowPay + int64(pos*float64(j.highPay-j.lowPay))
		h.rate = rate / 25 * 25 // up to 4 decimals, steps of 0.0025
		h.annual = hourlyAnnual(h.rate, h.annualHrs)
		return
	}
	annual := j.lowPay + int64(pos*float64(j.highPay-j.lowPay))
	annual = annual * int64(h.annualHrs) / 2080_00
	h.annual = annual / 100_00 * 100_00 // whole hundreds of dollars
	h.rate = salariedRate(h.annual, h.annualHrs)
}

// hourlyAnnual is rate x annual hours rounded to cents (rate x10000, hours x100).
func hourlyAnnual(rate int64, hrs int32) int64 {
	return (rate*int64(hrs) + 5000) / 10000
}

// salariedRate is annual / annual hours rounded to 4 decimals.
func salariedRate(annual int64, hrs int32) int64 {
	if hrs == 0 {
		return 0
	}
	return (annual*10000 + int64(hrs)/2) / int64(hrs)
}

// raise applies a pay change of pct basis points (x100 percent), keeping the
// money rules (hourly rate to 4 decimals, salaries in whole dollars).
func raise(h *hist, hourly bool, pctBP int) {
	old := h.annual
	if hourly {
		h.rate = (h.rate*int64(10000+pctBP)/10000 + 12) / 25 * 25
		h.annual = hourlyAnnual(h.rate, h.annualHrs)
	} else {
		h.annual = (h.annual*int64(10000+pctBP)/10000 + 50) / 100 * 100
		h.rate = salariedRate(h.annual, h.annualHrs)
	}
	if old > 0 {
		h.pct = int32((h.annual - old) * 10000 / old)
	}
}

// stamp returns an audit timestamp on day d during business hours.
func (g *gen) stamp(d int32) int64 {
	ms := int64(g.r.IntN(1000))
	if g.r.IntN(10) == 0 {
		ms = 0
	}
	return int64(d)*dayMs + int64(7*3600+g.r.IntN(12*3600))*1000 + ms
}

func (s *Sim) newSeq() uint32 {
	s.nextSeq++
	return s.nextSeq
}

func (g *gen) pickSupervisor(co uint8, self int32) int32 {
	m := g.s.mgrs[co]
	if len(m) == 0 {
		return -1
	}
	for range 4 {
		c := m[g.r.IntN(len(m))]
		if c != self && (int(c) >= len(g.s.emps) || g.s.emps[c].status() != 'T') {
			return c
		}
	}
	return -1
}

// historyEvent appends one initial-history change on day d.
func (g *gen) historyEvent(e *employment, d int32) {
	r := g.r
	prev := *e.last()
	if d <= prev.eff { // keep rows in effective-date order (a leave's return may pass d)
		return
	}
	h := prev
	h.eff, h.created, h.seq, h.flags, h.pct = d, g.stamp(d), g.s.newSeq(), 0, 0
	job := jobs[h.job]
	switch x := r.IntN(100); {
	case x < 50:
		h.reason = rsnMerit
		if r.IntN(6) == 0 {
			h.reason = rsnMarket
		}
		h.flags = fRate
		raise(&h, job.hourly, 150+r.IntN(550))
	case x < 65:
		fam := families[job.family]
		i := slices.Index(fam, int(h.job))
		if i+1 < len(fam) && !jobs[fam[i+1]].mgr || i+1 < len(fam) && e.isSup {
			g.promote(&h, fam[i+1])
		} else {
			h.reason = rsnMerit
			h.flags = fRate
			raise(&h, job.hourly, 200+r.IntN(400))
		}
	case x < 80:
		g.transfer(&h)
	case x < 88:
		h.reason = rsnReorg
		h.flags = fOrg
		h.org[2] = uint8(r.IntN(len(org3)))
		h.sup = g.pickSupervisor(e.co, -1)
	case x < 95 && prev.status == 'A':
		h.reason, h.status = rsnLeave, 'L'
		e.leaveReason = uint8(1 + r.IntN(len(leaveReasons)))
		e.statusStart = d
		e.hist = append(e.hist, h)
		e.changed = h.created
		// Return a few weeks later, if there is room before the next event.
		h2 := h
		h2.eff = d + int32(14+r.IntN(60))
		if h2.eff >= int32(g.s.startMs/dayMs) {
			return
		}
		h2.created, h2.seq, h2.reason, h2.status = g.stamp(h2.eff), g.s.newSeq(), rsnReturn, 'A'
		e.leaveReason = 0
		e.statusStart = h2.eff
		e.hist = append(e.hist, h2)
		e.changed = h2.created
		return
	default:
		h.reason = rsnCOLA
		h.flags = fRate
		raise(&h, job.hourly, 100+r.IntN(200))
	}
	if h.eff <= prev.eff { // keep rows in effective-date order
		return
	}
	e.hist = append(e.hist, h)
	e.changed = h.created
}

func (g *gen) promote(h *hist, to int) {
	r := g.r
	h.reason = rsnPromotion
	h.flags = fJob | fPromo | fRate
	old := h.annual
	wasHourly := jobs[h.job].hourly
	h.job = uint8(to)
	nj := jobs[to]
	if wasHourly != nj.hourly || h.annual < nj.lowPay*int64(h.annualHrs)/2080_00 && !nj.hourly {
		g.setPay(h, nj, r.Float64()*0.3)
		if h.annual <= old {
			raise(h, nj.hourly, 300+r.IntN(500))
		}
	} else {
		raise(h, nj.hourly, 500+r.IntN(1000))
	}
	if old > 0 {
		h.pct = int32((h.annual - old) * 10000 / old)
	}
}

func (g *gen) transfer(h *hist) {
	r := g.r
	h.reason = rsnTransfer
	h.flags = fOrg | fTransfer
	o := h.org
	o1 := org1[o[0]]
	if len(o1.dept) > 1 {
		o[1] = uint8((int(o[1]) + 1 + r.IntN(len(o1.dept)-1)) % len(o1.dept))
	}
	o[3] = uint8(r.IntN(len(org4)))
	if o == h.org {
		o[2] = uint8((int(o[2]) + 1) % len(org3))
	}
	h.org = o
}

// finalStatus makes some initial employees terminated, on leave, or in a
// rarer status (and some terminated ones rehired), before the clock's start.
func (g *gen) finalStatus(e *employment, start int32) {
	r := g.r
	last := e.last()
	room := int(start - 1 - last.eff)
	if room < 3 || len(e.hist) >= 9 {
		return
	}
	d := last.eff + 1 + int32(r.IntN(room-1))
	switch x := r.IntN(1000); {
	case x < 90:
		g.terminate(e, d)
		if r.IntN(8) == 0 && start-1-d > 2 {
			g.rehire(e, d+1+int32(r.IntN(int(start-2-d))))
		}
	case x < 125:
		g.statusChange(e, d, 'L')
	case x < 130:
		g.statusChange(e, d, 'S')
	case x < 134:
		g.statusChange(e, d, 'O')
	case x < 137:
		g.statusChange(e, d, 'R')
	}
}

// terminate appends a termination row on day d (also used by Advance, with
// a timestamp chosen by the caller through created).
func (g *gen) terminate(e *employment, d int32) { g.terminateAt(e, d, g.stamp(d)) }

func (g *gen) terminateAt(e *employment, d int32, at int64) {
	h := *e.last()
	h.eff, h.created, h.seq, h.flags, h.pct = d, at, g.s.newSeq(), 0, 0
	h.reason, h.status = rsnTerm, 'T'
	e.termReason = uint8(g.r.IntN(len(termReasons)))
	e.termType = termReasons[e.termReason].typ
	e.leaveReason = 0
	e.term, e.statusStart = d, d
	e.hist = append(e.hist, h)
	e.changed, e.personChanged = at, at
}

func (g *gen) rehire(e *employment, d int32) { g.rehireAt(e, d, g.stamp(d)) }

func (g *gen) rehireAt(e *employment, d int32, at int64) {
	h := *e.last()
	h.eff, h.created, h.seq, h.flags, h.pct = d, at, g.s.newSeq(), 0, 0
	h.reason, h.status = rsnRehire, 'A'
	h.sup = g.pickSupervisor(e.co, -1)
	e.termType, e.term, e.termReason = 0, 0, 0
	e.lastHire, e.statusStart = d, d
	e.hist = append(e.hist, h)
	e.changed, e.personChanged = at, at
}

func (g *gen) statusChange(e *employment, d int32, to byte) { g.statusChangeAt(e, d, g.stamp(d), to) }

func (g *gen) statusChangeAt(e *employment, d int32, at int64, to byte) {
	h := *e.last()
	h.eff, h.created, h.seq, h.flags, h.pct = d, at, g.s.newSeq(), 0, 0
	h.status = to
	switch to {
	case 'L':
		h.reason = rsnLeave
		e.leaveReason = uint8(1 + g.r.IntN(len(leaveReasons)))
	case 'S':
		h.reason = rsnSuspend
	case 'O':
		h.reason = rsnStrike
	case 'R':
		h.reason = rsnRelease
	case 'A':
		h.reason = rsnReturn
		e.leaveReason = 0
	}
	e.statusStart = d
	e.hist = append(e.hist, h)
	e.changed = at
}

// reindex rebuilds the ordering (companyID, employeeID) and the cumulative
// job-history counts used to find a page without scanning.
func (s *Sim) reindex() {
	s.order = s.order[:0]
	for i := range s.emps {
		if !s.emps[i].removed {
			s.order = append(s.order, int32(i))
		}
	}
	slices.SortFunc(s.order, func(a, b int32) int {
		ea, eb := &s.emps[a], &s.emps[b]
		if c := cmp.Compare(ea.co, eb.co); c != 0 {
			return c
		}
		pa, pb := &s.people[ea.p], &s.people[eb.p]
		return slices.Compare(pa.id[:], pb.id[:])
	})
	s.histCum = s.histCum[:0]
	var n int64
	s.histCum = append(s.histCum, 0)
	for _, ei := range s.order {
		n += int64(len(s.emps[ei].hist))
		s.histCum = append(s.histCum, n)
	}
	s.coStart = s.coStart[:0]
	pos := 0
	for co := range s.companies {
		for pos < len(s.order) && int(s.emps[s.order[pos]].co) < co {
			pos++
		}
		s.coStart = append(s.coStart, pos)
	}
	s.coStart = append(s.coStart, len(s.order))
	if s.subCum == nil {
		s.subCum = map[string][]int64{}
	}
	for _, ep := range endpoints {
		if ep.kind != perSub {
			continue
		}
		cum := append(s.subCum[ep.name][:0], 0)
		var n int64
		for _, ei := range s.order {
			n += int64(ep.sub(s, ei))
			cum = append(cum, n)
		}
		s.subCum[ep.name] = cum
	}
}
