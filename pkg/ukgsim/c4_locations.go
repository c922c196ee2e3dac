package ukgsim

// C4 — GET /configuration/v1/locations (ukgpro-api-more.md §2 C4).
//
// Every work location (each primaryWorkLocationCode an employment row
// uses): the US ones, then the Canadian ones. A bare array (§9 row 3) and
// unpaged (§9 row 2). Filters: countryCode, isActive.

var epLocations = &endpoint{
	name:    EndpointLocations,
	base:    baseConfig,
	kind:    perTable,
	routes:  rList,
	unpaged: true,
	table:   func(*Sim) int { return len(locations) },
	filters: []filter{
		strF("countryCode", func(v *view) string { return locations[v.row].country }),
		flagF("isActive", func(*view) bool { return true }),
	},
	render: renderLocation,
}

func locationName(l *locDef) string {
	switch l.code {
	case "HQ":
		return l.city + " Headquarters"
	case "REMOTE":
		return "Remote (" + l.city + ")"
	}
	if l.code[:2] == "DC" {
		return l.city + " Distribution Center"
	}
	return l.city + " Office"
}

func renderLocation(w *jw, v *view) {
	l := &locations[v.row]
	h := splitmix64(uint64(v.row) ^ 0x10c)
	w.str("locationCode", l.code)
	w.str("description", locationName(l))
	w.str("addressLine1", string(appendInt(nil, int64(100+h%9000)))+" "+streets[hn(h, 1)%uint64(len(streets))])
	w.null("addressLine2")
	w.str("city", l.city)
	w.str("state", l.state)
	w.str("zipOrPostalCode", l.zip)
	w.str("countryCode", l.country)
	w.boolean("isActive", true)
	w.str("locationGLSegment", string(appendInt(nil, int64(100+v.row))))
}
