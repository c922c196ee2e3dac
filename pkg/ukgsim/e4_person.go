package ukgsim

// E4 — GET /personnel/v1/person-details, /person-details/{employeeId} (one
// object: the home-company row), /companies/{companyId}/person-details,
// /companies/{companyId}/employees/{employeeId}/person-details (ukgpro-api.md §7 E4).
//
// Quirks kept: datetimeCreated/datetimeChanged (lower-case t; the filter is
// dateTimeChanged), nameSufixCode, ethnicIDCode. datetimeChanged moves on hire,
// termination and rehire (COBRA fields change then), not on job or pay changes.

var epPerson = &endpoint{
	name:   EndpointPerson,
	kind:   perEmployment,
	routes: rList | rObjEmployee | rCompany | rEmployee,
	filters: []filter{
		strF("companyId", func(v *view) string { return v.c.id }),
		idF("employeeId", func(v *view) []byte { return v.p.id[:] }),
		strF("lastName", (*view).lastName),
		strF("emailAddress", (*view).email),
		strF("addressState", func(v *view) string { return v.home().state }),
		strF("addressCountry", func(v *view) string { return v.home().country }),
		flagF("cobraIsActive", (*view).cobraActive),
		strF("cobraStatus", (*view).cobraStatus),
		dayF("dateOfCobraEvent", (*view).cobraDate),
		stampF("dateTimeCreated", func(v *view) int64 { return v.e.created }),
		stampF("dateTimeChanged", func(v *view) int64 { return v.e.personChanged }),
		strF("nationalId", (*view).nationalID),
		strF("nationalIdCountry", func(v *view) string { return v.home().country }),
	},
	render: renderPerson,
}

func (v *view) cobraActive() bool { return v.h.status == 'T' && !v.c.canada }

func (v *view) cobraStatus() string {
	if v.cobraActive() {
		return "P"
	}
	return ""
}

func (v *view) cobraDate() int32 {
	if v.cobraActive() {
		return v.e.term
	}
	return 0
}

func renderPerson(w *jw, v *view) {
	ethCode, ethDesc := v.ethnic()
	home := v.home()
	w.str("personId", v.personID())
	w.strb("employeeId", v.p.id[:])
	w.str("companyId", v.c.id)
	w.null("additionalName1")
	w.null("additionalName2")
	w.str("addressId", v.addressID())
	if v.cobraActive() {
		w.str("cobraExport", "N")
		w.str("cobraReason", "TRM")
		w.str("cobraStatus", "P")
	} else {
		w.null("cobraExport")
		w.null("cobraReason")
		w.null("cobraStatus")
	}
	w.null("communityBroadcastSmsCode")
	w.null("disabilityType")
	w.str("ethnicDescription", ethDesc)
	w.null("formerName")
	w.null("healthBloodType")
	w.null("healthEyes")
	w.null("healthHair")
	w.null("healthHeightFeet")
	w.null("healthHeightInches")
	w.null("i9AlienNumber")
	if v.p.i9Verified {
		w.str("i9DocA", "USPASS")
	} else {
		w.null("i9DocA")
	}
	w.null("i9DocB")
	w.null("i9DocC")
	w.null("i9VisaType")
	if v.p.i9Verified {
		w.str("i9WorkAuth", "C")
	} else {
		w.null("i9WorkAuth")
	}
	if v.p.militaryService {
		w.str("militaryBranchServed", "ARMY")
		w.str("militaryEra", "GWOT")
		w.str("militaryIsDisabledVet", "N")
		w.str("militaryIsOthEligVet", "N")
		w.null("militaryIsOthEligVetBasis")
		w.str("militaryIsActiveWartimeVet", "N")
	} else {
		w.null("militaryBranchServed")
		w.null("militaryEra")
		w.null("militaryIsDisabledVet")
		w.null("militaryIsOthEligVet")
		w.null("militaryIsOthEligVetBasis")
		w.null("militaryIsActiveWartimeVet")
	}
	w.null("nameFormer")
	w.str("previousSSN", v.previousSSN())
	w.null("originCountry")
	w.null("originLocation")
	w.null("cobraNotes")
	w.null("addressSms")
	if v.p.militaryService {
		w.str("militaryIsMedalVet", "N")
	} else {
		w.null("militaryIsMedalVet")
	}
	w.null("lastNameNotSameAsSSCard")
	w.null("chkCashingInstCode")
	w.str("nationality1", home.country)
	w.null("nationality2")
	w.null("nationality3")
	w.str("userName", v.userName())
	w.str("firstName", v.firstName())
	w.str("middleName", v.middleName())
	w.str("lastName", v.lastName())
	w.str("preferredName", v.preferredName())
	w.str("namePrefixCode", v.prefix())
	w.str("nameSufixCode", v.suffix())
	w.key("emailAddress")
	w.b = append(w.b, '"')
	w.b = v.appendEmail(w.b)
	w.b = append(w.b, '"')
	w.str("emailAddressAlternate", v.altEmail())
	w.str("homePhone", v.homePhone())
	w.str("homePhoneCountry", home.country)
	w.str("addressLine1", v.addressLine1())
	w.str("addressLine2", v.addressLine2())
	w.str("addressCity", home.city)
	w.str("addressState", home.state)
	w.str("addressZipCode", home.zip)
	w.str("addressCountry", home.country)
	w.str("addressCounty", home.county)
	w.str("nationalId", v.nationalID())
	w.str("nationalIdCountry", home.country)
	w.str("gender", v.gender())
	w.str("ethnicIDCode", ethCode)
	w.str("maritalStatusCode", maritalCodes[v.p.marital])
	w.str("ssn", v.ssn())

	w.boolean("addressIsOnTaxBoundary", false)
	w.boolean("cobraIsActive", v.cobraActive())
	w.boolean("consentElectronicW2", v.p.consentElectronicW2)
	w.boolean("consentElectronicw2pr", false)
	w.boolean("i9Verified", v.p.i9Verified)
	w.boolean("isDisabled", v.p.disabled)
	w.boolean("isMultiPayGroup", false)
	w.boolean("isSmoker", v.p.smoker)
	w.boolean("militaryService", v.p.militaryService)
	w.boolean("w2IsDeceased", false)
	w.boolean("homePhoneIsPrivate", false)
	w.boolean("smsApprovals", false)
	w.boolean("smsPayNotification", false)
	w.boolean("ssnIsSuppressed", v.p.isSuppressedSSN)

	w.null("addressLatitude")
	w.null("healthWeight")

	w.day("cobraStatusDate", v.cobraDate())
	w.null("dateDeceased")
	w.day("dateOfCobraEvent", v.cobraDate())
	w.null("dateOfCobraExport")
	w.null("dateOfCobraLetter")
	w.null("dateOfI9Expiration")
	w.stamp("datetimeChanged", v.e.personChanged)
	w.stamp("datetimeCreated", v.e.created)
	w.null("healthLastDonateDate")
	if v.p.militaryService {
		w.day("militarySeparationDate", v.p.birth+int32(24*365))
	} else {
		w.null("militarySeparationDate")
	}
	w.null("i9VisaExpirationDate")
	w.day("dateOfBirth", v.p.birth)
}
