package ukgsim

// E2 — GET /personnel/v1/employee-employment-details (ukgpro-api.md §7 E2).
//
// Supports: the list route only; every filter of §7 (case-insensitive names,
// comma lists on code filters, Y flags, date operators); page/per_Page.
// One record per (company, employee); ids are companyID/employeeID and the
// supervisor key is supervisorID.

var epEmployment2 = &endpoint{
	name:    EndpointEmployment,
	kind:    perEmployment,
	routes:  rList,
	filters: employmentFilters("companyID", "employeeID", "supervisorId"),
	render:  renderEmployment2,
}

// employmentFilters are the E2 filters; E3 spells three names differently
// (irrelevant to matching, which ignores case, but kept for the docs).
func employmentFilters(companyID, employeeID, supervisorID string) []filter {
	return []filter{
		strF(companyID, func(v *view) string { return v.c.id }),
		idF(employeeID, func(v *view) []byte { return v.p.id[:] }),
		strF("primaryJobCode", func(v *view) string { return v.job().code }),
		strF("jobTitle", func(v *view) string { return v.job().title }),
		strF("fullTimeOrPartTimeCode", (*view).fullOrPart),
		strF("primaryWorkLocationCode", func(v *view) string { return v.loc().code }),
		strF("primaryProjectCode", func(v *view) string { return "" }),
		strF("deductionGroupCode", (*view).deductionGroup),
		strF("earningGroupCode", (*view).earningGroup),
		strF("employeeTypeCode", func(v *view) string { return empTypes[v.e.empType] }),
		strF("employeeStatusCode", func(v *view) string { return string(v.h.status) }),
		strF("employeeNumber", (*view).employeeNumber),
		idF(supervisorID, (*view).supervisorID),
		dayF("originalHireDate", func(v *view) int32 { return v.e.origHire }),
		dayF("lastHireDate", func(v *view) int32 { return v.e.lastHire }),
		dayF("dateOfTermination", func(v *view) int32 { return v.e.term }),
		dayF("dateOfRetirement", func(v *view) int32 { return 0 }),
		stampF("dateTimeCreated", func(v *view) int64 { return v.e.created }),
		stampF("dateTimeChanged", func(v *view) int64 { return v.e.changed }),
		dayF("dateLastPayDatePaid", (*view).payDay),
		strF("payGroup", func(v *view) string { return v.pg().code }),
		flagF("isHomeCompany", func(v *view) bool { return v.e.home }),
	}
}

func (v *view) deductionGroup() string {
	if v.h.ft {
		return "FTBEN"
	}
	return "PTBEN"
}

func (v *view) earningGroup() string {
	if v.hourly() {
		return "HRLY"
	}
	return "SAL"
}

func (v *view) hireSource() string {
	return [...]string{"REF", "WEB", "AGY", "CAMP", "INT"}[hn(v.e.h, 30)%5]
}

func (v *view) clockCode() string {
	if !v.hourly() {
		return ""
	}
	return string(appendInt(nil, int64(1000+v.e.number%9000)))
}

func (v *view) unionLocal() string {
	if !v.hourly() || v.h.org[0] > 1 {
		return ""
	}
	return "L120"
}

func (v *view) unionNational() string {
	if v.unionLocal() == "" {
		return ""
	}
	return "IBT"
}

func (v *view) workPhoneExt() string {
	if hn(v.e.h, 31)%3 != 0 {
		return ""
	}
	return string(appendInt(nil, int64(2000+hn(v.e.h, 32)%7000)))
}

func (v *view) workPhoneNumber() string {
	if v.hourly() && hn(v.e.h, 33)%2 == 0 {
		return ""
	}
	return v.workPhone()
}

func renderEmployment2(w *jw, v *view) {
	termCode, termDesc, termType := v.termReason()
	w.str("companyID", v.c.id)
	w.strb("employeeID", v.p.id[:])
	w.str("homeCompany", v.homeCompany().id)
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
	w.str("jobChangeReasonCode", v.jobChangeReason())
	w.str("jobTitle", v.job().title)
	w.str("employeeTypeCode", empTypes[v.e.empType])
	w.code("employeeStatusCode", v.h.status)
	w.str("employeeNumber", v.employeeNumber())
	w.str("leaveReasonCode", v.leaveReason())
	if id := v.supervisorID(); id != nil {
		w.strb("supervisorID", id)
	} else {
		w.null("supervisorID")
	}
	w.yn("autoAllocate", false)
	w.str("clockCode", v.clockCode())
	w.str("payGroupCode", v.pg().code)
	w.code("payPeriod", v.pg().period)
	w.str("hireSource", v.hireSource())
	w.str("jobCode", v.job().code)
	w.str("jobGroupCode", v.job().group)
	w.null("mailstop")
	w.str("okToRehire", v.okToRehire())
	w.null("plannedLeaveReason")
	w.null("positionCode")
	w.str("salaryOrHourly", v.salaryOrHourly())
	w.str("shift", shifts[v.e.shift])
	w.null("shiftGroup")
	w.str("terminationReasonCode", termCode)
	w.str("terminationDescription", termDesc)
	w.str("termType", termType)
	w.str("timeClockID", v.clockCode())
	w.str("integrationRecordId", v.integrationID())
	w.str("currentCompanyCountryCode", v.country())
	w.str("homeCompanyCountryCode", v.homeCountry())
	w.str("unionLocalCode", v.unionLocal())
	w.str("unionNationalCode", v.unionNational())

	w.day("originalHireDate", v.e.origHire)
	w.day("lastHireDate", v.e.lastHire)
	w.day("dateInJob", v.e.dateInJob())
	w.day("dateLastWorked", v.lastWorked())
	w.day("benefitSeniorityDate", v.e.origHire)
	w.day("seniorityDate", v.e.origHire)
	w.day("dateLastPayDatePaid", v.payDay())
	w.null("earlyRetirementDate")
	w.null("retirementDate")
	w.day("suspensionDate", v.suspension())
	w.day("terminationDate", v.e.term)
	w.day("paidThruDate", v.paidThru())
	w.day("employeeStatusStartDate", v.e.statusStart)
	w.day("employeeStatusExpectedEndDate", v.expectedEnd())
	w.day("salaryEffectiveDate", v.e.lastRateChange())
	w.stamp("dateTimeCreated", v.e.created)
	w.stamp("dateTimeChanged", v.e.changed)

	w.boolean("isHomeCompany", v.e.home)
	w.boolean("isSupervisor", v.e.isSup)
	w.boolean("isAutoAllocated", false)
	w.boolean("isAutoPaid", !v.hourly())
	w.boolean("isHighlyCompensated", v.isHighlyCompensated())
	w.boolean("isMultipleJob", false)
	w.boolean("isKeyEmployee", v.job().family == 7)

	w.dec("annualSalary", v.h.annual, 2)
	w.dec("hourlyPayRate", v.h.rate, 4)
	w.dec("scheduledAnnualHours", v.annualHours(), 2)
	w.dec("scheduledFTE", v.fte(), 4)
	w.dec("scheduledWorkHours", v.periodHours(), 4)
	w.dec("weeklyHours", v.weeklyHours(), 4)
}

func (v *view) homeCountry() string {
	if v.homeCompany().canada {
		return "CAN"
	}
	return "USA"
}
