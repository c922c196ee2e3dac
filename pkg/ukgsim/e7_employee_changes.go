package ukgsim

// E7 — GET /personnel/v1/employee-changes?startDate=&endDate= and
// /employee-changes/{employeeId} (ukgpro-api.md §7 E7).
//
// Returns one current snapshot per (company, employee) with any change (a
// job-history row created, or the person record changed) in the window
// [startDate, endDate). startDate is required on the list route (also
// start_date); endDate defaults to the tenant clock. Both accept YYYY-MM-DD and
// YYYY-MM-DDTHH:MM:SS (and MM-DD-YYYY). Blanks are "" and dates are .NET
// strings (M/D/YYYY h:mm:ss AM). With SIM_CHANGES_STRICT_WINDOW a window
// ending less than 3 hours before the tenant clock is a 400. The per-employee
// route returns an array (one element per company row), windowed only when
// startDate is given.

var epChanges = &endpoint{
	name:   EndpointEmployeeChanges,
	kind:   perEmployment,
	routes: rList | rArrEmployee,
	blank:  true,
	render: renderChanges,
}

func renderChanges(w *jw, v *view) {
	sv, hasSup := v.supervisor()
	home := v.home()
	w.str("firstName", v.firstName())
	w.str("lastName", v.lastName())
	w.str("preferredName", v.preferredName())
	w.str("emailAddress", v.email())
	w.str("countryCode", v.country())
	w.str("languageCode", languages[v.e.lang])
	w.str("employeeNumber", v.employeeNumber())
	w.strb("employeeId", v.p.id[:])
	w.str("personId", v.personID())
	w.str("userIntegrationKey", v.integrationID())
	w.str("companyName", v.c.def.name)
	w.str("companyId", v.c.id)
	if hasSup {
		w.strb("supervisorId", sv.p.id[:])
	} else {
		w.null("supervisorId")
	}
	w.str("salaryOrHourly", v.salaryOrHourly())
	w.str("fullTimeOrPartTime", v.fullOrPart())
	w.str("workLocationCode", v.loc().code)
	w.str("jobCode", v.job().code)
	w.null("projectCode")
	w.str("orgLevel1Code", v.org(1))
	w.str("orgLevel2Code", v.org(2))
	w.str("orgLevel3Code", v.org(3))
	w.str("orgLevel4Code", v.org(4))
	w.str("middleName", v.middleName())
	w.str("workPhone", v.workPhoneNumber())
	w.str("homePhone", v.homePhone())
	w.str("employeeAddress1", v.addressLine1())
	w.str("employeeAddress2", v.addressLine2())
	w.str("city", home.city)
	w.str("state", home.state)
	w.str("zipCode", home.zip)
	if hasSup {
		w.str("supervisorName", sv.lastName()+", "+sv.firstName())
	} else {
		w.null("supervisorName")
	}
	w.str("prefix", v.prefix())
	w.str("suffix", v.suffix())
	w.str("alternateEmailAddress", v.altEmail())
	w.str("gender", v.gender())
	w.code("employeeStatus", v.h.status)
	w.str("employeeType", empTypes[v.e.empType])
	w.str("jobGroupCode", v.job().group)
	w.null("alternateJobTitle")

	w.netDay("terminationDate", v.e.term)
	w.netDay("hireDate", v.e.origHire)
	w.netDay("emplStatusStartDate", v.e.statusStart)
	w.netDay("dateInJob", v.e.dateInJob())
	w.netDay("dateOfLastHire", v.e.lastHire)

	w.boolean("isActive", v.isActive())
}
