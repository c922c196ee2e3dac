package ukgsim

// C7 — GET /configuration/v1/positions (ukgpro-api-more.md §2 C7).
//
// One position per company and catalogue job ("P-<jobcode>"), in its
// family's division and first department, in companyID then job order.
// Field names keep the API spelling (jobcode, fundID,
// organizationLevelCode1). Filters: companyId, positionCode, payGroupCode,
// employeeType, statusCode; page/per_Page.

var epPositions = &endpoint{
	name:   EndpointPositions,
	base:   baseConfig,
	kind:   perTable,
	routes: rList,
	table:  func(s *Sim) int { return len(s.companies) * len(jobs) },
	filters: []filter{
		strF("companyId", func(v *view) string { return v.s.companies[v.row/len(jobs)].id }),
		strF("positionCode", func(v *view) string { return "P-" + jobs[v.row%len(jobs)].code }),
		strF("payGroupCode", func(v *view) string { return positionPayGroup(&jobs[v.row%len(jobs)]) }),
		strF("employeeType", func(*view) string { return "REG" }),
		strF("statusCode", func(*view) string { return "A" }),
	},
	render: renderPosition,
}

func positionPayGroup(j *jobDef) string {
	if j.hourly {
		return payGroups[0].code
	}
	return payGroups[1].code
}

func renderPosition(w *jw, v *view) {
	c := &v.s.companies[v.row/len(jobs)]
	j := &jobs[v.row%len(jobs)]
	o := org1[j.family]
	h := splitmix64(uint64(v.row) ^ 0x9051)
	created := v.s.startMs - int64(400+h%2000)*dayMs + int64(hn(h, 1)%(10*3600*1000))
	w.str("companyId", c.id)
	w.str("positionCode", "P-"+j.code)
	w.str("jobcode", j.code)
	w.null("alternateTitle")
	w.str("employeeType", "REG")
	w.str("statusCode", "A")
	w.str("payGroupCode", positionPayGroup(j))
	w.null("projectCode")
	w.null("shiftGroupCode")
	w.str("locationCode", locations[c.firstLoc].code)
	w.null("glSegment")
	w.null("fundID")
	w.null("notes")
	w.str("integrationRecordId", guid(hn(h, 2), hn(h, 3)))
	w.str("organizationLevelCode1", o.code)
	w.str("organizationLevelCode2", o.dept[0])
	w.null("organizationLevelCode3")
	w.null("organizationLevelCode4")
	w.stamp("dateTimeCreated", created)
	w.stamp("dateTimeChanged", created)
	w.day("effectiveStartDate", int32(created/dayMs))
	w.null("effectiveStopDate")
	w.day("statusAsOfDate", int32(created/dayMs))
	w.boolean("isApproved", true)
	w.boolean("isEligibleForBenefits", true)
	w.boolean("isProrated", false)
	w.boolean("overstaffingAllowed", j.hourly)
}
