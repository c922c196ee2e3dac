package ukgsim

// E5 — GET /personnel/v1/compensation-details, /compensation-details/{employeeId}
// (one object: the home-company row), /companies/{companyId}/compensation-details,
// /companies/{companyId}/employees/{employeeId}/compensation-details (ukgpro-api.md §7 E5).
//
// One current record per (company, employee); pay equals the latest job-history
// row. Quirk kept: dateOfNextSalayrReview. Inapplicable pay numbers are 0.0.

var epCompensation = &endpoint{
	name:   EndpointCompensation,
	kind:   perEmployment,
	routes: rList | rObjEmployee | rCompany | rEmployee,
	filters: []filter{
		strF("companyId", func(v *view) string { return v.c.id }),
		idF("employeeId", func(v *view) []byte { return v.p.id[:] }),
		strF("primaryJobCode", func(v *view) string { return v.job().code }),
		strF("jobGroupCode", func(v *view) string { return v.job().group }),
		strF("jobTitle", func(v *view) string { return v.job().title }),
		strF("payGroupCode", func(v *view) string { return v.pg().code }),
		strF("fullTimeOrPartTimeCode", (*view).fullOrPart),
		strF("salaryOrHourlyCode", (*view).salaryOrHourly),
		strF("primaryShiftCode", func(v *view) string { return shifts[v.e.shift] }),
		strF("primaryShiftGroupCode", func(v *view) string { return "" }),
		dayF("dateInJob", func(v *view) int32 { return v.e.dateInJob() }),
		dayF("dateLastPaid", (*view).payDay),
		dayF("datePaidThru", (*view).paidThru),
		flagF("isAutoAllocated", func(v *view) bool { return false }),
		flagF("isAutoPaid", func(v *view) bool { return !v.hourly() }),
		flagF("isSeasonalWorker", (*view).seasonal),
		flagF("isHighlyCompensated", (*view).isHighlyCompensated),
		flagF("isMultipleJob", func(v *view) bool { return false }),
		strF("performanceReviewRating", (*view).reviewRating),
		strF("performanceReviewType", (*view).reviewType),
	},
	render: renderCompensation,
}

func (v *view) seasonal() bool { return empTypes[v.e.empType] == "SUM" }

func (v *view) reviewType() string {
	if v.reviewRating() == "" {
		return ""
	}
	return "ANNUAL"
}

func (v *view) currency() string {
	if v.c.canada {
		return "CAD"
	}
	return "USD"
}

func renderCompensation(w *jw, v *view) {
	w.strb("employeeID", v.p.id[:])
	w.str("companyID", v.c.id)
	w.str("currencyCode", v.currency())
	w.str("payGroupDescription", v.pg().desc)
	w.str("primaryJobCode", v.job().code)
	w.str("jobSalaryGrade", v.job().grade)
	w.str("jobChangeReasonCode", v.jobChangeReason())
	w.str("jobGroupCode", v.job().group)
	w.str("jobTitle", v.job().title)
	w.str("payGroupCode", v.pg().code)
	w.code("payPeriod", v.pg().period)
	w.null("payScaleCode")
	w.str("salaryOrHourlyCode", v.salaryOrHourly())
	w.str("fullTimeOrPartTimeCode", v.fullOrPart())
	w.str("primaryShiftCode", shifts[v.e.shift])
	w.null("primaryShiftGroupCode")
	w.code("emplStatus", v.h.status)
	w.null("distributionCenterCode")
	w.str("performanceReviewRating", v.reviewRating())
	w.str("performanceReviewType", v.reviewType())

	w.dec("annualSalary", v.h.annual, 2)
	w.dec("hourlyPayRate", v.h.rate, 4)
	w.dec("weeklyPayRate", v.weeklyPay(), 2)
	w.dec("payPeriodPayRate", v.periodPay(), 2)
	w.dec("otherRate1", 0, 2)
	w.dec("otherRate2", 0, 2)
	w.dec("otherRate3", 0, 2)
	w.dec("otherRate4", 0, 2)
	w.dec("piecePayRate", 0, 2)
	w.dec("avgPayRateCurPer", v.h.rate, 4)
	w.dec("totalAnnSalary", v.h.annual, 2)

	w.dec("scheduledFullTimeEquivalency", v.fte(), 4)
	w.dec("scheduledPeriodWorkHours", v.periodHours(), 4)
	w.dec("scheduledAnnualWorkHours", v.annualHours(), 2)
	w.dec("weeklyHours", v.weeklyHours(), 4)
	w.dec("bonusTotalHrs", 0, 2)
	w.dec("bonusTotalOtHrs", 0, 2)

	w.integer("numberOfPayments", v.pg().payments)

	w.day("dateInJob", v.e.dateInJob())
	w.day("dateLastPaid", v.payDay())
	w.day("dateLastWorked", v.lastWorked())
	rc := v.e.lastRateChange()
	w.day("dateOfLastSalaryReview", rc)
	w.day("dateOfNextSalayrReview", rc+365)
	w.day("datePaidThru", v.paidThru())

	w.boolean("isAutoAllocated", false)
	w.boolean("isAutoPaid", !v.hourly())
	w.boolean("isSeasonalWorker", v.seasonal())
	w.boolean("isHighlyCompensated", v.isHighlyCompensated())
	w.boolean("isMultipleJob", false)
}
