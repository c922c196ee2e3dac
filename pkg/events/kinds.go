package events

// recordKind is what the decoder knows of a record topic.
type recordKind struct {
	major       int        // the schema's major version
	perEmployee bool       // keyed <companyId>/<employeeId> (else by a code)
	new         func() any // a pointer to a fresh record of the topic's type
}
