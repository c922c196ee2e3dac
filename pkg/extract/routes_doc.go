package extract

import (
	"fmt"
	"strings"
)

// RoutesMarkdown renders the route table for docs/extractor.md (a test
// keeps that file's copy current): one row per endpoint with its path,
// paging, topic, key, incremental read, deletion and lifecycle rules, and
// the web-service role the account needs.
func RoutesMarkdown() string {
	var b strings.Builder
	b.WriteString("| endpoint | path | paging | topic | key (row key) | incremental read | vanished rows | lifecycle events | View role on | if the role is missing |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range routeTable {
		paging := "page, " + r.ep.PerPageParam()
		if r.ep.Unpaged() {
			paging = "none (one request)"
		}
		key := "`<" + r.ep.CompanyKey() + ">/<" + r.ep.EmployeeKey() + ">`"
		switch {
		case r.coded():
			key = "`<" + strings.Join(r.ep.CodeKey(), ">/<") + ">`"
		case r.homeCompany:
			key = "`<home company>/<" + r.ep.EmployeeKey() + ">`"
		}
		if rk := r.ep.RowKey(); rk != "" {
			key += " (`" + rk + "`)"
		}
		vanished := "kept"
		if r.deleteVanished {
			vanished = "deleted"
		}
		events := "—"
		switch r.events {
		case evEmployment:
			events = "hired, terminated, rehired, job, compensation, status changed; removed"
		case evDeposit:
			events = "direct_deposit_changed"
		}
		missing := "the run fails"
		if r.optional {
			missing = "skipped with a warning"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | `%s` | %s | %s | %s | %s | %s | %s |\n",
			r.name(), r.ep.Path(), paging, r.topic, key, r.inc, vanished, events, r.ep.Permission(), missing)
	}
	return b.String()
}

// RolesMarkdown renders the README's permission list: each web-service
// role the service account needs View on, with the endpoints it opens.
func RolesMarkdown() string {
	var roles []string
	eps := map[string][]string{}
	for _, r := range routeTable {
		role := r.ep.Permission()
		if eps[role] == nil {
			roles = append(roles, role)
		}
		eps[role] = append(eps[role], "`"+r.name()+"`")
	}
	var b strings.Builder
	for _, role := range roles {
		fmt.Fprintf(&b, "- **%s**: %s\n", role, strings.Join(eps[role], ", "))
	}
	b.WriteString("- For `contacts`, grant **Employee Contacts** as well: which of the two gates the REST endpoint is not documented (ukgpro-api-more.md §3).\n")
	return b.String()
}
