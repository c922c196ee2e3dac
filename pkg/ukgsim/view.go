package ukgsim

// view is one record being rendered or filtered: an employment with its
// person and company, and one of its job-history rows (the latest unless the
// endpoint is job history).
type view struct {
	s  *Sim
	ei int32
	e  *employment
	p  *person
	c  *company
	h  *hist
	hi int
	// row is the configuration row (perTable endpoints; e, p, c and h are
	// nil then) or the employment's sub-record (perSub endpoints).
	row int
}

func (s *Sim) viewOf(ei int32, hi int) view {
	e := &s.emps[ei]
	if hi < 0 {
		hi = len(e.hist) - 1
	}
	return view{s: s, ei: ei, e: e, p: &s.people[e.p], c: &s.companies[e.co], h: &e.hist[hi], hi: hi}
}

func (v *view) job() *jobDef    { return &jobs[v.h.job] }
func (v *view) loc() *locDef    { return &locations[v.h.loc] }
func (v *view) home() *locDef   { return &locations[v.p.loc] }
func (v *view) pg() payGroupDef { return payGroups[v.e.payGroup] }
func (v *view) hourly() bool    { return jobs[v.h.job].hourly }

func (v *view) salaryOrHourly() string {
	if v.hourly() {
		return "H"
	}
	return "S"
}

func (v *view) fullOrPart() string {
	if v.h.ft {
		return "F"
	}
	return "P"
}

func (v *view) org(level int) string {
	o := v.h.org
	switch level {
	case 1:
		return org1[o[0]].code
	case 2:
		return org1[o[0]].dept[o[1]]
	case 3:
		return org3[o[2]]
	default:
		return org4[o[3]]
	}
}

func (v *view) firstName() string { return firstNames[v.p.first].name }
func (v *view) lastName() string  { return lastNames[v.p.last].name }

func (v *view) middleName() string {
	if v.p.middle == 0 {
		return ""
	}
	return firstNames[v.p.middle-1].name
}

func (v *view) preferredName() string {
	if v.p.pref == 0 {
		return ""
	}
	return firstNames[v.p.pref-1].name
}

func (v *view) suffix() string {
	if v.p.suffix == 0 {
		return ""
	}
	return suffixes[v.p.suffix-1]
}

func (v *view) prefix() string {
	switch hn(v.p.h, 21) % 8 {
	case 0:
		if v.p.female {
			return "MS"
		}
		return "MR"
	case 1:
		return "DR"
	}
	return ""
}

func (v *view) gender() string {
	if v.p.female {
		return "F"
	}
	return "M"
}

func (v *view) homeCompany() *company { return &v.s.companies[v.s.emps[v.p.emps[0]].co] }

// email is first.last@<home company domain>, ASCII-folded.
func (v *view) appendEmail(b []byte) []byte {
	b = append(b, firstNames[v.p.first].ascii...)
	b = append(b, '.')
	b = append(b, lastNames[v.p.last].ascii...)
	if n := hn(v.p.h, 3) % 5; n == 0 {
		b = appendInt(b, int64(hn(v.p.h, 4)%90+10))
	}
	b = append(b, '@')
	return append(b, v.homeCompany().def.domain...)
}

func (v *view) email() string { return string(v.appendEmail(nil)) }

func (v *view) altEmail() string {
	if !v.p.hasAlternateEmail {
		return ""
	}
	b := append([]byte(nil), firstNames[v.p.first].ascii...)
	b = appendInt(b, int64(hn(v.p.h, 5)%1000))
	return string(append(b, "@mail.example"...))
}

