package ukgsim

// B2 — GET /personnel/v1/employee-global-banks (ukgpro-api-more.md §5 B2).
//
// Bank accounts of the employees paid through UKG global payroll: about 4%
// of employments (expatriates paid in GBR, DEU, FRA, NLD or IRL), one row
// each, in (companyID, employeeID) order, with a valid IBAN (ISO 13616 check
// digits) and an 8-character SWIFT/BIC. bankId is unique per row (§9 row
// 5). An array (§9 row 4). Filters: companyId, employeeId, employeeCountry,
// payGroup, dateModified; page/per_Page.

var epGlobalBanks = &endpoint{
	name:   EndpointGlobalBanks,
	kind:   perSub,
	routes: rList,
	sub: func(s *Sim, ei int32) int {
		if hasGlobalBank(s.emps[ei].h) {
			return 1
		}
		return 0
	},
	filters: []filter{
		strF("companyId", func(v *view) string { return v.c.id }),
		idF("employeeId", func(v *view) []byte { return v.p.id[:] }),
		strF("employeeCountry", func(v *view) string { return v.globalCountry().iso3 }),
		strF("payGroup", func(v *view) string { return "GL" + v.globalCountry().iso2 }),
		stampF("dateModified", func(v *view) int64 { return v.e.created }),
	},
	render: renderGlobalBank,
}

func hasGlobalBank(h uint64) bool { return hn(h, 41)%25 == 0 }

type globalCountry struct {
	iso3, iso2, currency, city, postal string
	bank, bankCode                     string
}

var globalCountries = []globalCountry{
	{"GBR", "GB", "GBP", "London", "EC2V 7HH", "Northwind Bank plc", "NWBK"},
	{"DEU", "DE", "EUR", "Frankfurt am Main", "60311", "Kontor Bank AG", "KONT"},
	{"FRA", "FR", "EUR", "Paris", "75002", "Banque Lumière", "BLUM"},
	{"NLD", "NL", "EUR", "Amsterdam", "1012 JS", "Grachtenbank N.V.", "GRAC"},
	{"IRL", "IE", "EUR", "Dublin", "D02 X285", "Liffey Bank", "LIFF"},
}

func (v *view) globalCountry() *globalCountry {
	return &globalCountries[hn(v.e.h, 42)%uint64(len(globalCountries))]
}

// iban builds an IBAN from the country, a 4-letter bank code and 14 digits,
// with ISO 13616 check digits (mod 97).
func iban(cc, bank, digits string) string {
	bban := bank + digits
	var rem int
	for _, c := range bban + cc + "00" {
		n := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			n = int(c-'A') + 10
			rem = (rem*100 + n) % 97
			continue
		}
		rem = (rem*10 + n) % 97
	}
	check := 98 - rem
	return cc + string(append2(nil, check)) + bban
}

// globalBankID is the person's ID with "G<company>01" in place of its 0000
// middle: unique per (company, employee).
func (v *view) globalBankID() string {
	id := v.p.id
	return string(append(append(append([]byte(nil), id[:6]...), 'G', alnum[v.e.co%36], '0', '1'), id[10:]...))
}

func renderGlobalBank(w *jw, v *view) {
	gc := v.globalCountry()
	h := hn(v.e.h, 43)
	acct := string(appendInt(nil, int64(10_000_000+h%90_000_000)))
	sort := string(appendInt(nil, int64(100_000+hn(h, 1)%900_000)))
	w.str("companyId", v.c.id)
	w.strb("employeeId", v.p.id[:])
	w.str("bankId", v.globalBankID())
	w.str("employeeNumber", v.employeeNumber())
	w.str("payGroup", "GL"+gc.iso2)
	w.str("employeeCountry", gc.iso3)
	w.str("currencyCode", gc.currency)
	w.str("fundingMethod", "BT")
	w.str("fundingMethodDescription", "Bank transfer")
	w.str("addressLine1", string(appendInt(nil, int64(1+hn(h, 2)%200)))+" High Street")
	w.null("addressLine2")
	w.null("addressLine3")
	w.str("city", gc.city)
	w.null("state")
	w.str("postalCode", gc.postal)
	w.str("country", gc.iso3)
	w.str("bankName", gc.bank)
	w.str("bankBranch", gc.city)
	w.str("bankCountryCode", gc.iso2)
	w.str("beneficiaryName", v.firstName()+" "+v.lastName())
	w.str("bankAccountType", "CUR")
	w.str("bankAccountTypeDescription", "Current account")
	w.str("bankAccountNumber", acct)
	w.str("iban", iban(gc.iso2, gc.bankCode, sort+acct))
	w.str("swiftCode", gc.bankCode+gc.iso2+"2L")
	w.null("bankRequirement1")
	w.null("bankRequirement2")
	w.null("bankRequirement3")
	w.null("bankRequestCode1")
	w.null("bankRequestCode2")
	w.null("bankRequestCode3")
	w.null("bankRequestLabel1")
	w.null("bankRequestLabel2")
	w.null("bankRequestLabel3")
	w.stamp("dateModified", v.e.created)
}
