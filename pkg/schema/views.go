package schema

import (
	"fmt"
	"strings"
)

// AnalystViews returns DuckDB statements that label employment rows with
// the names the configuration topics give their codes, over an archive
// root holding one directory per topic (<root>/<prefix><topic>/dt=…):
//
//   - employees, org_levels, jobs, locations: every archived version;
//   - <name>_current: the latest version of each key, deletions removed;
//   - employees_labeled: current employment rows with org_level1_name …
//     org_level4_name, job_name and location_name (current names);
//   - <name>_asof(ts) and employees_labeled_asof(ts) (table macros): the
//     same as of an instant, by Kafka record time, so a history's as-of
//     reads the names then in effect;
//   - headcount_by_department: non-terminated employment rows per
//     department (org level 2) with its current name.
//
// Column names come from the schemas, so a renamed column fails here, not
// in a user's query. Every topic directory must hold at least one file when
// the statements run (DuckDB binds a view when it is created).
func (r *Registry) AnalystViews(root, prefix string) (string, error) {
	root = strings.TrimSuffix(root, "/")
	col := func(topic, jsonName string) (string, error) {
		s := r.Topic(topic)
		if s == nil {
			return "", fmt.Errorf("analyst views: topic %s has no schema", topic)
		}
		f := s.Field(jsonName)
		if f == nil {
			return "", fmt.Errorf("analyst views: topic %s has no field %s", topic, jsonName)
		}
		return quoteDuck(f.Column), nil
	}
	var errs []error
	c := func(topic, jsonName string) string {
		n, err := col(topic, jsonName)
		if err != nil {
			errs = append(errs, err)
		}
		return n
	}
	var b strings.Builder
	latest := "QUALIFY row_number() OVER (PARTITION BY _key ORDER BY _kafka_timestamp DESC, _kafka_offset DESC) = 1 AND NOT _deleted"
	for _, t := range []string{"employees", "org-levels", "jobs", "locations"} {
		v := strings.ReplaceAll(t, "-", "_")
		fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s AS SELECT * FROM read_parquet('%s/%s%s/dt=*/*.parquet', hive_partitioning = true, union_by_name = true);\n",
			v, sqlString(root), sqlString(prefix), t)
		fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s_current AS SELECT * FROM %s %s;\n", v, v, latest)
		fmt.Fprintf(&b, "CREATE OR REPLACE MACRO %s_asof(ts) AS TABLE SELECT * FROM %s WHERE _kafka_timestamp <= ts %s;\n", v, v, latest)
	}
	level, code, desc := c("org-levels", "level"), c("org-levels", "code"), c("org-levels", "description")
	labels := func(emp, org, job, loc string) string {
		var s strings.Builder
		s.WriteString("SELECT e.*")
		for lv := 1; lv <= 4; lv++ {
			fmt.Fprintf(&s, ", o%d.%s AS org_level%d_name", lv, desc, lv)
		}
		fmt.Fprintf(&s, ", j.%s AS job_name, l.%s AS location_name\nFROM %s e\n", c("jobs", "title"), c("locations", "description"), emp)
		for lv := 1; lv <= 4; lv++ {
			fmt.Fprintf(&s, "LEFT JOIN %s o%d ON o%d.%s = %d AND o%d.%s = e.%s\n", org, lv, lv, level, lv, lv, code,
				c("employees", fmt.Sprintf("orgLevel%dCode", lv)))
		}
		fmt.Fprintf(&s, "LEFT JOIN %s j ON j.%s = e.%s\n", job, c("jobs", "jobCode"), c("employees", "primaryJobCode"))
		fmt.Fprintf(&s, "LEFT JOIN %s l ON l.%s = e.%s", loc, c("locations", "locationCode"), c("employees", "primaryWorkLocationCode"))
		return s.String()
	}
	fmt.Fprintf(&b, "CREATE OR REPLACE VIEW employees_labeled AS\n%s;\n",
		labels("employees_current", "org_levels_current", "jobs_current", "locations_current"))
	fmt.Fprintf(&b, "CREATE OR REPLACE MACRO employees_labeled_asof(ts) AS TABLE\n%s;\n",
		labels("employees_asof(ts)", "org_levels_asof(ts)", "jobs_asof(ts)", "locations_asof(ts)"))
	dept := c("employees", "orgLevel2Code")
	fmt.Fprintf(&b, `CREATE OR REPLACE VIEW headcount_by_department AS
SELECT %s AS department_code, coalesce(org_level2_name, '(no name for ' || %s || ')') AS department, count(*) AS headcount
FROM employees_labeled WHERE %s IS DISTINCT FROM 'T'
GROUP BY ALL ORDER BY headcount DESC, department_code;
`, dept, dept, c("employees", "employeeStatusCode"))
	if len(errs) > 0 {
		return "", errs[0]
	}
	return b.String(), nil
}
