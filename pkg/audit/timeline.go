package audit

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// employeeTopics are the schema topics keyed per employee, in the order a
// timeline lists simultaneous changes.
var employeeTopics = []string{"employees", "people", "job-history", "compensation", "lifecycle"}

// topicDates names, per schema, the columns that say when UKG changed a
// record (changed) and when the change takes effect (effective), and the
// record identity within a key (job history: systemId).
var topicDates = map[string]struct{ changed, effective, identity string }{
	"employees":    {"date_time_changed", "employee_status_start_date", ""},
	"people":       {"date_time_changed", "", ""},
	"job-history":  {"date_time_created", "job_effective_date", "system_id"},
	"compensation": {"", "", ""},
	"lifecycle":    {"detected_at", "effective_date", ""},
}

// summaryFields are the fields a timeline shows for a record seen the first
// time (its other fields are in _raw).
var summaryFields = map[string][]string{
	"employees":    {"employeeStatusCode", "primaryJobCode", "orgLevel1Code", "annualSalary", "lastHireDate", "terminationDate"},
	"people":       {"firstName", "lastName"},
	"job-history":  {"jobEffectiveDate", "employeeStatus", "jobCode", "orgLevel1Code", "annualSalary", "reasonCode"},
	"compensation": {"annualSalary", "hourlyPayRate", "primaryJobCode"},
}

// Timeline columns.
var timelineColumns = []string{"known_at", "topic", "position", "changed_at", "effective", "change", "record", "field", "before", "after"}

// version is one archived row of an employee's timeline.
type version struct {
	knownAt   time.Time
	topic     string // schema name
	partition int64
	offset    int64
	changed   any
	effective any
	identity  string
	deleted   bool
	raw       string
}

// Timeline returns every version of key's records across the employee
// topics in the order the archive learned them (Kafka timestamp, then
// offset), each with what changed field by field; lifecycle events with
// their changes and deletions as such. An unknown key is an [ErrInput].
func (a *Archive) Timeline(ctx context.Context, key string) (*Result, error) {
	if !validKey(key) {
		return nil, inputError("employee key %q: want COMPANY/EMPLOYEE", key)
	}
	var vs []version
	for _, name := range employeeTopics {
		got, err := a.versions(ctx, name, []string{key}, "")
		if err != nil {
			return nil, err
		}
		vs = append(vs, got...)
	}
	if len(vs) == 0 {
		return nil, inputError("employee %s is not in the archive %s", key, a.cfg.Archive.Output)
	}
	order := map[string]int{}
	for i, n := range employeeTopics {
		order[n] = i
	}
	slices.SortStableFunc(vs, func(x, y version) int {
		return cmp.Or(x.knownAt.Compare(y.knownAt), cmp.Compare(order[x.topic], order[y.topic]), cmp.Compare(x.offset, y.offset))
	})
	res := &Result{Columns: timelineColumns, Types: []string{"TIMESTAMP WITH TIME ZONE", "VARCHAR", "VARCHAR",
		"VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"}}
	prev := map[string]map[string]json.RawMessage{}
	for _, v := range vs {
		row := func(change, field, before, after string) {
			res.Rows = append(res.Rows, []any{v.knownAt, v.topic, fmt.Sprintf("%d@%d", v.partition, v.offset),
				text(v.changed), text(v.effective), change, nullIfEmpty(v.identity), nullIfEmpty(field), nullIfEmpty(before), nullIfEmpty(after)})
		}
		id := v.topic + "\x00" + v.identity
		if v.deleted {
			row("deleted", "", "", "")
			delete(prev, id)
			continue
		}
		fields := map[string]json.RawMessage{}
		if err := json.Unmarshal([]byte(v.raw), &fields); err != nil {
			return nil, fmt.Errorf("timeline of %s: %s offset %d: %w", key, v.topic, v.offset, err)
		}
		if v.topic == "lifecycle" {
			var ev struct {
				Event   string `json:"event"`
				Changes []struct {
					Field  string          `json:"field"`
					Before json.RawMessage `json:"before"`
					After  json.RawMessage `json:"after"`
				} `json:"changes"`
			}
			if err := json.Unmarshal([]byte(v.raw), &ev); err != nil {
				return nil, fmt.Errorf("timeline of %s: lifecycle offset %d: %w", key, v.offset, err)
			}
			if len(ev.Changes) == 0 {
				row(ev.Event, "", "", "")
			}
			for _, c := range ev.Changes {
				row(ev.Event, c.Field, scalar(c.Before), scalar(c.After))
			}
			continue
		}
		old, seen := prev[id]
		prev[id] = fields
		if !seen {
			n := 0
			for _, f := range summaryFields[v.topic] {
				if val, ok := fields[f]; ok && scalar(val) != "" {
					row("new", f, "", scalar(val))
					n++
				}
			}
			if n == 0 {
				row("new", "", "", "")
			}
			continue
		}
		names := make([]string, 0, len(fields))
		for f := range fields {
			names = append(names, f)
		}
		for f := range old {
			if _, ok := fields[f]; !ok {
				names = append(names, f)
			}
		}
		slices.Sort(names)
		n := 0
		for _, f := range names {
			if !sameJSON(old[f], fields[f]) {
				row("changed", f, scalar(old[f]), scalar(fields[f]))
				n++
			}
		}
		if n == 0 {
			row("unchanged", "", "", "") // re-published (a full pass, an at-least-once retry)
		}
	}
	return res, nil
}