func (v *view) userName() string {
	b := []byte{upper(firstNames[v.p.first].ascii[0])}
	for _, c := range []byte(lastNames[v.p.last].ascii) {
		if len(b) >= 12 {
			break
		}
		b = append(b, upper(c))
	}
	return string(appendInt(b, int64(hn(v.p.h, 6)%100)))
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// phone returns a 10-digit NANP number in the 555-01xx fictional range.
func phone(area string, h uint64) string {
	b := append([]byte(nil), area...)
	b = append(b, "55501"...)
	b = append2(b, int(h%100))
	return string(b)
}

func (v *view) homePhone() string { return phone(v.home().phoneArea, hn(v.p.h, 7)) }
func (v *view) cellPhone() string { return phone(v.home().phoneArea, hn(v.p.h, 8)) }
func (v *view) workPhone() string { return phone(v.loc().phoneArea, hn(v.e.h, 9)) }

func (v *view) addressLine1() string {
	b := appendInt(nil, int64(hn(v.p.h, 10)%9800+100))
	b = append(b, ' ')
	return string(append(b, streets[hn(v.p.h, 11)%uint64(len(streets))]...))
}

func (v *view) addressLine2() string {
	if !v.p.hasAddressLine2 {
		return ""
	}
	b := append([]byte("Apt "), byte('1'+hn(v.p.h, 12)%9))
	return string(append(b, byte('A'+hn(v.p.h, 13)%6)))
}

// ssn is synthetic and in the never-issued 9xx area.
func ssnString(serial uint32) string {
	b := []byte{'9'}
	b = append2(b, int(serial/1_000_000%100))
	b = append(b, '-')
	b = append2(b, int(serial/10_000%100))
	b = append(b, '-')
	b = append2(b, int(serial/100%100))
	return string(append2(b, int(serial%100)))
}

func (v *view) ssn() string { return ssnString(v.p.ssnSerial) }

func (v *view) nationalID() string {
	s := v.ssn()
	return s[0:3] + s[4:6] + s[7:]
}

func (v *view) previousSSN() string {
	if v.p.prevSSN == 0 {
		return ""
	}
	return ssnString(v.p.prevSSN)
}

func (v *view) country() string {
	if v.c.canada {
		return "CAN"
	}
	return "USA"
}

func guid(h1, h2 uint64) string {
	b := make([]byte, 0, 36)
	hex := func(x uint64, n int) {
		for i := n - 1; i >= 0; i-- {
			b = append(b, hexDigits[(x>>(uint(i)*4))&0xf])
		}
	}
	hex(h1>>32, 8)
	b = append(b, '-')
	hex(h1>>16, 4)
	b = append(b, '-')
	hex(0x4000|(h1&0x0fff), 4)
	b = append(b, '-')
	hex(0x8000|(h2>>48&0x3fff), 4)
	b = append(b, '-')
	hex(h2, 12)
	return string(b)
}

func (v *view) personID() string      { return guid(hn(v.p.h, 14), hn(v.p.h, 15)) }
func (v *view) integrationID() string { return guid(hn(v.e.h, 16), hn(v.e.h, 17)) }
func (v *view) addressID() string     { return guid(hn(v.p.h, 18), hn(v.p.h, 19)) }

func (v *view) employeeNumber() string {
	b := make([]byte, 0, 9)
	n := appendInt(nil, int64(v.e.number))
	for range 9 - len(n) {
		b = append(b, '0')
	}
	return string(append(b, n...))
}

// supervisor returns the supervisor's view, ok false when none.
func (v *view) supervisor() (view, bool) {
	if v.h.sup < 0 {
		return view{}, false
	}
	return v.s.viewOf(v.h.sup, -1), true
}

func (v *view) supervisorID() []byte {
	if sv, ok := v.supervisor(); ok {
		return sv.p.id[:]
	}
	return nil
}

// payDay is the last Friday on or before the record's last change (the last
// pay date as of that change), 0 when before the last hire.
func (v *view) payDay() int32 {
	d := int32(v.e.changed / dayMs)
	if v.e.term != 0 {
		d = v.e.term
	}
	w := (d + 4) % 7 // 0 = Sunday; 1970-01-01 was a Thursday
	d -= (w - 5 + 7) % 7
	if d < v.e.lastHire {
		return 0
	}
	return d
}

func (v *view) paidThru() int32 {
	d := v.payDay()
	if d == 0 || d-6 < v.e.lastHire {
		return 0
	}
	return d - 6
}

func (v *view) lastWorked() int32 {
	if v.e.term != 0 {
		return v.e.term
	}
	return 0
}

func (v *view) expectedEnd() int32 {
	if v.h.status == 'L' {
		return v.e.statusStart + 90
	}
	return 0
}

func (v *view) suspension() int32 {
	if v.h.status == 'S' {
		return v.e.statusStart
	}
	return 0
}

func (v *view) leaveReason() string {
	if v.e.leaveReason == 0 || v.h.status != 'L' {
		return ""
	}
	return leaveReasons[v.e.leaveReason-1].code
}

func (v *view) termReason() (code, desc, typ string) {
	if v.e.termType == 0 {
		return "", "", ""
	}
	t := termReasons[v.e.termReason]
	return t.code, t.desc, string(t.typ)
}

func (v *view) okToRehire() string {
	if v.e.termType == 0 {
		return ""
	}
	if v.e.termType == 'I' && hn(v.e.h, 20)%3 != 0 {
		return "N"
	}
	return "Y"
}

// jobChangeReason is the reason code of the latest history row.
func (v *view) jobChangeReason() string { return reasons[v.e.last().reason].code }

// weekly, period and FTE figures (money in cents, hours x10000).
func (v *view) weeklyPay() int64 { return (v.h.annual + 26) / 52 }
func (v *view) periodPay() int64 {
	n := v.pg().payments
	return (v.h.annual + n/2) / n
}
func (v *view) fte() int64         { return int64(v.h.annualHrs) * 10000 / 2080_00 }
func (v *view) weeklyHours() int64 { return int64(v.h.annualHrs) * 100 / 52 }
func (v *view) periodHours() int64 { return int64(v.h.annualHrs) * 100 / v.pg().payments }
func (v *view) annualHours() int64 { return int64(v.h.annualHrs) } // scale 2

func (v *view) isActive() bool { return v.h.status != 'T' }

func (v *view) isHighlyCompensated() bool { return v.h.annual >= 150_000_00 }

func (v *view) reviewRating() string {
	if v.e.lastHire > int32(v.s.startMs/dayMs)-180 {
		return ""
	}
	return string(rune('2' + hn(v.e.h, 22)%4))
}

// systemID renders a job-history row key: a 4-character tenant prefix and the
// row's sequence number scrambled into 8 base-36 digits (bijective, so the
// key decodes back to the row).
func (s *Sim) systemID(seq uint32) [12]byte {
	var id [12]byte
	copy(id[:4], s.sysPrefix[:])
	x := (uint64(seq) * sysMul) & (1<<40 - 1)
	for i := 11; i >= 4; i-- {
		id[i] = alnum[x%36]
		x /= 36
	}
	return id
}

const sysMul = 0x9E3779B97F // odd, so invertible modulo 2^40

func (s *Sim) decodeSystemID(id string) (uint32, bool) {
	if len(id) != 12 || !equalFoldASCII(id[:4], string(s.sysPrefix[:])) {
		return 0, false
	}
	var x uint64
	for i := 4; i < 12; i++ {
		c := upper(id[i])
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'A' && c <= 'Z':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		x = x*36 + d
	}
	// Invert the multiplication modulo 2^40 (Newton's iteration).
	inv := uint64(sysMul)
	for range 6 {
		inv *= 2 - sysMul*inv
	}
	seq := (x * inv) & (1<<40 - 1)
	if seq > 1<<32-1 {
		return 0, false
	}
	return uint32(seq), true
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		if upper(a[i]) != upper(b[i]) {
			return false
		}
	}
	return true
}
