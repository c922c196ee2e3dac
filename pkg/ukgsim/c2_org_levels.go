package ukgsim

// C2 — GET /configuration/v1/org-levels (ukgpro-api-more.md §2 C2).
//
// Every code of the four org levels employment rows use (orgLevel1Code =
// division, 2 = department, 3 = cost center, 4 = region), level by level.
// Unpaged: one call returns every row, whatever page/per_Page say (§9 row
// 2). Filters: levelDescription, code, isActive. Advance may rename a unit
// (its description changes; its code does not).

var epOrgLevels = &endpoint{
	name:    EndpointOrgLevels,
	base:    baseConfig,
	kind:    perTable,
	routes:  rList,
	unpaged: true,
	table:   func(s *Sim) int { return s.conf.orgRows() },
	filters: []filter{
		strF("levelDescription", func(v *view) string { lv, _ := v.s.conf.orgRow(v.row); return levelNames[lv-1] }),
		strF("code", func(v *view) string { lv, i := v.s.conf.orgRow(v.row); return orgCodes(lv)[i] }),
		flagF("isActive", func(*view) bool { return true }),
	},
	render: renderOrgLevel,
}

func renderOrgLevel(w *jw, v *view) {
	lv, i := v.s.conf.orgRow(v.row)
	code := orgCodes(lv)[i]
	h := splitmix64(uint64(lv)<<32 ^ uint64(i) ^ 0x0e6)
	w.integer("level", int64(lv))
	w.str("code", code)
	w.str("description", v.s.conf.orgNames[lv-1][i])
	w.str("levelDescription", levelNames[lv-1])
	w.boolean("isActive", true)
	w.null("budgetGroup")
	w.str("glSegment", string(appendInt(nil, int64(lv*1000+100+i*10))))
	w.null("reportingCategory")
	fte := int64(20+h%200) * 10
	w.dec("currentYearBudgetFTE", fte, 1)
	w.dec("currentYearBudgetSalary", fte*52000_00/10, 2)
	w.dec("lastYearBudgetFTE", fte*95/100, 1)
	w.dec("lastYearBudgetSalary", fte*95/100*50000_00/10, 2)
}