// versions reads the rows of keys (exact keys, or "COMPANY/" prefixes) from
// one schema topic, through the key index, known no later than knownAt
// ("" = all).
func (a *Archive) versions(ctx context.Context, name string, keys []string, knownAt string) ([]version, error) {
	topic := a.cfg.TopicPrefix + name
	files, err := a.Files(ctx, topic)
	if err != nil {
		return nil, err
	}
	a.stats.FilesTotal += len(files)
	sel, err := a.filesForKeys(ctx, topic, files, keys)
	if err != nil {
		return nil, err
	}
	if len(sel) == 0 {
		return nil, nil
	}
	view := "v_" + strings.ReplaceAll(name, "-", "_")
	where, args := keyFilter(keys)
	td := topicDates[name]
	want := []string{"_kafka_timestamp", "_kafka_partition", "_kafka_offset", "_key", "_deleted", "_raw", "_record_id"}
	for _, c := range []string{td.changed, td.effective, td.identity} {
		if c != "" {
			want = append(want, c)
		}
	}
	if err := a.viewWhere(ctx, view, sel, tableRaw, where, args, want...); err != nil {
		return nil, err
	}
	cols, err := a.columns(ctx, "SELECT * FROM "+view)
	if err != nil {
		return nil, err
	}
	col := func(c string) string {
		if c != "" && slices.Contains(cols, c) {
			return c
		}
		return "NULL"
	}
	q := fmt.Sprintf(`SELECT _kafka_timestamp, _kafka_partition, _kafka_offset, %s, %s, coalesce(%s::VARCHAR, %s, ''), _deleted, coalesce(_raw, '')
FROM %s WHERE (%s)`, col(td.changed), col(td.effective), col(td.identity), recordIDExpr(cols), view, where)
	if knownAt != "" {
		q += " AND _kafka_timestamp <= ?::TIMESTAMPTZ"
		args = append(args, knownAt)
	}
	q += " ORDER BY _kafka_partition, _kafka_offset"
	rows, err := a.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", topic, err)
	}
	defer rows.Close()
	var out []version
	for rows.Next() {
		v := version{topic: name}
		var part, off int64
		if err := rows.Scan(&v.knownAt, &part, &off, &v.changed, &v.effective, &v.identity, &v.deleted, &v.raw); err != nil {
			return nil, err
		}
		v.partition, v.offset, v.knownAt = part, off, v.knownAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// recordIDExpr is the identity of a deleted row within its key, from the
// _record_id metadata column when the archive has one.
func recordIDExpr(cols []string) string {
	if slices.Contains(cols, "_record_id") {
		return "_record_id"
	}
	return "NULL"
}

func keyFilter(keys []string) (string, []any) {
	var conds []string
	var args []any
	for _, k := range keys {
		if strings.HasSuffix(k, "/") {
			conds = append(conds, "starts_with(_key, ?)")
		} else {
			conds = append(conds, "_key = ?")
		}
		args = append(args, k)
	}
	return strings.Join(conds, " OR "), args
}

func validKey(k string) bool {
	c, e, ok := strings.Cut(k, "/")
	return ok && c != "" && e != "" && !strings.Contains(e, "/")
}

// scalar renders a JSON value: strings unquoted, null as "".
func scalar(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	var b bytes.Buffer
	if json.Compact(&b, v) == nil {
		return b.String()
	}
	return string(v)
}

func sameJSON(x, y json.RawMessage) bool {
	if x == nil || y == nil {
		return x == nil && y == nil || scalar(x) == "" && scalar(y) == ""
	}
	var bx, by bytes.Buffer
	if json.Compact(&bx, x) != nil || json.Compact(&by, y) != nil {
		return bytes.Equal(x, y)
	}
	return bytes.Equal(bx.Bytes(), by.Bytes())
}

func text(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.UTC().Format(time.DateOnly)
		}
		return x.UTC().Format("2006-01-02T15:04:05.000")
	}
	return fmt.Sprint(v)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
