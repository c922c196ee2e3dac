package ukgsim

// P1 — GET /personnel/v1/contacts (ukgpro-api-more.md §3 P1): emergency
// contacts, dependents and beneficiaries.
//
// Contacts belong to a person, listed once with the home-company row's
// employee (0-3 each: a spouse or partner, or a parent; then children), in
// (companyID, employeeID) order. Rows carry employeeId but no companyId, as
// the API's do. An array (§9 row 4). Filters: employeeId, contactId,
// relationshipCode, isActive, isBeneficiary, isDependent; page/per_Page.
// Dependents carry synthetic SSNs in the never-issued 9xx area (the PII
// policy must hash them).

var epContacts = &endpoint{
	name:   EndpointContacts,
	kind:   perSub,
	routes: rList,
	sub:    contactsOf,
	filters: []filter{
		idF("employeeId", func(v *view) []byte { return v.p.id[:] }),
		strF("contactId", (*view).contactID),
		strF("relationshipCode", func(v *view) string { return v.relation().code }),
		flagF("isActive", func(*view) bool { return true }),
		flagF("isBeneficiary", func(v *view) bool { return v.relation().beneficiary }),
		flagF("isDependent", func(v *view) bool { return v.relation().dependent }),
	},
	render: renderContact,
}

func contactsOf(s *Sim, ei int32) int {
	e := &s.emps[ei]
	if !e.home {
		return 0
	}
	return int(hn(s.people[e.p].h, 50) % 4)
}

type relationDef struct {
	code, desc                                string
	dependent, beneficiary, emergency, spouse bool
}

var relations = []relationDef{
	{"SPS", "Spouse", true, true, true, true},
	{"DP", "Domestic Partner", true, true, true, true},
	{"PAR", "Parent", false, false, true, false},
	{"CHL", "Child", true, false, false, false},
}

func (v *view) relation() *relationDef {
	if v.row > 0 {
		return &relations[3]
	}
	switch maritalCodes[v.p.marital] {
	case "M":
		return &relations[0]
	case "P":
		return &relations[1]
	}
	return &relations[2]
}

// contactID is the person's ID with "C00<n>" in place of its 0000 middle.
func (v *view) contactID() string {
	id := v.p.id
	b := append([]byte(nil), id[:6]...)
	b = append(b, 'C', '0', '0', byte('1'+v.row))
	return string(append(b, id[10:]...))
}

func renderContact(w *jw, v *view) {
	rel := v.relation()
	h := hn(v.p.h, 52+uint64(v.row))
	first := &firstNames[h%uint64(len(firstNames))]
	last := v.lastName()
	birth := v.p.birth - 1500 + int32(hn(h, 1)%3000)
	switch {
	case rel.code == "PAR":
		birth = v.p.birth - int32(20*365+hn(h, 1)%(15*365))
		last = lastNames[hn(h, 2)%uint64(len(lastNames))].name
	case !rel.spouse:
		birth = v.p.birth + int32(22*365+hn(h, 1)%(18*365))
		if start := int32(v.s.startMs / dayMs); birth >= start {
			birth = start - 1 - int32(hn(h, 3)%365)
		}
	}
	gender := "M"
	if first.female {
		gender = "F"
	}
	w.strb("employeeId", v.p.id[:])
	w.str("contactId", v.contactID())
	w.str("personID", guid(hn(h, 4), hn(h, 5)))
	w.str("addressID", v.addressID())
	w.null("workPhoneId")
	w.null("homePhoneId")
	w.null("otherPhoneId")
	w.null("importId")
	w.str("firstName", first.name)
	w.null("middleName")
	w.str("lastName", last)
	w.null("nameSuffix")
	w.null("formerName")
	w.str("gender", gender)
	if rel.dependent {
		w.str("ssn", ssnString(uint32(hn(h, 6)%100_000_000)))
	} else {
		w.null("ssn")
	}
	if rel.spouse && v.homeCompany().canada {
		w.str("nationalId", "9"+string(appendInt(nil, int64(10_000_000+hn(h, 7)%90_000_000))))
	} else {
		w.null("nationalId")
	}
	w.null("healthCareId")
	w.null("occupation")
	w.null("otherInsurance")
	if rel.spouse {
		w.str("emailAddress", first.ascii+"."+lastNames[v.p.last].ascii+"@mail.example")
	} else {
		w.null("emailAddress")
	}
	w.str("relationshipCode", rel.code)
	w.str("relationshipDescription", rel.desc)
	w.boolean("isEmergencyContact", rel.emergency)
	w.boolean("isDependent", rel.dependent)
	w.boolean("isBeneficiary", rel.beneficiary)
	w.boolean("isActive", true)
	w.boolean("isDisabled", false)
	w.boolean("isSmoker", rel.spouse && hn(h, 8)%8 == 0)
	w.boolean("isStudent", !rel.spouse && rel.dependent && birth > int32(v.s.startMs/dayMs)-22*365)
	differs := rel.code == "PAR"
	w.boolean("addressIsDifferentFromEmployee", differs)
	w.boolean("cobraExport", false)
	w.boolean("cobraIsActive", false)
	if differs {
		w.str("addressLine1", string(appendInt(nil, int64(100+hn(h, 9)%9800)))+" "+streets[hn(h, 10)%uint64(len(streets))])
	} else {
		w.str("addressLine1", v.addressLine1())
	}
	w.null("addressLine2")
	w.str("city", v.home().city)
	w.str("state", v.home().state)
	w.str("zipCode", v.home().zip)
	w.str("county", v.home().county)
	w.str("countryCode", v.home().country)
	if differs {
		w.str("homePhoneNumber", phone(v.home().phoneArea, hn(h, 11)))
	} else {
		w.str("homePhoneNumber", v.homePhone())
	}
	w.str("homePhoneCountry", v.home().country)
	w.null("workPhoneNumber")
	w.null("workPhoneExtension")
	w.null("otherPhoneNumber")
	w.null("otherPhoneType")
	w.null("otherPhoneCountryCode")
	w.null("preferredPhoneNumber")
	w.null("cobraReason")
	w.null("cobraStatus")
	w.null("cobraNotes")
	w.null("notes")
	w.null("userDefinedField01")
	w.day("dateOfBirth", birth)
	if rel.spouse {
		md := max(birth, v.p.birth) + int32(20*365+hn(h, 12)%(10*365))
		w.day("marriageDate", min(md, int32(v.s.startMs/dayMs)-400))
	} else {
		w.null("marriageDate")
	}
	w.null("divorceDate")
	w.null("deathDate")
	w.day("statusAsOfDate", v.e.origHire)
	w.null("cobraStatusDate")
	w.null("dateOfCOBRAEvent")
	w.null("dateOfCOBRALetter")
	w.null("nationalIdExpirationDate")
}
