package ukgsim

// C1 — GET /configuration/v1/company-details (ukgpro-api-more.md §2 C1).
//
// One row per company of the tenant, in companyID order; the first company
// is the master. isMasterCompany is the string "true"/"false" (C1 marks the
// values L; a vendor sample shows "Y"). Filters: companyId, companyCode,
// isMasterCompany; page/per_Page.

var epCompanies = &endpoint{
	name:   EndpointCompanies,
	base:   baseConfig,
	kind:   perTable,
	routes: rList,
	table:  func(s *Sim) int { return len(s.companies) },
	filters: []filter{
		strF("companyId", func(v *view) string { return v.s.companies[v.row].id }),
		strF("companyCode", func(v *view) string { return v.s.companies[v.row].def.code }),
		strF("isMasterCompany", func(v *view) string { return isMaster(v.row) }),
	},
	render: renderCompany,
}

func isMaster(row int) string {
	if row == 0 {
		return "true"
	}
	return "false"
}

func renderCompany(w *jw, v *view) {
	c := &v.s.companies[v.row]
	loc := &locations[c.firstLoc]
	h := splitmix64(uint64(v.row) ^ 0xc0)
	w.str("companyID", c.id)
	w.str("masterCompanyId", v.s.companies[0].id)
	w.str("companyCode", c.def.code)
	w.str("companyName", c.def.name)
	w.str("isMasterCompany", isMaster(v.row))
	w.str("addressLine1", string(appendInt(nil, int64(100+h%900)))+" "+streets[h%uint64(len(streets))])
	w.null("addressLine2")
	w.str("addressCity", loc.city)
	w.str("addressState", loc.state)
	w.str("addressZipCode", loc.zip)
	w.str("addressCountry", loc.country)
	w.str("addressCounty", loc.county)
	w.str("phoneNumber", phone(loc.phoneArea, hn(h, 1)))
	w.null("phoneNumberExtension")
	w.str("federalTaxId", "36-55501"+string(append2(nil, int(hn(h, 2)%100))))
	w.null("orgLevel1Code")
	w.null("orgLevel2Code")
	w.null("orgLevel3Code")
	w.null("orgLevel4Code")
}
