package schema

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// archiveTopic writes the records as one Parquet file of topic at ts, keyed
// as the extractor keys them.
func archiveTopic(t *testing.T, reg *Registry, root, topic string, recs []json.RawMessage, ts time.Time, offset int64) {
	t.Helper()
	s := reg.Topic(topic)
	b := NewBatch(s, nil)
	defer b.Release()
	for i, raw := range recs {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		var key string
		if len(s.CodeKey) > 0 {
			var parts []string
			for _, k := range s.CodeKey {
				parts = append(parts, fmt.Sprint(m[k]))
			}
			key = strings.Join(parts, "/")
		} else {
			key = fmt.Sprint(m[s.KeyFields.Company]) + "/" + fmt.Sprint(m[s.KeyFields.Employee])
		}
		meta := Meta{Topic: "ukgpro." + topic, Offset: offset + int64(i), Timestamp: ts, Key: []byte(key)}
		if err := b.Append(raw, meta); err != nil {
			t.Fatal(err)
		}
	}
	rec := b.NewRecord()
	defer rec.Release()
	writeParquet(t, s, rec, filepath.Join(root, "ukgpro."+topic, "dt="+ts.Format(time.DateOnly), fmt.Sprintf("ukgpro.%s+0+%020d.parquet", topic, offset)))
}

// TestAnalystViews: over an archive of the simulator's employment and
// configuration data, headcount_by_department equals the simulator's own
// count by department name, and a renamed department shows its new name
// in the current views and its old one as of before the rename.
func TestAnalystViews(t *testing.T) {
	reg := registry(t)
	sim, err := ukgsim.New(ukgsim.Config{Employees: 300, Start: "2025-01-06", Rates: ukgsim.Rates{Rename: 1, NewJob: -1, AccountChange: -1}})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	t1 := time.Date(2025, 1, 6, 12, 0, 0, 0, time.UTC)
	t2 := t1.Add(31 * 24 * time.Hour)
	records := func(ep string) []json.RawMessage {
		r, err := sim.Records(ep, url.Values{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	employment := records(ukgsim.EndpointEmployment)
	for ep, topic := range map[string]string{ukgsim.EndpointEmployment: "employees", ukgsim.EndpointOrgLevels: "org-levels",
		ukgsim.EndpointJobs: "jobs", ukgsim.EndpointLocations: "locations"} {
		archiveTopic(t, reg, root, topic, records(ep), t1, 0)
	}
	// The simulator's headcount per department, from what was archived.
	want := map[string]int{}
	for _, raw := range employment {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if m["employeeStatusCode"] != "T" {
			want[m["orgLevel2Code"].(string)]++
		}
	}
	oldNames := map[string]string{}
	for _, raw := range records(ukgsim.EndpointOrgLevels) {
		var m map[string]any
		json.Unmarshal(raw, &m)
		if m["level"] == 2.0 {
			oldNames[m["code"].(string)] = m["description"].(string)
		}
	}
	gt, err := sim.Advance(31)
	if err != nil {
		t.Fatal(err)
	}
	if len(gt.ConfigChanged) != 1 {
		t.Fatalf("want one rename, got %+v", gt.ConfigChanged)
	}
	renamed := strings.TrimPrefix(gt.ConfigChanged[0].Key, "2/")
	// The rename is published alone, as an incremental extraction would.
	for _, raw := range records(ukgsim.EndpointOrgLevels) {
		var m map[string]any
		json.Unmarshal(raw, &m)
		if m["level"] == 2.0 && m["code"] == renamed {
			archiveTopic(t, reg, root, "org-levels", []json.RawMessage{raw}, t2, 1000)
		}
	}

	db := openDuck(t)
	ddl, err := reg.AnalystViews(root, "ukgpro.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ddl); err != nil {
		t.Fatalf("%v\n%s", err, ddl)
	}
	rows, err := db.Query(`SELECT department_code, department, headcount FROM headcount_by_department`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	total := 0
	for rows.Next() {
		var code, name string
		var n int
		if err := rows.Scan(&code, &name, &n); err != nil {
			t.Fatal(err)
		}
		wantName := oldNames[code]
		if code == renamed {
			wantName = gt.ConfigChanged[0].After
		}
		if name != wantName {
			t.Errorf("department %s: name %q, want %q", code, name, wantName)
		}
		got[code] = n
		total += n
	}
	rows.Close()
	if fmt.Sprint(got) != fmt.Sprint(want) || total == 0 {
		t.Errorf("headcount by department = %v\nwant the simulator's %v", got, want)
	}
	var before, after string
	q := `SELECT DISTINCT org_level2_name FROM employees_labeled_asof(TIMESTAMPTZ '%s') WHERE org_level2_code = ?`
	if err := db.QueryRow(fmt.Sprintf(q, t1.Add(time.Hour).Format(time.RFC3339)), renamed).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(fmt.Sprintf(q, t2.Add(time.Hour).Format(time.RFC3339)), renamed).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if before != oldNames[renamed] || after != gt.ConfigChanged[0].After {
		t.Errorf("department %s as of before/after the rename: %q/%q, want %q/%q", renamed, before, after, oldNames[renamed], gt.ConfigChanged[0].After)
	}
	var unlabeled int
	if err := db.QueryRow(`SELECT count(*) FROM employees_labeled WHERE org_level1_name IS NULL OR org_level2_name IS NULL
		OR org_level3_name IS NULL OR org_level4_name IS NULL OR job_name IS NULL OR location_name IS NULL`).Scan(&unlabeled); err != nil {
		t.Fatal(err)
	}
	if unlabeled != 0 {
		t.Errorf("%d employment rows have a code without a name", unlabeled)
	}
}
