package ukgsim

// K1 — GET /personnel/v1/employee-contract-details (ukgpro-api-more.md §7
// K1): employment contracts.
//
// One contract per employment whose employee type is not REG (temporary,
// contractor, intern, seasonal, student), in (companyID, employeeID)
// order, shaped like the vendor sample (employmentContractId 5.0, Y/N
// strings, numbers such as 12.0). Filters: companyId, employeeId,
// contractNumber, contractTypeCode, dateTimeCreated; page/per_Page.

var epContracts = &endpoint{
	name:   EndpointContracts,
	kind:   perSub,
	routes: rList,
	sub: func(s *Sim, ei int32) int {
		if empTypes[s.emps[ei].empType] == "REG" {
			return 0
		}
		return 1
	},
	filters: []filter{
		strF("companyId", func(v *view) string { return v.c.id }),
		idF("employeeId", func(v *view) []byte { return v.p.id[:] }),
		strF("contractNumber", (*view).contractNumber),
		strF("contractTypeCode", func(v *view) string { return v.contractType().code }),
		stampF("dateTimeCreated", func(v *view) int64 { return v.e.created }),
	},
	render: renderContract,
}

type contractTypeDef struct {
	code, desc string
	months     int64
}

func (v *view) contractType() contractTypeDef {
	switch empTypes[v.e.empType] {
	case "CON":
		return contractTypeDef{"CON", "Contractor agreement", 6}
	case "SUM":
		return contractTypeDef{"SEA", "Seasonal", 3}
	case "INT", "STU":
		return contractTypeDef{"INT", "Internship", 3}
	}
	return contractTypeDef{"FT", "Fixed term", 12}
}

func (v *view) contractNumber() string {
	n := appendInt(nil, int64(v.ei)+1)
	b := []byte("C-")
	for range 6 - len(n) {
		b = append(b, '0')
	}
	return string(append(b, n...))
}

func renderContract(w *jw, v *view) {
	ct := v.contractType()
	start := v.e.lastHire
	hours := int64(400)
	if !v.h.ft {
		hours = 200
	}
	w.str("companyId", v.c.id)
	w.strb("employeeId", v.p.id[:])
	w.dec("employmentContractId", int64(v.ei)+1, 0)
	w.str("contractNumber", v.contractNumber())
	w.str("contractTypeCode", ct.code)
	w.str("contractTypeDescription", ct.desc)
	w.null("contractReason")
	w.null("notes")
	w.str("isAmendment", "N")
	w.str("isRenewal", "N")
	w.day("contractStartDate", start)
	w.day("contractEndDate", start+int32(ct.months*365/12)-1)
	w.null("amendmentDate")
	w.stamp("dateTimeCreated", v.e.created)
	w.stamp("rowLastChanged", v.e.created)
	w.dec("durationDays", 0, 0)
	w.dec("durationWeeks", 0, 0)
	w.dec("durationMonths", ct.months, 0)
	w.dec("durationYears", 0, 0)
	w.dec("noticePeriodDays", 0, 0)
	w.dec("noticePeriodWeeks", 2, 0)
	w.dec("noticePeriodMonths", 0, 0)
	w.dec("noticePeriodYears", 0, 0)
	w.dec("rehirePeriodDays", 0, 0)
	w.dec("rehirePeriodWeeks", 0, 0)
	w.dec("rehirePeriodMonths", 0, 0)
	w.dec("rehirePeriodYears", 0, 0)
	w.dec("probationaryDays", 90, 0)
	w.dec("fteContractHours", hours, 1)
	w.null("renewalContractId")
}
