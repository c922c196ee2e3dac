package ukgsim

// C3 — GET /configuration/v2/jobs (ukgpro-api-more.md §2 C3; v1 is
// deprecated and keyed by code, v2 by jobCode: §9 row 1).
//
// Every job of the catalogue (each primaryJobCode/jobCode an employment row
// uses), then the jobs Advance added. Filters: jobCode, countryCode,
// isActive; page/per_Page.

var epJobs = &endpoint{
	name:   EndpointJobs,
	base:   baseConfig2,
	kind:   perTable,
	routes: rList,
	table:  func(s *Sim) int { return s.conf.jobRows() },
	filters: []filter{
		strF("jobCode", func(v *view) string { return v.s.conf.job(v.row).code }),
		strF("countryCode", func(*view) string { return "USA" }),
		flagF("isActive", func(*view) bool { return true }),
	},
	render: renderJob,
}

func renderJob(w *jw, v *view) {
	j := v.s.conf.job(v.row)
	h := splitmix64(uint64(v.row) ^ 0x10b5)
	w.str("jobCode", j.code)
	w.str("title", j.title)
	w.str("longDescription", j.title)
	w.str("countryCode", "USA")
	w.str("jobFamilyCode", j.group)
	w.boolean("isActive", true)
	w.str("jobGroup", j.group)
	flsa, eeo := "E", "2"
	switch {
	case j.hourly:
		flsa, eeo = "N", "5"
	case j.mgr:
		eeo = "1"
	}
	w.str("flsaTypeCode", flsa)
	w.str("jobEE0Category", eeo)
	w.null("workEnvironmentDesc")
	w.str("integrationRecordId", guid(hn(h, 1), hn(h, 2)))
}
