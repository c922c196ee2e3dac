package extract

import (
	"os"
	"strings"
	"testing"
)

// TestDocsShowTheRouteTable: docs/extractor.md holds the generated route
// table and the README the roles each endpoint needs, between their
// markers. Run with UPDATE_DOCS=1 to rewrite them.
func TestDocsShowTheRouteTable(t *testing.T) {
	for _, tc := range []struct{ file, marker, body string }{
		{"../../docs/extractor.md", "routes", RoutesMarkdown()},
		{"../../README.md", "roles", RolesMarkdown()},
	} {
		b, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		doc := string(b)
		begin, end := "<!-- "+tc.marker+":begin -->\n", "<!-- "+tc.marker+":end -->"
		i, j := strings.Index(doc, begin), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Fatalf("%s has no %s…%s block", tc.file, begin, end)
		}
		want := doc[:i+len(begin)] + tc.body + doc[j:]
		if want == doc {
			continue
		}
		if os.Getenv("UPDATE_DOCS") != "" {
			if err := os.WriteFile(tc.file, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s is stale between its %s markers: run UPDATE_DOCS=1 go test -run TestDocsShowTheRouteTable ./pkg/extract/", tc.file, tc.marker)
	}
}

// TestRouteTable: every route names a known topic once, its dependencies
// come earlier in the table, and every row-keyed or configuration route's
// identity is declared by the endpoint.
func TestRouteTable(t *testing.T) {
	seen := map[string]bool{}
	for i, r := range routeTable {
		if seen[r.topic] {
			t.Errorf("%s: topic %s routed twice", r.name(), r.topic)
		}
		seen[r.topic] = true
		for _, dep := range r.after {
			if j := routeIndex(dep); j < 0 || j >= i {
				t.Errorf("%s runs after %s, which is not an earlier route", r.name(), dep)
			}
		}
		if r.events == evDeposit && depositRules[r.topic].row != r.ep.RowKey() {
			t.Errorf("%s: deposit rule row %q, endpoint row key %q", r.name(), depositRules[r.topic].row, r.ep.RowKey())
		}
		if r.ep.Permission() == "" || r.ep.Path() == "" {
			t.Errorf("%s: no role or path", r.name())
		}
	}
	if _, named, err := selectRoutes([]string{"all"}); err != nil || named {
		t.Errorf("all: %v %v", named, err)
	}
	if rs, named, err := selectRoutes([]string{"person-details", " org-levels "}); err != nil || !named || len(rs) != 2 {
		t.Errorf("a list: %v %v %v", rs, named, err)
	}
	if _, _, err := selectRoutes([]string{"payroll"}); err == nil || !strings.Contains(err.Error(), "EXTRACTOR_ENDPOINTS") {
		t.Errorf("an unknown name: %v", err)
	}
}
