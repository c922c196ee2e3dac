package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// historyMeta are the archive columns a history row keeps besides the
// typed ones; the rest of the metadata (_raw, _kafka_topic, the file name)
// is left out: the SCD2 row is the typed record plus its validity.
var historyDrop = []string{"_raw", "_kafka_topic", "_key", "_deleted", "filename", "dt"}

// historySQL is the SCD type 2 query of the view: one row per version of
// each record (key, plus systemId for job history) with valid_from (the
// Kafka timestamp the archive received it), valid_to (the next version's,
// NULL for the last), is_current (the last version, not a deletion) and
// is_deleted (a tombstone). A version whose record hash equals the previous
// one's is an at-least-once duplicate or an unchanged re-publication and
// does not open a new interval. Intervals of a record are contiguous and
// do not overlap by construction.
func historySQL(view string, cols []string, identity string) string {
	var keep []string
	for _, c := range cols {
		if !slices.Contains(historyDrop, c) && c != "_kafka_timestamp" {
			keep = append(keep, ident(c))
		}
	}
	return fmt.Sprintf(`WITH v AS (
  SELECT *, %[2]s AS _record FROM %[1]s
), d AS (
  SELECT * FROM v
  WINDOW w AS (PARTITION BY _key, _record ORDER BY _kafka_timestamp, _kafka_partition, _kafka_offset)
  QUALIFY lag(_record_hash) OVER w IS DISTINCT FROM _record_hash OR lag(_deleted) OVER w IS DISTINCT FROM _deleted
     OR _record_hash IS NULL
)
SELECT _key AS key, _record AS record_id, _kafka_timestamp AS valid_from,
  lead(_kafka_timestamp) OVER w AS valid_to,
  (lead(_kafka_offset) OVER w IS NULL AND NOT _deleted) AS is_current,
  _deleted AS is_deleted, %[3]s
FROM d
WINDOW w AS (PARTITION BY _key, _record ORDER BY _kafka_timestamp, _kafka_partition, _kafka_offset)
ORDER BY key, record_id, valid_from, _kafka_offset`, view, identity, strings.Join(keep, ", "))
}

// History returns the SCD type 2 table of topic (see historySQL). With a
// non-empty dir it writes dir/<topic>.parquet instead and returns the row
// count in a one-row Result.
func (a *Archive) History(ctx context.Context, name, dir string) (*Result, error) {
	topic, err := a.Topic(name)
	if err != nil {
		return nil, err
	}
	files, err := a.selectFiles(ctx, topic, nil, time.Time{})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, inputError("topic %s has no files in %s", topic, a.cfg.Archive.Output)
	}
	if err := a.view(ctx, "hist", files, tableTyped); err != nil {
		return nil, err
	}
	cols, err := a.columns(ctx, "SELECT * FROM hist")
	if err != nil {
		return nil, err
	}
	identity := "''"
	if slices.Contains(cols, "system_id") {
		identity = "coalesce(system_id, " + recordIDExpr(cols) + ", '')"
	}
	q := historySQL("hist", cols, identity)
	if dir == "" {
		res, err := a.query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", topic, err)
		}
		return res, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, inputError("--out %s: %v", dir, err)
	}
	out := filepath.Join(dir, topic+".parquet")
	r, err := a.db.ExecContext(ctx, fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd)", q, sqlString(out)))
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", topic, err)
	}
	n, _ := r.RowsAffected()
	return &Result{Columns: []string{"file", "rows"}, Types: []string{"VARCHAR", "BIGINT"}, Rows: [][]any{{out, n}}}, nil
}
