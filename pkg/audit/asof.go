package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// AsOfQuery selects what [Archive.AsOf] answers.
type AsOfQuery struct {
	// KnownAt is the transaction time: only rows the archive had received
	// (Kafka timestamp) at or before it count.
	KnownAt time.Time
	// EffectiveAt, when set, is the valid time: the job-history row in
	// effect on that date (greatest job effective date not after it, among
	// the rows known at KnownAt) adds its job, org, status and pay.
	EffectiveAt *time.Time
	// Employee ("COMPANY/EMPLOYEE") or Company restricts the answer.
	Employee string
	Company  string
}

// selectFiles returns topic's files that can hold rows of keys known at
// knownAt: the key index picks files when keys are given, and files whose
// dt= date is after knownAt's UTC date are skipped (a file's rows are all
// at or after its first record, whose date names the directory).
func (a *Archive) selectFiles(ctx context.Context, topic string, keys []string, knownAt time.Time) ([]File, error) {
	files, err := a.Files(ctx, topic)
	if err != nil {
		return nil, err
	}
	a.stats.FilesTotal += len(files)
	if !knownAt.IsZero() {
		day := knownAt.UTC().Truncate(24 * time.Hour)
		n := len(files)
		files = slices.DeleteFunc(slices.Clone(files), func(f File) bool { return f.Date.After(day) })
		if n != len(files) {
			a.prune("%s: dt= partition pruning kept %d of %d files (dt <= %s)", topic, len(files), n, day.Format(time.DateOnly))
		}
	}
	if len(keys) > 0 {
		n := len(files)
		if files, err = a.filesForKeys(ctx, topic, files, keys); err != nil {
			return nil, err
		}
		a.prune("%s: key index kept %d of %d files", topic, len(files), n)
	}
	return files, nil
}

