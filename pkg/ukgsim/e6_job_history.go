package ukgsim

// E6 — GET /personnel/v1/employee-job-history-details and
// /employee-job-history-details/{systemId} (one object) (ukgpro-api.md §7 E6).
//
// One record per job-history row, ordered (companyId, employeeId, row order);
// systemId is the row key. Every change the simulator makes (hire, job, org,
// rate, status, termination, rehire) is one row; the is* flags say which kind
// (docs/decisions/0002-lifecycle-events.md). Quirk kept: the response says
// isOrgchange, the filter isOrgChange.

var epJobHistory = &endpoint{
	name:   EndpointJobHistory,
	kind:   perHistory,
	routes: rList | rObjSystem,
	filters: []filter{
		strF("companyId", func(v *view) string { return v.c.id }),
		idF("employeeId", func(v *view) []byte { return v.p.id[:] }),
		flagF("isOrgChange", func(v *view) bool { return v.h.flags&fOrg != 0 }),
		flagF("isJobChange", func(v *view) bool { return v.h.flags&fJob != 0 }),
		flagF("isRateChange", func(v *view) bool { return v.h.flags&fRate != 0 }),
		flagF("isPromotion", func(v *view) bool { return v.h.flags&fPromo != 0 }),
		strF("systemId", func(v *view) string { id := v.s.systemID(v.h.seq); return string(id[:]) }),
		dayF("jobEffectiveDate", func(v *view) int32 { return v.h.eff }),
		stampF("dateTimeCreated", func(v *view) int64 { return v.h.created }),
	},
	render: renderJobHistory,
}

func (v *view) flsa() string {
	if v.hourly() {
		return "N"
	}
	return "E"
}

func renderJobHistory(w *jw, v *view) {
	h := v.h
	sysID := v.s.systemID(h.seq)
	sv, hasSup := v.supervisor()
	w.strb("systemId", sysID[:])
	w.str("companyId", v.c.id)
	w.strb("employeeId", v.p.id[:])
	w.str("employeeType", empTypes[v.e.empType])
	w.code("employeeStatus", h.status)
	w.str("flsaCategory", v.flsa())
	w.str("fullTimeOrPartTime", v.fullOrPart())
	w.str("jobCode", v.job().code)
	w.str("jobDescription", v.job().title)
	w.str("jobGroupCode", v.job().group)
	w.str("locationCode", v.loc().code)
	w.str("orgLevel1Code", v.org(1))
	w.str("orgLevel2Code", v.org(2))
	w.str("orgLevel3Code", v.org(3))
	w.str("orgLevel4Code", v.org(4))
	w.str("payGroupCode", v.pg().code)
	w.code("payPeriodCode", v.pg().period)
	w.null("payScaleCode")
	w.null("positionCode")
	w.str("reasonCode", reasons[h.reason].code)
	w.str("salaryGrade", v.job().grade)
	w.str("salaryOrHourly", v.salaryOrHourly())
	w.str("shiftCode", shifts[v.e.shift])
	w.null("shiftGroupCode")
	if hasSup {
		w.strb("supervisorId", sv.p.id[:])
		w.str("supervisorNameFirst", sv.firstName())
		w.str("supervisorNameLast", sv.lastName())
		w.str("supervisorNameSuffix", sv.suffix())
	} else {
		w.null("supervisorId")
		w.null("supervisorNameFirst")
		w.null("supervisorNameLast")
		w.null("supervisorNameSuffix")
	}
	w.str("unionNational", v.unionNational())
	w.str("unionLocal", v.unionLocal())
	w.str("notes", reasons[h.reason].desc)
	w.str("homeCompanyId", v.homeCompany().id)
	w.null("projectCode")
	w.str("jobTitle", v.job().title)

	w.dec("annualSalary", h.annual, 2)
	w.dec("hourlyPayRate", h.rate, 4)
	w.dec("periodPayRate", v.periodPay(), 2)
	w.dec("weeklyPayRate", v.weeklyPay(), 2)
	w.dec("piecePayRate", 0, 2)
	w.dec("otherRate1", 0, 2)
	w.dec("otherRate2", 0, 2)
	w.dec("otherRate3", 0, 2)
	w.dec("otherRate4", 0, 2)
	w.dec("percentChange", int64(h.pct), 2)

	w.dec("scheduledAnnualHours", v.annualHours(), 2)
	w.dec("scheduledFullTimeEquivalency", v.fte(), 4)
	w.dec("scheduledWorkHours", v.periodHours(), 4)
	w.dec("stepNumber", 0, 0)
	w.dec("numberOfPayments", v.pg().payments, 0)
	w.dec("weeklyHours", v.weeklyHours(), 4)
	w.dec("createdByUserId", 0, 0)

	w.stamp("dateTimeCreated", h.created)
	w.day("jobEffectiveDate", h.eff)
	w.day("integrationEffectiveDate", h.eff)

	w.boolean("isJobChange", h.flags&fJob != 0)
	w.boolean("isOrgchange", h.flags&fOrg != 0)
	w.boolean("isOutsideGuidelines", false)
	w.boolean("isOutsideRange", false)
	w.boolean("isPromotion", h.flags&fPromo != 0)
	w.boolean("isRateChange", h.flags&fRate != 0)
	w.boolean("isSystem", false)
	w.boolean("isTransfer", h.flags&fTransfer != 0)
	w.boolean("supervisorNotInList", false)
	w.boolean("usePayScales", false)
	w.boolean("isViewableByEmployee", true)
}
