package ukgsim

// E3 — GET /personnel/v1/employment-details, /personnel/v1/companies/{companyId}/employment-details,
// /personnel/v1/companies/{companyId}/employees/{employeeId}/employment-details (ukgpro-api.md §7 E3).
//
// The older sibling of E2 with its own spellings: Y/N strings for
// isAutoAllocated/isAutopaid/isMultipleJob, timeclockID, dateOf* dates,
// scheduledAnnualHrs/scheduledWorkHrs, supervisor names, no pay amounts.

var epEmployment3 = &endpoint{
	name:    EndpointEmploymentOld,
	kind:    perEmployment,
	routes:  rList | rCompany | rEmployee,
	filters: employmentFilters("companyId", "employeeId", "supervisorID"),
	render:  renderEmployment3,
}

func renderEmployment3(w *jw, v *view) {
	termCode, termDesc, termType := v.termReason()
	sv, hasSup := v.supervisor()
	w.str("companyID", v.c.id)
	w.str("companyCode", v.c.def.code)
	w.str("companyName", v.c.def.name)
	w.strb("employeeID", v.p.id[:])
	w.str("jobDescription", v.job().title)
	w.str("payGroupDescription", v.pg().desc)
	w.str("primaryJobCode", v.job().code)
	w.str("orgLevel1Code", v.org(1))
	w.str("orgLevel2Code", v.org(2))
	w.str("orgLevel3Code", v.org(3))
	w.str("orgLevel4Code", v.org(4))
	w.str("fullTimeOrPartTimeCode", v.fullOrPart())
	w.str("primaryWorkLocationCode", v.loc().code)
	w.str("languageCode", languages[v.e.lang])
	w.null("primaryProjectCode")
	w.str("workPhoneNumber", v.workPhoneNumber())
	w.str("workPhoneExtension", v.workPhoneExt())
	w.str("workPhoneCountry", v.country())
	w.str("deductionGroupCode", v.deductionGroup())
	w.str("earningGroupCode", v.earningGroup())
	w.str("employeeTypeCode", empTypes[v.e.empType])
	w.code("employeeStatusCode", v.h.status)
	w.str("employeeNumber", v.employeeNumber())
	w.str("jobChangeReasonCode", v.jobChangeReason())
	w.str("jobTitle", v.job().title)
	w.str("leaveReasonCode", v.leaveReason())
	if hasSup {
		w.strb("supervisorID", sv.p.id[:])
		w.str("supervisorFirstName", sv.firstName())
		w.str("supervisorLastName", sv.lastName())
	} else {
		w.null("supervisorID")
		w.null("supervisorFirstName")
		w.null("supervisorLastName")
	}
	w.yn("autoAllocate", false)
	w.str("clockCode", v.clockCode())
	w.str("hireSource", v.hireSource())
	w.yn("isAutoAllocated", false)
	w.yn("isAutopaid", !v.hourly())
	w.yn("isMultipleJob", false)
	w.str("jobGroupCode", v.job().group)
	w.null("mailstop")
	w.str("okToRehire", v.okToRehire())
	w.str("payGroup", v.pg().code)
	w.code("payPeriod", v.pg().period)
	w.null("plannedLeaveReason")
	w.null("positionCode")
	w.str("salaryOrHourly", v.salaryOrHourly())
	w.str("shift", shifts[v.e.shift])
	w.null("shiftGroup")
	w.str("termReason", termCode)
	w.str("terminationReasonDescription", termDesc)
	w.str("termType", termType)
	w.str("timeclockID", v.clockCode())
	w.str("unionLocal", v.unionLocal())
	w.str("unionNational", v.unionNational())
	if hasSup {
		w.str("supervisorEmployeeNumber", sv.employeeNumber())
		w.str("supervisorCOID", sv.c.id)
		w.str("supervisorCompanyCode", sv.c.def.code)
	} else {
		w.null("supervisorEmployeeNumber")
		w.null("supervisorCOID")
		w.null("supervisorCompanyCode")
	}
	w.str("companyGLSegment", v.c.def.code)
	w.str("locationGLSegment", v.loc().code)

	w.day("originalHireDate", v.e.origHire)
	w.day("lastHireDate", v.e.lastHire)
	w.day("dateInJob", v.e.dateInJob())
	w.day("dateLastWorked", v.lastWorked())
	w.day("dateOfBenefitSeniority", v.e.origHire)
	w.day("dateOfSeniority", v.e.origHire)
	w.day("dateLastPayDatePaid", v.payDay())
	w.null("dateOfEarlyRetirement")
	if v.unionLocal() != "" {
		w.day("dateOfLocalUnion", v.e.lastHire)
		w.day("dateOfNationalUnion", v.e.lastHire)
	} else {
		w.null("dateOfLocalUnion")
		w.null("dateOfNationalUnion")
	}
	w.null("dateOfRetirement")
	w.day("dateOfSuspension", v.suspension())
	w.day("dateOfTermination", v.e.term)
	w.day("datePaidThru", v.paidThru())
	w.day("statusStartDate", v.e.statusStart)
	w.stamp("dateTimeCreated", v.e.created)
	w.stamp("dateTimeChanged", v.e.changed)

	w.dec("scheduledAnnualHrs", v.annualHours(), 2)
	w.dec("scheduledFTE", v.fte(), 4)
	w.dec("scheduledWorkHrs", v.periodHours(), 4)
	w.dec("weeklyHours", v.weeklyHours(), 4)
}