// AsOf returns each employee's state as the archive knew it at q.KnownAt:
// the latest employment (and compensation) version received by then, with
// employees whose latest row is a deletion left out; with q.EffectiveAt,
// also the job-history row in effect on that date.
func (a *Archive) AsOf(ctx context.Context, q AsOfQuery) (*Result, error) {
	var keys []string
	switch {
	case q.Employee != "":
		if !validKey(q.Employee) {
			return nil, inputError("employee key %q: want COMPANY/EMPLOYEE", q.Employee)
		}
		keys = []string{q.Employee}
	case q.Company != "":
		if strings.Contains(q.Company, "/") {
			return nil, inputError("company %q contains '/'", q.Company)
		}
		keys = []string{q.Company + "/"}
	}
	views := map[string]string{"employees": "ao_emp", "compensation": "ao_comp", "job-history": "ao_jh"}
	meta := []string{"_key", "_kafka_timestamp", "_kafka_offset", "_deleted"}
	need := map[string][]string{
		"employees": append(meta, "company_id", "employee_id", "employee_number", "employee_status_code",
			"employee_status_start_date", "primary_job_code", "org_level1_code", "org_level2_code", "original_hire_date",
			"last_hire_date", "termination_date", "annual_salary", "hourly_pay_rate", "date_time_changed"),
		"compensation": append(meta, "annual_salary", "hourly_pay_rate"),
		"job-history": append(meta, "system_id", "_record_id", "job_effective_date", "date_time_created",
			"employee_status", "job_code", "org_level1_code", "annual_salary", "hourly_pay_rate"),
	}
	var kwhere string
	var kargs []any
	if len(keys) > 0 {
		kwhere, kargs = keyFilter(keys)
	}
	for _, name := range []string{"employees", "compensation", "job-history"} {
		if name == "job-history" && q.EffectiveAt == nil {
			continue
		}
		files, err := a.selectFiles(ctx, a.cfg.TopicPrefix+name, keys, q.KnownAt)
		if err != nil {
			return nil, err
		}
		if err := a.viewWhere(ctx, views[name], files, tableTyped, kwhere, kargs, need[name]...); err != nil {
			return nil, err
		}
	}
	empCols, err := a.columns(ctx, "SELECT * FROM ao_emp")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(empCols, "employee_id") {
		if q.Employee != "" {
			return nil, inputError("employee %s is not in the archive %s", q.Employee, a.cfg.Archive.Output)
		}
		return &Result{Columns: []string{"key"}}, nil // an empty archive
	}
	where, wargs := "true", []any{}
	if len(keys) > 0 {
		where, wargs = keyFilter(keys)
	}
	latest := func(view, partition string) string {
		return fmt.Sprintf(`SELECT * FROM %s WHERE _kafka_timestamp <= ?::TIMESTAMPTZ AND (%s)
  QUALIFY row_number() OVER (PARTITION BY %s ORDER BY _kafka_timestamp DESC, _kafka_offset DESC) = 1`, view, where, partition)
	}
	knownAt := q.KnownAt.UTC().Format(time.RFC3339Nano)
	sql := "WITH emp AS (" + latest("ao_emp", "_key") + "), comp AS (" + latest("ao_comp", "_key") + ")"
	var args []any
	for range 2 {
		args = append(append(args, knownAt), wargs...)
	}
	sel := `emp._key AS key, emp.company_id, emp.employee_id, emp.employee_number,
  emp.employee_status_code AS status, emp.employee_status_start_date AS status_since,
  emp.primary_job_code AS job_code, emp.org_level1_code, emp.org_level2_code,
  emp.original_hire_date, emp.last_hire_date, emp.termination_date,
  coalesce(comp.annual_salary, emp.annual_salary) AS annual_salary,
  coalesce(comp.hourly_pay_rate, emp.hourly_pay_rate) AS hourly_pay_rate,
  emp.date_time_changed AS changed_at, emp._kafka_timestamp AS known_since`
	from := "emp LEFT JOIN comp ON comp._key = emp._key AND NOT comp._deleted"
	if q.EffectiveAt != nil {
		jhID := "system_id"
		if cols, _ := a.columns(ctx, "SELECT * FROM ao_jh"); slices.Contains(cols, "_record_id") {
			jhID = "coalesce(system_id, _record_id)"
		} else if !slices.Contains(cols, "system_id") {
			jhID = "NULL"
		}
		sql += fmt.Sprintf(`, jh AS (SELECT * FROM ao_jh WHERE _kafka_timestamp <= ?::TIMESTAMPTZ AND (%s)
  QUALIFY row_number() OVER (PARTITION BY _key, %s ORDER BY _kafka_timestamp DESC, _kafka_offset DESC) = 1),
eff AS (SELECT * FROM jh WHERE NOT _deleted AND job_effective_date <= ?::DATE
  QUALIFY row_number() OVER (PARTITION BY _key ORDER BY job_effective_date DESC, date_time_created DESC, system_id DESC) = 1)`, where, jhID)
		args = append(append(append(args, knownAt), wargs...), q.EffectiveAt.Format(time.DateOnly))
		sel += `, eff.job_effective_date AS effective_date, eff.employee_status AS effective_status,
  eff.job_code AS effective_job_code, eff.org_level1_code AS effective_org_level1_code,
  eff.annual_salary AS effective_annual_salary, eff.hourly_pay_rate AS effective_hourly_pay_rate,
  eff.system_id AS effective_system_id`
		from += " JOIN eff ON eff._key = emp._key"
	}
	sql += " SELECT " + sel + " FROM " + from + " WHERE NOT emp._deleted ORDER BY emp._key"
	res, err := a.query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("as-of %s: %w", knownAt, err)
	}
	if q.Employee != "" && len(res.Rows) == 0 {
		return nil, inputError("employee %s has no live record in %s as known at %s (never archived by then, or deleted)", q.Employee, a.cfg.Archive.Output, knownAt)
	}
	return res, nil
}
