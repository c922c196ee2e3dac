package ukgsim

// E1 — GET /personnel/v1/employee-demographic-details (ukgpro-api.md §7 E1).
//
// Supports: the list route; filters employeeId, companyId, lastName,
// emailAddress, addressState, addressCountry; page/per_Page. Spellings:
// nameSuffixCode and ethnicIdCode (unlike person-details), isDisabled and
// addressIsOnTaxBoundary as Y/N strings.

var epDemographics = &endpoint{
	name:   EndpointDemographics,
	kind:   perEmployment,
	routes: rList,
	filters: []filter{
		idF("employeeId", func(v *view) []byte { return v.p.id[:] }),
		strF("companyId", func(v *view) string { return v.c.id }),
		strF("lastName", (*view).lastName),
		strF("emailAddress", (*view).email),
		strF("addressState", func(v *view) string { return v.home().state }),
		strF("addressCountry", func(v *view) string { return v.home().country }),
	},
	render: renderDemographics,
}

func (v *view) ethnic() (code, desc string) {
	e := ethnicCodes[v.p.ethnic]
	return e.code, e.desc
}

func renderDemographics(w *jw, v *view) {
	ethCode, ethDesc := v.ethnic()
	home := v.home()
	w.strb("employeeId", v.p.id[:])
	w.str("companyId", v.c.id)
	w.str("personId", v.personID())
	w.str("ethnicDescription", ethDesc)
	w.null("additionalName1")
	w.null("additionalName2")
	w.str("addressId", v.addressID())
	w.yn("addressIsOnTaxBoundary", false)
	w.null("disabilityType")
	w.null("formerName")
	w.null("healthBloodType")
	w.null("healthEyes")
	w.null("healthHair")
	w.null("healthHeightFeet")
	w.null("healthHeightInches")
	w.null("healthLastDonateDate")
	w.str("previousSSN", v.previousSSN())
	w.null("originCountry")
	w.null("originLocation")
	w.null("addressSms")
	w.null("lastNameNotSameAsSSCard")
	w.str("nationality1", home.country)
	w.null("nationality2")
	w.null("nationality3")
	w.str("firstName", v.firstName())
	w.str("middleName", v.middleName())
	w.str("lastName", v.lastName())
	w.str("preferredName", v.preferredName())
	w.str("namePrefixCode", v.prefix())
	w.str("nameSuffixCode", v.suffix())
	w.key("emailAddress")
	w.b = append(w.b, '"')
	w.b = v.appendEmail(w.b)
	w.b = append(w.b, '"')
	w.str("emailAddressAlternate", v.altEmail())
	w.str("homePhoneID", v.addressID()[:8])
	w.str("homePhone", v.homePhone())
	w.str("homePhoneCountry", home.country)
	w.str("addressLine1", v.addressLine1())
	w.str("addressLine2", v.addressLine2())
	w.null("addressLine3")
	w.null("addressLine4")
	w.str("addressCity", home.city)
	w.str("addressState", home.state)
	w.str("addressZipCode", home.zip)
	w.str("addressCountry", home.country)
	w.str("addressCounty", home.county)
	w.day("dateOfBirth", v.p.birth)
	w.str("gender", v.gender())
	w.str("ethnicIdCode", ethCode)
	w.yn("isDisabled", v.p.disabled)
	w.str("maritalStatusCode", maritalCodes[v.p.marital])
	w.str("ssn", v.ssn())
	w.str("userID", v.userName())
	w.str("integrationRecordId", v.integrationID())
	w.str("cellPhoneNumber", v.cellPhone())
	w.null("addressLatitude")
	w.null("healthWeight")
	w.boolean("homePhoneIsPrivate", false)
	w.boolean("isSmoker", v.p.smoker)
	w.boolean("ssnIsSuppressed", v.p.isSuppressedSSN)
}
