package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// diffIgnore are the columns that say where a row lived, not what it
// says: a replay into another topic changes them and nothing else.
var diffIgnore = []string{"filename", "_kafka_topic", "_kafka_offset", "dt"}

// DiffReport is the outcome of [Diff].
type DiffReport struct {
	Topics  *Result // topic, rows_a, rows_b, only_in_a, only_in_b, columns
	Samples *Result // up to 20 differing rows per topic
	Equal   bool
}

// Diff proves a and b hold the same rows, topic by topic: every column but
// the topic name and the offsets (see diffIgnore), plus each row's position
// in its partition (its rank by offset), so the per-partition order is
// compared too. Topics are matched by schema name, so an archive of a
// replayed topic with another prefix compares with the original.
func Diff(ctx context.Context, a, b *Archive) (*DiffReport, error) {
	rep := &DiffReport{Equal: true,
		Topics: &Result{Columns: []string{"topic", "rows_a", "rows_b", "only_in_a", "only_in_b", "columns"},
			Types: []string{"VARCHAR", "BIGINT", "BIGINT", "BIGINT", "BIGINT", "VARCHAR"}},
		Samples: &Result{Columns: []string{"topic", "side", "partition", "position", "key", "event_id", "deleted"},
			Types: []string{"VARCHAR", "VARCHAR", "INTEGER", "BIGINT", "VARCHAR", "VARCHAR", "BOOLEAN"}}}
	for _, name := range a.reg.Names() {
		fa, err := a.Files(ctx, a.cfg.TopicPrefix+name)
		if err != nil {
			return nil, err
		}
		fb, err := b.Files(ctx, b.cfg.TopicPrefix+name)
		if err != nil {
			return nil, err
		}
		if len(fa) == 0 && len(fb) == 0 {
			continue
		}
		if err := a.view(ctx, "da", fa, tableRaw); err != nil {
			return nil, err
		}
		pb, err := b.fetch(ctx, fb)
		if err != nil {
			return nil, err
		}
		if len(pb) == 0 {
			err = a.emptyView(ctx, "db")
		} else {
			err = a.viewPaths(ctx, "db", pb, tableRaw, "", nil)
		}
		if err != nil {
			return nil, err
		}
		ca, err := a.columns(ctx, "SELECT * FROM da")
		if err != nil {
			return nil, err
		}
		cb, err := a.columns(ctx, "SELECT * FROM db")
		if err != nil {
			return nil, err
		}
		var common, notes []string
		for _, c := range ca {
			if slices.Contains(diffIgnore, c) {
				continue
			}
			if slices.Contains(cb, c) {
				common = append(common, ident(c))
			} else if len(fb) > 0 {
				notes = append(notes, c+" only in A")
			}
		}
		for _, c := range cb {
			if !slices.Contains(diffIgnore, c) && !slices.Contains(ca, c) && len(fa) > 0 {
				notes = append(notes, c+" only in B")
			}
		}
		cols := strings.Join(common, ", ")
		with := fmt.Sprintf(`WITH x AS (SELECT %[1]s, row_number() OVER (PARTITION BY _kafka_partition ORDER BY _kafka_offset) AS _position FROM da),
y AS (SELECT %[1]s, row_number() OVER (PARTITION BY _kafka_partition ORDER BY _kafka_offset) AS _position FROM db),
oa AS (SELECT * FROM x EXCEPT ALL SELECT * FROM y),
ob AS (SELECT * FROM y EXCEPT ALL SELECT * FROM x)
`, cols)
		q := with + "SELECT (SELECT count(*) FROM x), (SELECT count(*) FROM y), (SELECT count(*) FROM oa), (SELECT count(*) FROM ob)"
		var na, nb, oa, ob int64
		if err := a.db.QueryRowContext(ctx, q).Scan(&na, &nb, &oa, &ob); err != nil {
			return nil, fmt.Errorf("diff %s: %w", name, err)
		}
		rep.Topics.Rows = append(rep.Topics.Rows, []any{name, na, nb, oa, ob, nullIfEmpty(strings.Join(notes, "; "))})
		if oa == 0 && ob == 0 && len(notes) == 0 {
			continue
		}
		rep.Equal = false
		s, err := a.query(ctx, with+`(SELECT ?, 'only in A', _kafka_partition, _position, _key, _event_id, _deleted FROM oa ORDER BY 3, 4 LIMIT 20)
UNION ALL (SELECT ?, 'only in B', _kafka_partition, _position, _key, _event_id, _deleted FROM ob ORDER BY 3, 4 LIMIT 20)`, name, name)
		if err != nil {
			return nil, fmt.Errorf("diff %s: %w", name, err)
		}
		rep.Samples.Rows = append(rep.Samples.Rows, s.Rows...)
	}
	return rep, nil
}
