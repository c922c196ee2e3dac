package deploy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// query is one PromQL expression of the dashboard, with where it is.
type query struct{ where, expr string }

func dashboardQueries(t *testing.T) []query {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("k8s", "base", "dashboards", "ukgpro-stream.json"))
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Title   string  `json:"title"`
		Panels  []panel `json:"panels"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	}
	var d struct {
		UID        string  `json:"uid"`
		Panels     []panel `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Type       string `json:"type"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	if d.UID == "" {
		t.Error("the dashboard has no uid (links and provisioning need a stable one)")
	}
	var out []query
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				out = append(out, query{"panel " + p.Title, tg.Expr})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	labelValues := regexp.MustCompile(`^label_values\((.*),\s*\w+\)$`)
	for _, v := range d.Templating.List {
		if m := labelValues.FindStringSubmatch(v.Definition); m != nil {
			out = append(out, query{"variable " + v.Name, m[1]})
		}
	}
	return out
}

var (
	strLit    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	rangeSel  = regexp.MustCompile(`\[[^\]]*\]`)
	grouping  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	selector  = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}`)
	matcher   = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
	ident     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	keywords  = []string{"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"}
	promLabel = []string{"job", "instance"} // added by Prometheus at scrape time
)

// parsed is what a PromQL expression refers to.
type parsed struct {
	metrics  []string            // metric names as written (histogram _bucket etc. included)
	matchers map[string][]string // metric name -> label names in its selector
	groups   []string            // label names in by/without/on/ignoring clauses
}

// parsePromQL pulls metric and label names out of an expression: enough of
// PromQL for dashboards (selectors, matchers, aggregations, functions).
func parsePromQL(expr string) parsed {
	p := parsed{matchers: map[string][]string{}}
	e := strLit.ReplaceAllString(expr, `""`)
	e = rangeSel.ReplaceAllString(e, "")
	for _, m := range grouping.FindAllStringSubmatch(e, -1) {
		for _, l := range strings.Split(m[1], ",") {
			if l = strings.TrimSpace(l); l != "" {
				p.groups = append(p.groups, l)
			}
		}
	}
	e = grouping.ReplaceAllString(e, " ")
	for _, m := range selector.FindAllStringSubmatch(e, -1) {
		for _, lm := range matcher.FindAllStringSubmatch(m[2], -1) {
			p.matchers[m[1]] = append(p.matchers[m[1]], lm[1])
		}
	}
	e = selector.ReplaceAllString(e, " $1 ")
	for _, m := range ident.FindAllStringSubmatch(e, -1) {
		name := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(m[0]), "("))
		if m[1] != "" || slices.Contains(keywords, strings.ToLower(name)) {
			continue // a function or aggregation, or a keyword
		}
		p.metrics = append(p.metrics, name)
	}
	return p
}

func TestParsePromQL(t *testing.T) {
	p := parsePromQL(`histogram_quantile(0.95, sum by (le, topic) (rate(ukgpro_loader_flush_seconds_bucket{job=~"$job", topic!="x"}[5m]))) / ignoring(a) up`)
	if !slices.Equal(p.metrics, []string{"ukgpro_loader_flush_seconds_bucket", "up"}) {
		t.Errorf("metrics %v", p.metrics)
	}
	if !slices.Equal(p.matchers["ukgpro_loader_flush_seconds_bucket"], []string{"job", "topic"}) {
		t.Errorf("matchers %v", p.matchers)
	}
	if !slices.Equal(p.groups, []string{"le", "topic", "a"}) {
		t.Errorf("groups %v", p.groups)
	}
}

// family finds the scraped family a series name belongs to: histograms
// and summaries are queried as _bucket, _sum and _count.
func family(fams map[string]*dto.MetricFamily, name string) (*dto.MetricFamily, bool) {
	if f, ok := fams[name]; ok {
		return f, true
	}
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suf); ok {
			if f, ok := fams[base]; ok && (f.GetType() == dto.MetricType_HISTOGRAM || f.GetType() == dto.MetricType_SUMMARY && suf != "_bucket") {
				return f, true
			}
		}
	}
	return nil, false
}

func labelsOf(f *dto.MetricFamily, series string) []string {
	set := map[string]bool{}
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			set[l.GetName()] = true
		}
	}
	if strings.HasSuffix(series, "_bucket") {
		set["le"] = true
	}
	return slices.Sorted(func(y func(string) bool) {
		for k := range set {
			if !y(k) {
				return
			}
		}
	})
}

// TestDashboardQueriesWhatTheProgramsExport: every metric a panel or
// variable queries is exported by the running extractor, loader or relay (see
// pipeline), and every label it filters or groups by is one those series
// carry (or one Prometheus adds).
func TestDashboardQueriesWhatTheProgramsExport(t *testing.T) {
	queries := dashboardQueries(t)
	if len(queries) < 15 {
		t.Fatalf("the dashboard has %d queries; it should cover both programs", len(queries))
	}
	fams := pipeline(t).metrics
	for _, q := range queries {
		p := parsePromQL(q.expr)
		if len(p.metrics) == 0 {
			t.Errorf("%s: no metric in %s", q.where, q.expr)
		}
		var available []string
		for _, name := range p.metrics {
			f, ok := family(fams, name)
			if !ok {
				t.Errorf("%s queries %s, which no program exports:\n  %s", q.where, name, q.expr)
				continue
			}
			ls := labelsOf(f, name)
			available = append(available, ls...)
			for _, l := range p.matchers[name] {
				if !slices.Contains(ls, l) && !slices.Contains(promLabel, l) {
					t.Errorf("%s filters %s by label %s, which it does not carry (%v)", q.where, name, l, ls)
				}
			}
		}
		for _, l := range p.groups {
			if !slices.Contains(available, l) && !slices.Contains(promLabel, l) {
				t.Errorf("%s groups by %s, which none of %v carries", q.where, l, p.metrics)
			}
		}
	}
	// The list: each of these is on the dashboard.
	all := ""
	for _, q := range queries {
		all += q.expr + "\n"
	}
	for _, want := range []string{
		"ukgpro_extractor_messages_total", "ukgpro_extractor_http_requests_total", `status="429"`,
		"ukgpro_extractor_endpoint_run_seconds", "ukgpro_loader_consumer_lag", "ukgpro_loader_files_written_total",
		"ukgpro_loader_rows_written_total", "ukgpro_loader_flush_seconds_bucket", "ukgpro_loader_dlq_messages_total",
		`outcome="dlq"`, "ukgpro_relay_events_total", "ukgpro_relay_calls_total", "ukgpro_relay_lag",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the dashboard never queries %s", want)
		}
	}
}
