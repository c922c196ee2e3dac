package extract

import (
	"slices"
	"strings"
)

// scope is the set of companies an extraction covers (EXTRACTOR_COMPANIES,
// docs/decisions/0092-extractor-company-scope.md). The zero scope is every
// company. Company ids compare case-insensitively, as UKG's filters do.
//
// A scope bounds what a run reads and what it may conclude: records of a
// company outside it are neither read nor published, and are never taken
// for vanished, so narrowing the scope deletes nothing.
type scope struct {
	ids []string // upper-case, sorted, distinct; nil: every company
}

func newScope(companies []string) scope {
	var ids []string
	for _, c := range companies {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" && !slices.Contains(ids, c) {
			ids = append(ids, c)
		}
	}
	slices.Sort(ids)
	return scope{ids: ids}
}

// all reports whether the scope is every company.
func (s scope) all() bool { return len(s.ids) == 0 }

// has reports whether company is in the scope.
func (s scope) has(company string) bool {
	if s.all() {
		return true
	}
	_, ok := slices.BinarySearch(s.ids, strings.ToUpper(company))
	return ok
}

// hasIdentity reports whether a record identity (topic|company/employee[|row])
// belongs to a company in the scope.
func (s scope) hasIdentity(ident string) bool {
	if s.all() {
		return true
	}
	key, _ := splitIdentity(ident)
	company, _, _ := cut(key, '/')
	return s.has(company)
}

// within reports whether every company of s was in prev, the scope of an
// endpoint's last complete run (nil: every company). When it is not, the
// endpoint's watermark says nothing about the companies added, and the run
// must read them in full.
func (s scope) within(prev []string) bool {
	if prev == nil {
		return true
	}
	if s.all() {
		return false
	}
	for _, c := range s.ids {
		if !slices.Contains(prev, c) {
			return false
		}
	}
	return true
}

// added reports whether company entered the scope since prev (the scope of
// the endpoint's last complete run): its records are a baseline, like a
// first run's, and derive no lifecycle events.
func added(prev []string, company string) bool {
	return prev != nil && !slices.Contains(prev, strings.ToUpper(company))
}
