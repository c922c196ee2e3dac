package ukgsim

// B1 — GET /payroll/v1/direct-deposit and
// /payroll/v1/companies/{companyId}/direct-deposit (ukgpro-api-more.md §5
// B1; D's by-company path, not VH's).
//
// Direct-deposit splits of US and Canadian employments (0-3 each), in
// (companyID, employeeID, split) order. Split 1 takes the remaining net pay
// (depositRule P, 100%); later splits are fixed amounts (D). Routing numbers
// are 9 digits (Canada: 0 + institution + transit), account numbers 10-12
// digits, all synthetic. accountRecordId is unique per split and survives
// an account change (§9 row 5 leaves the key open: the simulator emits
// unique values). Advance changes an account (same accountRecordId, new
// numbers) or adds a split, and reports both in GroundTruth. Filters:
// companyId, employeeId, accountIsInactive, employeeBankRoutingNumber,
// countryCode, dateTimeChanged; page/per_Page.

var epDirectDeposit = &endpoint{
	name:   EndpointDirectDeposit,
	base:   basePayroll,
	kind:   perSub,
	routes: rList | rCompany,
	sub:    func(s *Sim, ei int32) int { return int(s.emps[ei].dd) },
	filters: []filter{
		strF("companyId", func(v *view) string { return v.c.id }),
		idF("employeeId", func(v *view) []byte { return v.p.id[:] }),
		flagF("accountIsInactive", func(*view) bool { return false }),
		strF("employeeBankRoutingNumber", func(v *view) string { return v.deposit().routing }),
		strF("countryCode", (*view).country),
		stampF("dateTimeChanged", (*view).depositChanged),
	},
	render: renderDirectDeposit,
}

type usBank struct{ id, name, aba string }

var usBanks = []usBank{
	{"BOA", "Bank of America", "02600959"}, {"CHASE", "JPMorgan Chase Bank", "02100002"},
	{"WF", "Wells Fargo Bank", "12100024"}, {"USB", "U.S. Bank", "09100002"},
	{"PNC", "PNC Bank", "04300009"}, {"CU1", "Navy Federal Credit Union", "25607438"},
}

var caBanks = []usBank{
	{"RBC", "Royal Bank of Canada", "003"}, {"TD", "TD Canada Trust", "004"},
	{"BMO", "Bank of Montreal", "001"}, {"BNS", "Scotiabank", "002"},
}

// deposit is one split's bank details.
type deposit struct {
	bank                 usBank
	routing, institution string
	account              string
}

func (v *view) deposit() deposit {
	h := hn(v.e.h^uint64(v.e.ddSalt[v.row])<<56, 60+uint64(v.row))
	var d deposit
	digits := func(n int, x uint64) string {
		b := make([]byte, n)
		for i := n - 1; i >= 0; i-- {
			b[i] = byte('0' + x%10)
			x /= 10
		}
		return string(b)
	}
	if v.c.canada {
		d.bank = caBanks[h%uint64(len(caBanks))]
		d.institution = d.bank.aba
		d.routing = "0" + d.institution + digits(5, hn(h, 1))
	} else {
		d.bank = usBanks[h%uint64(len(usBanks))]
		d.routing = d.bank.aba + digits(1, hn(h, 1))
	}
	d.account = digits(10+int(hn(h, 2)%3), hn(h, 3))
	return d
}

// depositChanged is the split's dateTimeChanged.
func (v *view) depositChanged() int64 {
	if t := v.e.ddChanged[v.row]; t != 0 {
		return t
	}
	return v.e.created
}

// accountRecordID is the person's ID with "D<company><0><split>" in place
// of its 0000 middle: unique per (company, employee, split).
func (v *view) accountRecordID() string {
	id := v.p.id
	b := append([]byte(nil), id[:6]...)
	b = append(b, 'D', alnum[v.e.co%36], '0', byte('1'+v.row))
	return string(append(b, id[10:]...))
}

func renderDirectDeposit(w *jw, v *view) {
	d := v.deposit()
	w.str("companyId", v.c.id)
	w.strb("employeeId", v.p.id[:])
	w.str("accountRecordId", v.accountRecordID())
	w.str("sequenceNumber", string(appendInt(nil, int64(v.row)+1)))
	w.str("employeeBankId", d.bank.id)
	w.str("employeeBankName", d.bank.name)
	w.str("employeeBankRoutingNumber", d.routing)
	w.str("employeeInstitutionNumber", d.institution)
	w.str("account", d.account)
	typ, desc := "C", "Checking"
	if v.row > 0 && hn(v.e.h, 64+uint64(v.row))%2 == 0 {
		typ, desc = "S", "Savings"
	}
	w.str("accountType", typ)
	w.null("foreignAccountNumber")
	w.null("foreignAccountNumberType")
	if v.row == 0 {
		w.dec("amountOrPercent", 100, 0)
		w.str("depositRule", "P")
	} else {
		w.dec("amountOrPercent", int64(25+hn(v.e.h, 65+uint64(v.row))%20*25), 0)
		w.str("depositRule", "D")
	}
	w.str("directDepositOrPrenote", "D")
	w.str("description", desc)
	w.str("countryCode", v.country())
	w.day("firstPrenotePayDate", int32(v.depositChanged()/dayMs)+7)
	w.stamp("dateTimeChanged", v.depositChanged())
	w.boolean("accountIsInactive", false)
}
